package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/report"
	"github.com/auditlake/auditlake/queries"
)

func main() {
	ctx := context.Background()
	r, err := report.Open(ctx, report.Options{Lake: os.Args[1], Catalog: []string{os.Args[2]}})
	if err != nil {
		panic(err)
	}
	old, _ := os.ReadFile(os.Args[3])
	nq, _ := queries.Load("investigation/profile")
	for _, p := range []string{"user-042", "alice-ds", "user-199", "erin-research", "user-007"} {
		dump := func(q string) (string, time.Duration) {
			start := time.Now()
			rows, err := r.Query(ctx, q, p, nil, nil)
			if err != nil {
				panic(err)
			}
			var b strings.Builder
			for _, v := range rows.Values {
				fmt.Fprintln(&b, v...)
			}
			return b.String(), time.Since(start)
		}
		a, ta := dump(strings.TrimSuffix(strings.TrimSpace(string(old)), ";"))
		b, tb := dump(nq.Body())
		fmt.Println(p, strings.Count(a, "\n"), strings.Count(b, "\n"), a == b, ta.Round(time.Millisecond), tb.Round(time.Millisecond))
	}
}
