package report

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditlake/auditlake/pipeline/lakedb"
	"github.com/auditlake/auditlake/pipeline/policy"
	"github.com/auditlake/auditlake/schemas"
)

// detectionCases is a queries/detections/<rule>.cases.json file: rows that
// must make the rule fire, and rows that must not.
type detectionCases struct {
	Cases []struct {
		Name     string                      `json:"name"`
		Fire     bool                        `json:"fire"`
		Findings int                         `json:"findings"` // when fire: exactly this many (0: any)
		Policy   string                      `json:"policy"`   // policy YAML (default: the built-in defaults)
		Rows     map[string][]map[string]any `json:"rows"`     // table → rows, by column name
	} `json:"cases"`
}

// eventDefaults fill the events columns a case leaves out, as most events
// have them.
var eventDefaults = map[string]any{"log_source": "cloudtrail", "network_view": false, "outcome": "success",
	"account_id": "111122223333", "event_source": "s3.amazonaws.com", "event_name": "GetObject"}

// Every detection has cases beside it, and each case holds: the rule fires
// on its must-fire rows and stays silent on its must-not-fire rows, run
// through the whole findings view.
func TestDetectionCases(t *testing.T) {
	ctx := context.Background()
	for _, rule := range Rules() {
		b, err := os.ReadFile(filepath.Join("../../queries/detections", rule+".cases.json"))
		if err != nil {
			t.Errorf("%s: no cases: %v", rule, err)
			continue
		}
		var cs detectionCases
		if err := json.Unmarshal(b, &cs); err != nil {
			t.Fatalf("%s.cases.json: %v", rule, err)
		}
		fire, silent := 0, 0
		for _, c := range cs.Cases {
			if c.Fire {
				fire++
			} else {
				silent++
			}
			t.Run(rule+"/"+c.Name, func(t *testing.T) {
				p := policy.Default()
				if c.Policy != "" {
					if p, err = policy.Parse([]byte(c.Policy), rule+".cases.json"); err != nil {
						t.Fatal(err)
					}
				}
				r := caseReport(t, c.Rows)
				if err := r.LoadPolicy(ctx, p); err != nil {
					t.Fatal(err)
				}
				var n int
				if err := r.DB.QueryRowContext(ctx, "SELECT count(*) FROM findings WHERE rule = ?", rule).Scan(&n); err != nil {
					t.Fatal(err)
				}
				switch {
				case c.Fire && n == 0:
					t.Errorf("did not fire")
				case c.Fire && c.Findings > 0 && n != c.Findings:
					t.Errorf("%d findings, want %d", n, c.Findings)
				case !c.Fire && n > 0:
					t.Errorf("fired %d times", n)
				}
			})
		}
		if fire == 0 || silent == 0 {
			t.Errorf("%s.cases.json: %d must-fire and %d must-not-fire cases; want at least one of each", rule, fire, silent)
		}
	}
}

// caseReport is a report over an empty lake whose tables (ingested,
// derived and the manifest tables) hold only rows.
func caseReport(t *testing.T, rows map[string][]map[string]any) *Report {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := lakedb.OpenSnapshots(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &Report{DB: db}
	t.Cleanup(func() { r.Close() })
	if err := r.LoadManifests(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range append(schemas.Tables(), schemas.Derived()...) {
		tbl := schemas.MustLoad(name)
		if _, err := db.ExecContext(ctx, "DROP VIEW IF EXISTS "+name); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "CREATE TABLE "+name+" AS "+lakedb.Empty(tbl)); err != nil {
			t.Fatal(err)
		}
	}
	for table, list := range rows {
		for i, row := range list {
			if table == "events" {
				for k, v := range eventDefaults {
					if _, ok := row[k]; !ok {
						row[k] = v
					}
				}
			}
			f := filepath.Join(dir, table+".json")
			b, _ := json.Marshal(row)
			if err := os.WriteFile(f, b, 0o644); err != nil {
				t.Fatal(err)
			}
			var cols []string
			for k := range row {
				cols = append(cols, lakedb.QuoteIdent(k))
			}
			q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(cols, ", ") +
				" FROM read_json(" + lakedb.QuoteLiteral(f) + ")"
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s row %d: %v", table, i+1, err)
			}
		}
	}
	return r
}
