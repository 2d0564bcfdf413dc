package report

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/auditlake/auditlake/pipeline/grants"
	"github.com/auditlake/auditlake/pipeline/lakedb"
	"github.com/auditlake/auditlake/pipeline/policy"
	"github.com/auditlake/auditlake/queries"
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
		// Evidence, when given, is each finding's event_ids (in any
		// order, and the findings in any order).
		Evidence [][]string `json:"evidence"`
		// Rendered, when given, is each finding as "severity resource: detail"
		// (in any order).
		Rendered []string `json:"rendered"`
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
				if c.Rendered != nil {
					rows, err := r.Query(ctx, "SELECT severity || ' ' || resource || ': ' || detail FROM findings WHERE rule = ? ORDER BY 1", rule)
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, v := range rows.Values {
						got = append(got, text(v[0]))
					}
					want := append([]string(nil), c.Rendered...)
					sort.Strings(want)
					if strings.Join(got, "\n") != strings.Join(want, "\n") {
						t.Errorf("findings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
					}
				}
				if c.Evidence != nil {
					if got, want := evidence(t, r, rule), sortedEvidence(c.Evidence); got != want {
						t.Errorf("evidence:\n%s\nwant\n%s", got, want)
					}
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

// evidence renders the event_ids of a rule's findings, each list sorted,
// one finding a line, the lines sorted.
func evidence(t *testing.T, r *Report, rule string) string {
	t.Helper()
	rows, err := r.Query(context.Background(), "SELECT list_sort(event_ids) FROM findings WHERE rule = ?", rule)
	if err != nil {
		t.Fatal(err)
	}
	var lists [][]string
	for _, v := range rows.Values {
		var ids []string
		for _, id := range v[0].([]any) {
			ids = append(ids, text(id))
		}
		lists = append(lists, ids)
	}
	return sortedEvidence(lists)
}

func sortedEvidence(lists [][]string) string {
	var lines []string
	for _, l := range lists {
		l = append([]string(nil), l...)
		sort.Strings(l)
		lines = append(lines, strings.Join(l, " "))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// The s3_reads step over hand-made events: a request logged by CloudTrail
// and the access log is one row (CloudTrail's, the line its copy); a read
// an AWS service made for the caller is that engine's, not a bypass; a
// service acting as itself bypasses nothing; the same request id in
// another bucket is another request; a table Lake Formation left to IAM
// (IAM_ALLOWED_PRINCIPALS) is not bypassed while it is.
func TestS3ReadsStep(t *testing.T) {
	ctx := context.Background()
	loc := "s3://lake/warehouse/sales/customers/"
	read := func(id, src, key string, extra map[string]any) map[string]any {
		row := map[string]any{"event_id": id, "event_time": "2026-07-01T10:00:00Z", "log_source": src, "event_source": "s3.amazonaws.com",
			"event_name": "GetObject", "outcome": "success", "s3_bucket": "lake", "s3_key": "warehouse/sales/customers/" + key,
			"network_view": false, "account_id": "111122223333"}
		for k, v := range extra {
			row[k] = v
		}
		return row
	}
	r := caseReport(t, map[string][]map[string]any{"events": {
		read("ct1", "cloudtrail", "p0", map[string]any{"principal_arn": "arn:aws:iam::111122223333:user/bob", "source_ip": "203.0.113.9", "request_id": "R1"}),
		read("al1", "s3_access_log", "p0", map[string]any{"principal_arn": "arn:aws:iam::111122223333:user/bob", "source_ip": "203.0.113.9", "request_id": "R1"}),
		read("ct2", "cloudtrail", "p1", map[string]any{"principal_arn": "arn:aws:sts::111122223333:assumed-role/analyst/s", "invoked_by": "athena.amazonaws.com",
			"source_ip": "athena.amazonaws.com", "request_id": "R2"}),
		read("ct3", "cloudtrail", "p2", map[string]any{"principal_type": "AWSService", "principal_arn": "s3.amazonaws.com", "invoked_by": "s3.amazonaws.com", "request_id": "R3"}),
		read("al4", "s3_access_log", "p3", map[string]any{"principal_arn": "arn:aws:iam::111122223333:user/bob", "source_ip": "203.0.113.9", "request_id": "R4"}),
		read("ct5", "cloudtrail", "p4", map[string]any{"principal_arn": "arn:aws:iam::111122223333:user/bob", "source_ip": "10.0.0.5", "request_id": "R5"}),
		read("al5", "s3_access_log", "p4", map[string]any{"s3_bucket": "scratch", "principal_arn": "arn:aws:iam::111122223333:user/bob", "request_id": "R5"}),
		read("ct6", "cloudtrail", "", map[string]any{"s3_key": "warehouse/sales/orders/p0", "principal_arn": "arn:aws:iam::111122223333:user/bob",
			"principal_account_id": "111122223333", "source_ip": "203.0.113.9", "request_id": "R6"}),
		read("ct7", "cloudtrail", "", map[string]any{"s3_key": "warehouse/sales/orders/p1", "event_time": "2026-07-01T08:59:59Z",
			"principal_arn": "arn:aws:iam::111122223333:user/bob", "principal_account_id": "111122223333", "source_ip": "203.0.113.9", "request_id": "R7"}),
		// refunds is left to the account's IAMPrincipals: its own
		// principals' reads are no bypass, another account's is.
		read("ct8", "cloudtrail", "", map[string]any{"s3_key": "warehouse/sales/refunds/p0", "principal_arn": "arn:aws:iam::111122223333:user/bob",
			"principal_account_id": "111122223333", "source_ip": "203.0.113.9", "request_id": "R8"}),
		read("ct9", "cloudtrail", "", map[string]any{"s3_key": "warehouse/sales/refunds/p1", "principal_arn": "arn:aws:iam::444455556666:user/eve",
			"principal_account_id": "444455556666", "source_ip": "203.0.113.9", "request_id": "R9"}),
		// Every table of crm is left to IAM (a TableWildcard grant).
		read("ct10", "cloudtrail", "", map[string]any{"s3_key": "warehouse/crm/leads/p0", "principal_arn": "arn:aws:iam::111122223333:user/bob",
			"principal_account_id": "111122223333", "source_ip": "203.0.113.9", "request_id": "R10"}),
	}})
	if _, err := r.DB.ExecContext(ctx, `CREATE TABLE catalog_tables AS SELECT 'sales' AS database_name, 'customers' AS table_name,
		?::VARCHAR AS location, ?::VARCHAR AS location_folder, TIMESTAMPTZ '2026-01-01 00:00:00+00' AS valid_from, NULL::TIMESTAMPTZ AS valid_to`,
		strings.TrimSuffix(loc, "/"), loc); err != nil {
		t.Fatal(err)
	}
	// orders is left to IAM (IAM_ALLOWED_PRINCIPALS holds SELECT on it
	// since 09:00): a direct read of it is no bypass.
	if _, err := r.DB.ExecContext(ctx, `INSERT INTO catalog_tables VALUES ('sales', 'orders', 's3://lake/warehouse/sales/orders',
		's3://lake/warehouse/sales/orders/', TIMESTAMPTZ '2026-01-01 00:00:00+00', NULL),
		('sales', 'refunds', 's3://lake/warehouse/sales/refunds', 's3://lake/warehouse/sales/refunds/', TIMESTAMPTZ '2026-01-01 00:00:00+00', NULL),
		('crm', 'leads', 's3://lake/warehouse/crm/leads', 's3://lake/warehouse/crm/leads/', TIMESTAMPTZ '2026-01-01 00:00:00+00', NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := r.DB.ExecContext(ctx, `CREATE TABLE lf_grants (`+grants.TableColumns+`)`); err != nil {
		t.Fatal(err)
	}
	open := grants.Row{GrantID: "g", Principal: "IAM_ALLOWED_PRINCIPALS", Resource: grants.ResourceTable, Database: "sales", Table: "orders",
		Permission: "ALL", Read: true, From: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)}
	account := open
	account.GrantID, account.Principal, account.Table = "g2", "111122223333:IAMPrincipals", "refunds"
	wildcard := open
	wildcard.GrantID, wildcard.Database, wildcard.Table = "g3", "crm", "*"
	for _, g := range []grants.Row{open, account, wildcard} {
		if _, err := r.DB.ExecContext(ctx, `INSERT INTO lf_grants VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, g.Values()...); err != nil {
			t.Fatal(err)
		}
	}
	q, err := queries.Load("views/s3_reads")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := r.Query(ctx, `SELECT event_id, coalesce(copy_event_id, '-'), coalesce(via_service, '-'), engine, lf_bypass, coalesce(table_name, '-')
		FROM (`+q.Body()+`) ORDER BY event_id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range rows.Values {
		got = append(got, fmt.Sprintf("%s copy=%s via=%s engine=%s bypass=%v table=%s", v[0], v[1], v[2], v[3], v[4], v[5]))
	}
	want := []string{
		"al4 copy=- via=- engine=s3 bypass=true table=customers",
		"al5 copy=- via=- engine=s3 bypass=false table=-",
		"ct1 copy=al1 via=- engine=s3 bypass=true table=customers",
		"ct10 copy=- via=- engine=s3 bypass=false table=leads", // every table of crm left to IAM
		"ct2 copy=- via=athena.amazonaws.com engine=athena bypass=false table=customers",
		"ct3 copy=- via=service engine=other bypass=false table=customers",
		"ct5 copy=- via=- engine=s3 bypass=true table=customers",
		"ct6 copy=- via=- engine=s3 bypass=false table=orders",  // left to IAM at the time
		"ct7 copy=- via=- engine=s3 bypass=true table=orders",   // a second before
		"ct8 copy=- via=- engine=s3 bypass=false table=refunds", // the account's IAMPrincipals
		"ct9 copy=- via=- engine=s3 bypass=true table=refunds",  // another account's principal
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("s3_reads:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
