//go:build cgo

package grants

import (
	"database/sql"
	"fmt"
	"reflect"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// TestColumnsSQL runs ColumnsSQL in DuckDB over Rows() and checks
// it answers what Effective answers, on the scenario and on a replay with
// unions, exclusions, wildcards and revokes.
func TestColumnsSQL(t *testing.T) {
	scen, _ := scenarioSet(t)
	cat := scenarioCatalog(t)

	mixed := New()
	for _, e := range []evSpec{
		{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, onAllBut("db", "t", "a", "b"), "SELECT")},
		{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, onColumns("db", "t", "a"), "SELECT")},
		{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, onAllBut("db", "t", "b", "c"), "ALL")},
		{name: "GrantPermissions", at: "2026-07-01T11:00:00Z", params: grant(bob, `{"table":{"databaseName":"db","tableWildcard":{}}}`, "SELECT")},
		{name: "GrantPermissions", at: "2026-07-01T11:00:00Z", params: grant(Everyone, onColumns("db", "t", "d"), "SELECT")},
		{name: "RevokePermissions", at: "2026-07-01T12:00:00Z", params: grant(alice, onColumns("db", "t", "a"), "SELECT")},
		{name: "GrantPermissions", at: "2026-07-01T12:00:00Z", params: grant(alice, onColumns("db", "t", "b"), "DESCRIBE")},
		{name: "GrantPermissions", at: "2026-07-01T09:00:00Z", params: grant("111122223333:IAMPrincipals", onColumns("db", "u", "c"), "SELECT")},
		{name: "GrantPermissions", at: "2026-07-01T09:00:00Z", params: grant("999988887777", onColumns("db", "u", "e"), "SELECT")},
	} {
		if _, err := mixed.ApplyEvent(mkEvent(e)); err != nil {
			t.Fatal(err)
		}
	}
	// LF-Tag policies and data cells filters over time (TestLFTagPolicies).
	tagged := tagSet(t, append(tagEvents,
		evSpec{name: "CreateDataCellsFilter", at: "2026-07-01T09:00:00Z",
			params: `{"tableData":{"databaseName":"db","tableName":"u","name":"f","rowFilter":{"filterExpression":"x > 1"},"columnNames":["a"]}}`},
		evSpec{name: "GrantPermissions", at: "2026-07-01T09:30:00Z", params: grant(carol, `{"dataCellsFilter":{"databaseName":"db","tableName":"u","name":"f"}}`, "SELECT")}))

	type q struct {
		principal, db, table string
		at                   time.Time
		columns              []string
	}
	var scenQs []q
	for _, p := range []string{roleFull, roleLim, roleMkt, roleSales, roleElec, roleVend, roleLFReg, roleOther, roleUS} {
		for _, tb := range cat.Tables(ts("2026-07-01T00:00:00Z")) {
			for _, at := range []string{"2026-06-01T11:00:00Z", "2026-07-01T08:04:25Z", "2026-07-01T09:00:00Z", "2026-07-01T11:00:04Z", grantEvent, "2026-08-01T00:00:00Z"} {
				scenQs = append(scenQs, q{p, tb.Database, tb.Name, ts(at), columnNames(tb)})
			}
		}
	}
	var mixedQs, taggedQs []q
	for _, p := range []string{alice, bob, "arn:aws:iam::1:role/x", "arn:aws:sts::111122223333:assumed-role/y/s",
		"arn:aws:iam::999988887777:user/z", "999988887777", "IAM_ALLOWED_PRINCIPALS"} {
		for _, tb := range []string{"t", "u"} {
			for _, at := range []string{"2026-07-01T09:00:00Z", "2026-07-01T10:00:00Z", "2026-07-01T11:00:00Z", "2026-07-01T12:00:00Z"} {
				mixedQs = append(mixedQs, q{p, "DB", tb, ts(at), []string{"A", "b", "c", "d", "e"}})
			}
		}
	}
	for _, p := range []string{alice, bob, carol, dave} {
		for _, tb := range []string{"t", "u", "v"} {
			for h := 9; h <= 14; h++ {
				for _, m := range []string{"00", "30"} {
					taggedQs = append(taggedQs, q{p, "db", tb, ts(fmt.Sprintf("2026-07-01T%02d:%s:00Z", h, m)), cols})
				}
			}
		}
	}

	for name, c := range map[string]struct {
		s  *Set
		qs []q
	}{"scenario": {scen, scenQs}, "mixed": {mixed, mixedQs}, "tags and filters": {tagged, taggedQs}} {
		t.Run(name, func(t *testing.T) {
			db, err := sql.Open("duckdb", "")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			mustExec(t, db, `SET TimeZone = 'UTC'`)
			mustExec(t, db, `CREATE TABLE grants (`+TableColumns+`)`)
			mustExec(t, db, `CREATE TABLE cols (column_name VARCHAR)`)
			for _, r := range c.s.Rows() {
				mustExec(t, db, `INSERT INTO grants VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, r.Values()...)
			}
			for _, qq := range c.qs {
				mustExec(t, db, `DELETE FROM cols`)
				for _, col := range qq.columns {
					mustExec(t, db, `INSERT INTO cols VALUES (?)`, col)
				}
				rows, err := db.Query(ColumnsSQL, qq.principal, qq.db, qq.table, qq.at)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]bool{}
				for rows.Next() {
					var s string
					if err := rows.Scan(&s); err != nil {
						t.Fatal(err)
					}
					got[s] = true
				}
				rows.Close()
				want := map[string]bool{}
				for _, col := range c.s.Effective(qq.principal, qq.db, qq.table, qq.columns, qq.at) {
					want[col] = true
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s %s.%s at %v: SQL %v, Effective %v", qq.principal, qq.db, qq.table, qq.at, got, want)
				}
			}
		})
	}
	// Spot-check answers of the mixed replay.
	for _, tc := range []struct {
		who, table, at string
		want           []string
	}{
		{"arn:aws:sts::111122223333:assumed-role/y/s", "u", "2026-07-01T09:00:00Z", []string{"c"}}, // 111122223333:IAMPrincipals
		{"arn:aws:iam::999988887777:user/z", "u", "2026-07-01T09:00:00Z", []string{"e"}},           // a grant to its account
		{"999988887777", "u", "2026-07-01T09:00:00Z", []string{"e"}},                               // the grantee itself
		{alice, "t", "2026-07-01T10:00:00Z", []string{"a", "c", "d", "e"}},                         // (all-a,b) ∪ {a} ∪ (all-b,c)
		{alice, "t", "2026-07-01T11:00:00Z", []string{"a", "c", "d", "e"}},
		{alice, "t", "2026-07-01T12:00:00Z", []string{"a", "c", "d", "e"}}, // a still comes from the ALL grant
		{bob, "t", "2026-07-01T10:00:00Z", []string{}},
		{bob, "t", "2026-07-01T11:00:00Z", []string{"a", "b", "c", "d", "e"}},
		{"arn:aws:iam::1:role/x", "t", "2026-07-01T11:00:00Z", []string{"d"}},
	} {
		if got := mixed.Effective(tc.who, "db", tc.table, []string{"a", "b", "c", "d", "e"}, ts(tc.at)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s reads %s at %s: %v, want %v", tc.who, tc.table, tc.at, got, tc.want)
		}
	}
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
