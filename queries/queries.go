// Package queries embeds the SQL files that define the report side of the
// lake contract: the views investigators query (ARCHITECTURE.md §4) and the
// attribution chain behind them. Each file holds one statement with a
// header of "-- key: value" lines (title, and for detections: severity).
package queries

import (
	"embed"
	"fmt"
	"sort"
	"strings"
)

//go:embed *.sql
var files embed.FS

// Query is one SQL file.
type Query struct {
	Name   string            // file name without .sql
	Header map[string]string // the leading "-- key: value" lines
	SQL    string            // the whole file
}

// Load returns the named query.
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
		if k, v, ok := strings.Cut(rest, ":"); ok {
			q.Header[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return q, nil
}

// Names lists the queries whose names start with prefix, sorted.
func Names(prefix string) []string {
	ents, _ := files.ReadDir(".")
	var out []string
	for _, e := range ents {
		n := strings.TrimSuffix(e.Name(), ".sql")
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
