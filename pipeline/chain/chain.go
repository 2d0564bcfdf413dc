// Package chain builds the derived tables of the lake (schemas/derived/:
// athena_starts, emr_sessions, lf_calls, s3_reads, query_columns,
// column_access) from the ingested ones, and defines the views a report
// reads them through.
//
// The chain is declared as data: each file of queries/views/ is one step,
// a SELECT that says what it produces and which days of which tables it
// needs; a step may hand its rows to a named Go step (the Glue and grant
// replay, the column lineage). Steps are ordered from that graph.
//
// A build is incremental: it compares the ingested tables' data files, day
// by day, with those the last build read (its state, committed after its
// output), and rebuilds only the days whose inputs changed, widened by
// each step's day window (a query started before midnight, an EMR session
// up to 24 hours old, an access log hours late), and every later day when
// a Glue table or Lake Formation permission changed. The rebuilt days of
// each table replace the old ones in one Iceberg commit; the state file
// naming the new snapshots is written last, so a killed build leaves the
// previous answers in place and the next build finishes the work.
package chain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/auditlake/auditlake/pipeline/lakedb"
	"github.com/auditlake/auditlake/queries"
	"github.com/auditlake/auditlake/schemas"
)

// Version changes whenever a Go step computes something different for the
// same input: every derived day is rebuilt when it does.
const Version = "2" // 2: lineage of issue 13 (no_column rows, MERGE/UPDATE, * in derived tables)

// Step is one step of the chain: a file of queries/views/.
type Step struct {
	Name  string // the table it produces
	Query queries.Query
	// Table is the produced table's schema; nil for a table kept only in
	// memory during a build (catalog_tables: every table version, which
	// every later day may depend on).
	Table *schemas.Table
}

// Global says whether the step's output spans all days (no partition).
func (s *Step) Global() bool { return s.Table == nil }

// goSteps are the steps written in Go, by the name a view's "-- step:"
// header gives.
var goSteps = map[string]bool{"replay": true, "lineage": true}

// Steps loads the chain and orders it: every step after the steps that
// produce its inputs. It fails when an input is produced by nothing, a
// table by two steps, a produced table has no schema (and is not kept in
// memory), a Go step is unknown, or the graph has a cycle.
func Steps() ([]*Step, error) {
	base := map[string]bool{}
	for _, t := range schemas.Tables() {
		base[t] = true
	}
	byName := map[string]*Step{}
	var names []string
	for _, n := range queries.Names("views") {
		q, err := queries.Load(n)
		if err != nil {
			return nil, err
		}
		if q.Produces == "" {
			return nil, fmt.Errorf("queries/%s.sql: no '-- produces:' header", n)
		}
		if byName[q.Produces] != nil || base[q.Produces] {
			return nil, fmt.Errorf("queries/%s.sql: %s is produced twice", n, q.Produces)
		}
		if q.Step != "" && !goSteps[q.Step] {
			return nil, fmt.Errorf("queries/%s.sql: unknown step %q", n, q.Step)
		}
		s := &Step{Name: q.Produces, Query: q}
		if schemas.IsDerived(q.Produces) {
			if s.Table, err = schemas.Load(q.Produces); err != nil {
				return nil, err
			}
			if s.Table.DayColumn() == "" {
				return nil, fmt.Errorf("schemas/derived/%s.yaml: a derived table is partitioned by day(<column>)", q.Produces)
			}
		} else if q.Step != "replay" {
			return nil, fmt.Errorf("queries/%s.sql: %s has no schema in schemas/derived/", n, q.Produces)
		}
		byName[q.Produces] = s
		names = append(names, q.Produces)
	}
	for _, d := range schemas.Derived() {
		if byName[d] == nil {
			return nil, fmt.Errorf("schemas/derived/%s.yaml: no query in queries/views/ produces it", d)
		}
	}
	sort.Strings(names)
	var order []*Step
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("queries/views: cycle %s", strings.Join(append(path, name), " → "))
		case 2:
			return nil
		}
		state[name] = 1
		s := byName[name]
		for _, n := range s.Query.Needs {
			if base[n.Table] {
				continue
			}
			if byName[n.Table] == nil {
				return fmt.Errorf("queries/%s.sql needs %s, which no table and no step produces", s.Query.Name, n.Table)
			}
			if err := visit(n.Table, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		order = append(order, s)
		return nil
	}
	for _, n := range names {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// Hash identifies the chain's definition: its SQL, the derived schemas and
// the Go steps' Version. A build by another definition is rebuilt whole.
func Hash(steps []*Step) string {
	h := sha256.New()
	fmt.Fprintf(h, "chain %s\n", Version)
	for _, m := range lakedb.Macros { // the steps' SQL calls them
		fmt.Fprintf(h, "%s\n", m)
	}
	for _, s := range steps {
		fmt.Fprintf(h, "%s\n%s\n", s.Query.Name, s.Query.SQL)
		if s.Table != nil {
			fmt.Fprintf(h, "schema %d %s\n", s.Table.Version, strings.Join(s.Table.Names(), ","))
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// dayset is a set of days (YYYY-MM-DD).
type dayset map[string]bool

func (d dayset) sorted() []string {
	out := make([]string, 0, len(d))
	for k := range d {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (d dayset) add(o dayset) {
	for k := range o {
		d[k] = true
	}
}
