// Package flags holds the command-line flag types the ingest and report
// commands share.
package flags

import "strings"

// List is a repeatable, comma-separated flag: "--catalog a,b --catalog c"
// is [a b c].
type List []string

func (l *List) String() string { return strings.Join(*l, ",") }

// Set adds the comma-separated values of one occurrence.
func (l *List) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}
