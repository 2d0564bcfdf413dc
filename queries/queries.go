// Package queries embeds the SQL of the report side, one statement per
// file, in folders by role:
//
//	views/          the derivation chain behind the lake contract's derived
//	                tables (column_access and the tables it is built from)
//	detections/     one policy rule each: their UNION ALL is the findings view
//	investigation/  the questions of profile and trace
//	compliance/     the sections of the compliance report, in order (NN_<id>)
//
// Each file starts with "-- key: value" lines. Every file has a title; a
// detection a severity. A view declares what it produces and what it needs,
// so that `report build` orders the chain from the files alone:
//
//	-- produces: lf_calls
//	-- needs: events, athena_starts[-1..0], emr_sessions[-1..0]
//	-- step: lineage        (optional: a Go step consumes the SELECT's rows)
//
// A need's [lo..hi] says which days of the input a day of the output reads
// (the day itself when absent; [*]: every day).
package queries

import (
	"embed"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed views/*.sql detections/*.sql investigation/*.sql compliance/*.sql
var files embed.FS

// Query is one SQL file.
type Query struct {
	Name   string            // path without .sql: "views/lf_calls"
	Header map[string]string // the leading "-- key: value" lines
	SQL    string            // the whole file
	// Produces and Needs are the view's place in the chain.
	Produces string
	Needs    []Need
	Step     string // the Go step that consumes the rows, if any
}

// Need is one input of a view and the days of it a day of the output reads.
type Need struct {
	Table  string
	Lo, Hi int  // days relative to the output's day
	All    bool // every day
}

// Load returns the named query ("views/lf_calls", "detections/sensitive_grant").
func Load(name string) (Query, error) {
	b, err := files.ReadFile(name + ".sql")
	if err != nil {
		return Query{}, fmt.Errorf("queries: no query %q", name)
	}
	q := Query{Name: name, Header: map[string]string{}, SQL: string(b)}
	for _, line := range strings.Split(q.SQL, "\n") {
		rest, ok := strings.CutPrefix(line, "-- ")
		if !ok {
			break
		}
		if k, v, ok := strings.Cut(rest, ":"); ok && !strings.Contains(k, " ") {
			if _, dup := q.Header[k]; !dup {
				q.Header[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	q.Produces, q.Step = q.Header["produces"], q.Header["step"]
	if s := q.Header["needs"]; s != "" {
		for _, part := range strings.Split(s, ",") {
			n, err := parseNeed(strings.TrimSpace(part))
			if err != nil {
				return Query{}, fmt.Errorf("queries: %s.sql: needs: %w", name, err)
			}
			q.Needs = append(q.Needs, n)
		}
	}
	return q, nil
}

// parseNeed reads "table", "table[-1..0]" or "table[*]".
func parseNeed(s string) (Need, error) {
	name, win, ok := strings.Cut(s, "[")
	n := Need{Table: strings.TrimSpace(name)}
	if n.Table == "" {
		return n, fmt.Errorf("empty input in %q", s)
	}
	if !ok {
		return n, nil
	}
	win, ok = strings.CutSuffix(win, "]")
	if !ok {
		return n, fmt.Errorf("%q: want table[lo..hi]", s)
	}
	if win == "*" {
		n.All = true
		return n, nil
	}
	lo, hi, ok := strings.Cut(win, "..")
	var err1, err2 error
	n.Lo, err1 = strconv.Atoi(lo)
	n.Hi, err2 = strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil || n.Lo > n.Hi {
		return n, fmt.Errorf("%q: want table[lo..hi] with lo <= hi", s)
	}
	return n, nil
}

// Body is the statement without its trailing semicolon.
func (q Query) Body() string { return strings.TrimSuffix(strings.TrimSpace(q.SQL), ";") }

// Names lists the queries of a folder ("views", "detections", …), sorted,
// as names for Load.
func Names(dir string) []string {
	ents, _ := files.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".sql"); ok {
			out = append(out, path.Join(dir, n))
		}
	}
	sort.Strings(out)
	return out
}

// Folders lists the folders of queries.
func Folders() []string { return []string{"compliance", "detections", "investigation", "views"} }
