package queries

import (
	"strings"
	"testing"
)

func TestEveryQueryHasATitleAndOneStatement(t *testing.T) {
	names := Names("")
	if len(names) < 5 {
		t.Fatalf("only %d queries embedded: %v", len(names), names)
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
	}
	if _, err := Load("no_such_query"); err == nil {
		t.Error("Load of a missing query succeeded")
	}
	if got := Names("2"); len(got) == 0 || !strings.HasPrefix(got[0], "20_") {
		t.Errorf("Names(\"2\") = %v", got)
	}
}
