package queries

import (
	"strings"
	"testing"
)

func TestEveryQueryHasATitleAndOneStatement(t *testing.T) {
	var names []string
	for _, dir := range Folders() {
		got := Names(dir)
		if len(got) == 0 {
			t.Errorf("no queries in %s/", dir)
		}
		names = append(names, got...)
	}
	for _, n := range names {
		q, err := Load(n)
		if err != nil {
			t.Fatal(err)
		}
		if q.Header["title"] == "" {
			t.Errorf("%s.sql has no '-- title:' header", n)
		}
		var code []string
		for _, line := range strings.Split(q.SQL, "\n") {
			if c, _, _ := strings.Cut(line, "--"); strings.TrimSpace(c) != "" {
				code = append(code, c)
			}
		}
		body := strings.TrimSuffix(strings.TrimSpace(strings.Join(code, "\n")), ";")
		if strings.Count(body, ";") != 0 {
			t.Errorf("%s.sql holds more than one statement", n)
		}
		if strings.HasPrefix(n, "views/") && q.Produces == "" {
			t.Errorf("%s.sql has no '-- produces:' header", n)
		}
	}
	if _, err := Load("no_such_query"); err == nil {
		t.Error("Load of a missing query succeeded")
	}
}

func TestNeeds(t *testing.T) {
	q, err := Load("views/lf_calls")
	if err != nil {
		t.Fatal(err)
	}
	want := []Need{{Table: "events"}, {Table: "athena_starts", Lo: -1, Hi: 1}, {Table: "emr_sessions", Lo: -1}}
	if len(q.Needs) != len(want) {
		t.Fatalf("needs = %+v, want %+v", q.Needs, want)
	}
	for i := range want {
		if q.Needs[i] != want[i] {
			t.Errorf("need %d = %+v, want %+v", i, q.Needs[i], want[i])
		}
	}
	for in, ok := range map[string]bool{"events": true, "events[*]": true, "x[-1..1]": true, "x[1..-1]": false,
		"x[-1]": false, "[0..0]": false, "x[a..b]": false, "x[0..1": false} {
		if _, err := parseNeed(in); (err == nil) != ok {
			t.Errorf("parseNeed(%q) error = %v, want ok %v", in, err, ok)
		}
	}
}
