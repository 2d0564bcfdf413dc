package grants

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auditlake/auditlake/pipeline/lake"
)

const (
	alice = "arn:aws:iam::111122223333:role/alice"
	bob   = "arn:aws:iam::111122223333:role/bob"
)

var cols = []string{"a", "b", "c", "d"}

type evSpec struct {
	name    string // event name
	at      string // RFC 3339
	params  string // requestParameters
	outcome string // default success
	resp    string // responseElements
	source  string // default lakeformation
}

var evSeq int

func mkEvent(e evSpec) *lake.Event {
	evSeq++
	ev := &lake.Event{
		EventID:           fmt.Sprintf("ev-%d", evSeq),
		EventTime:         ts(e.at),
		EventSource:       LakeFormationSource,
		EventName:         e.name,
		Outcome:           lake.OutcomeSuccess,
		RequestParameters: e.params,
		ResponseElements:  e.resp,
	}
	if e.outcome != "" {
		ev.Outcome = e.outcome
	}
	if e.source != "" {
		ev.EventSource = e.source
	}
	return ev
}

// grant builds Grant/RevokePermissions requestParameters.
func grant(principal, resource string, perms ...string) string {
	return fmt.Sprintf(`{"principal":{"dataLakePrincipalIdentifier":%q},"resource":%s,"permissions":["%s"],"permissionsWithGrantOption":[]}`,
		principal, resource, strings.Join(perms, `","`))
}

func onTable(db, table string) string {
	return fmt.Sprintf(`{"table":{"databaseName":%q,"name":%q}}`, db, table)
}

func onColumns(db, table string, columns ...string) string {
	return fmt.Sprintf(`{"tableWithColumns":{"databaseName":%q,"name":%q,"columnNames":["%s"]}}`, db, table, strings.Join(columns, `","`))
}

func onAllBut(db, table string, excluded ...string) string {
	ex := ""
	if len(excluded) > 0 {
		ex = `"` + strings.Join(excluded, `","`) + `"`
	}
	return fmt.Sprintf(`{"tableWithColumns":{"databaseName":%q,"name":%q,"columnWildcard":{"excludedColumnNames":[%s]}}}`, db, table, ex)
}

// check is one expectation: what principal reads of db.t (columns cols) at a time.
type check struct {
	principal, table, at string
	want                 []string
}

// expectReads fails unless c.principal reads c.want of db.<c.table>
// (columns cols) at c.at; a nil want is nothing.
func expectReads(t *testing.T, s *Set, c check) {
	t.Helper()
	got := s.Effective(c.principal, "db", c.table, cols, ts(c.at))
	want := c.want
	if want == nil {
		want = []string{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s reads db.%s at %s: %v, want %v", c.principal, c.table, c.at, got, want)
	}
}

func TestReplay(t *testing.T) {
	cases := []struct {
		name    string
		events  []evSpec
		changed []bool
		checks  []check
	}{
		{
			name: "column grant then column revoke then table revoke",
			events: []evSpec{
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, onColumns("db", "t", "a", "b", "c"), "SELECT")},
				{name: "RevokePermissions", at: "2026-07-01T11:00:00Z", params: grant(alice, onColumns("db", "t", "b"), "SELECT")},
				{name: "RevokePermissions", at: "2026-07-01T12:00:00Z", params: grant(alice, onTable("db", "t"), "SELECT")},
			},
			changed: []bool{true, true, true},
			checks: []check{
				{alice, "t", "2026-07-01T09:59:59Z", nil},
				{alice, "t", "2026-07-01T10:00:00Z", []string{"a", "b", "c"}},
				{alice, "t", "2026-07-01T11:00:00Z", []string{"a", "c"}},
				{alice, "t", "2026-07-01T12:00:00Z", nil},
				{bob, "t", "2026-07-01T10:30:00Z", nil},
			},
		},
		{
			name: "revoking columns of a table grant leaves all but those",
			events: []evSpec{
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, onTable("db", "t"), "SELECT", "DESCRIBE")},
				{name: "RevokePermissions", at: "2026-07-01T11:00:00Z", params: grant(alice, onColumns("db", "t", "B", "d"), "SELECT")},
				{name: "RevokePermissions", at: "2026-07-01T12:00:00Z", params: grant(alice, onColumns("db", "t", "x"), "SELECT")},
			},
			changed: []bool{true, true, true},
			checks: []check{
				{alice, "t", "2026-07-01T10:00:00Z", cols},
				{alice, "t", "2026-07-01T11:00:00Z", []string{"a", "c"}},
			},
		},
		{
			name: "failed grant changes nothing",
			events: []evSpec{
				{name: "GrantPermissions", at: "2021-02-06T00:43:21Z", outcome: lake.OutcomeError,
					params: `{"principal":{"dataLakePrincipalIdentifier":"arn:aws:iam::111122223333:user/datalake_user1"},"resource":{},"permissions":["CREATE_TABLE"]}`},
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", outcome: lake.OutcomeDenied, params: grant(alice, onTable("db", "t"), "SELECT")},
				{name: "RevokePermissions", at: "2026-07-01T10:00:00Z", outcome: lake.OutcomeError, params: grant(bob, onTable("db", "t"), "SELECT")},
			},
			changed: []bool{false, false, false},
			checks: []check{
				{alice, "t", "2026-07-02T00:00:00Z", nil},
				{bob, "t", "2026-07-02T00:00:00Z", cols}, // from the base grant below
			},
		},
		{
			name: "batch grant, one entry failed, then batch revoke",
			events: []evSpec{
				{name: "BatchGrantPermissions", at: "2026-07-01T10:00:00Z",
					params: `{"catalogId":"111122223333","entries":[` +
						`{"id":"1","principal":{"dataLakePrincipalIdentifier":"` + alice + `"},"resource":` + onColumns("db", "t", "a") + `,"permissions":["SELECT"],"permissionsWithGrantOption":[]},` +
						`{"id":"2","principal":{"dataLakePrincipalIdentifier":"` + alice + `"},"resource":` + onColumns("db", "u", "c") + `,"permissions":["SELECT"]},` +
						`{"id":"3","principal":{"dataLakePrincipalIdentifier":"` + alice + `"},"resource":` + onColumns("db", "t", "d") + `,"permissions":["SELECT"]}]}`,
					resp: `{"failures":[{"requestEntry":{"id":"3","principal":{"dataLakePrincipalIdentifier":"` + alice + `"}},"error":{"errorCode":"InvalidInputException","errorMessage":"no such column"}}]}`},
				{name: "BatchRevokePermissions", at: "2026-07-01T11:00:00Z",
					params: `{"entries":[{"id":"1","principal":{"dataLakePrincipalIdentifier":"` + alice + `"},"resource":` + onColumns("db", "u", "c") + `,"permissions":["SELECT"]}]}`},
			},
			changed: []bool{true, true},
			checks: []check{
				{alice, "t", "2026-07-01T10:00:00Z", []string{"a"}},
				{alice, "u", "2026-07-01T10:00:00Z", []string{"c"}},
				{alice, "t", "2026-07-01T11:00:00Z", []string{"a"}},
				{alice, "u", "2026-07-01T11:00:00Z", nil},
			},
		},
		{
			name: "IAM_ALLOWED_PRINCIPALS grants everyone",
			events: []evSpec{
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(Everyone, onTable("db", "open"), "ALL")},
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, onColumns("db", "open", "a"), "SELECT")},
				{name: "RevokePermissions", at: "2026-07-01T11:00:00Z", params: grant(alice, onColumns("db", "open", "a"), "SELECT")},
				{name: "RevokePermissions", at: "2026-07-01T12:00:00Z", params: grant(Everyone, onTable("db", "open"), "ALL")},
			},
			changed: []bool{true, true, true, true},
			checks: []check{
				{alice, "open", "2026-07-01T10:00:00Z", cols},
				{"arn:aws:iam::999988887777:user/anyone", "open", "2026-07-01T10:00:00Z", cols},
				{"", "open", "2026-07-01T10:00:00Z", cols},
				{alice, "open", "2026-07-01T11:00:00Z", cols}, // alice's own revoke leaves everyone's grant
				{alice, "open", "2026-07-01T12:00:00Z", nil},
			},
		},
		{
			name: "out of order: revoke arrives before its grant",
			events: []evSpec{
				{name: "RevokePermissions", at: "2026-07-01T12:00:00Z", params: grant(alice, onColumns("db", "t", "a"), "SELECT")},
				{name: "GrantPermissions", at: "2026-07-01T11:00:00Z", params: grant(alice, onColumns("db", "t", "a", "b"), "SELECT")},
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, onColumns("db", "t", "c"), "SELECT")},
				{name: "RevokePermissions", at: "2026-07-01T10:30:00Z", params: grant(alice, onColumns("db", "t", "c"), "SELECT")},
				{name: "RevokePermissions", at: "2026-07-01T09:00:00Z", params: grant(alice, onColumns("db", "t", "b"), "SELECT")},
			},
			changed: []bool{false, true, true, true, false},
			checks: []check{
				{alice, "t", "2026-07-01T10:00:00Z", []string{"c"}},
				{alice, "t", "2026-07-01T10:30:00Z", nil},
				{alice, "t", "2026-07-01T11:00:00Z", []string{"a", "b"}},
				{alice, "t", "2026-07-01T12:00:00Z", []string{"b"}},
			},
		},
		{
			name: "ALL and SUPER_USER imply SELECT, DESCRIBE and others do not",
			events: []evSpec{
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, onTable("db", "t"), "DESCRIBE", "ALTER", "INSERT", "DROP", "DELETE")},
				{name: "GrantPermissions", at: "2026-07-01T11:00:00Z", params: grant(alice, onTable("db", "t"), "SUPER_USER")},
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, onTable("db", "u"), "all")},
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(bob, `{"database":{"name":"db"}}`, "ALL")},
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(bob, `{"dataLocation":{"resourceArn":"arn:aws:s3:::bucket/t"}}`, "DATA_LOCATION_ACCESS")},
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(bob, `{"catalog":{}}`, "CREATE_DATABASE")},
			},
			changed: []bool{true, true, true, true, true, true},
			checks: []check{
				{alice, "t", "2026-07-01T10:00:00Z", nil},
				{alice, "t", "2026-07-01T11:00:00Z", cols},
				{alice, "u", "2026-07-01T10:00:00Z", cols},
				{bob, "t", "2026-07-01T12:00:00Z", nil},
			},
		},
		{
			name: "table wildcard and union of grants",
			events: []evSpec{
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, `{"table":{"databaseName":"DB","tableWildcard":{}}}`, "SELECT")},
				{name: "RevokePermissions", at: "2026-07-01T11:00:00Z", params: grant(alice, onTable("db", "t"), "SELECT")},
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(bob, onAllBut("db", "t", "a", "b", "c"), "SELECT")},
				{name: "GrantPermissions", at: "2026-07-01T11:00:00Z", params: grant(bob, onColumns("db", "t", "b"), "SELECT")},
				{name: "GrantPermissions", at: "2026-07-01T12:00:00Z", params: grant(bob, onAllBut("db", "t", "c", "d"), "SELECT")},
				{name: "GrantPermissions", at: "2026-07-01T13:00:00Z", params: grant(bob, onAllBut("db", "t"), "SELECT")},
				{name: "RevokePermissions", at: "2026-07-01T14:00:00Z", params: grant(alice, `{"table":{"databaseName":"db","tableWildcard":{}}}`, "SELECT")},
			},
			changed: []bool{true, false, true, true, true, true, true},
			checks: []check{
				{alice, "t", "2026-07-01T10:00:00Z", cols},
				{alice, "other", "2026-07-01T10:00:00Z", cols},
				{alice, "t", "2026-07-01T11:00:00Z", cols}, // the wildcard grant still holds
				{alice, "t", "2026-07-01T14:00:00Z", nil},
				{bob, "t", "2026-07-01T10:00:00Z", []string{"d"}},
				{bob, "t", "2026-07-01T11:00:00Z", []string{"b", "d"}},
				{bob, "t", "2026-07-01T12:00:00Z", []string{"a", "b", "d"}},
				{bob, "t", "2026-07-01T13:00:00Z", cols},
				{bob, "other", "2026-07-01T13:00:00Z", nil},
			},
		},
		{
			name: "data cells filters",
			events: []evSpec{
				{name: "GrantPermissions", at: "2026-07-01T09:00:00Z", params: grant(bob, `{"dataCellsFilter":{"tableCatalogId":"111122223333","databaseName":"db","tableName":"t","name":"unknown"}}`, "SELECT")},
				{name: "CreateDataCellsFilter", at: "2026-07-01T09:30:00Z",
					params: `{"tableData":{"tableCatalogId":"111122223333","databaseName":"db","tableName":"t","name":"us_only","rowFilter":{"filterExpression":"country='US'"},"columnNames":["a","b"]}}`},
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, `{"dataCellsFilter":{"tableCatalogId":"111122223333","databaseName":"db","tableName":"t","name":"us_only"}}`, "SELECT")},
				{name: "UpdateDataCellsFilter", at: "2026-07-01T11:00:00Z",
					params: `{"tableData":{"databaseName":"db","tableName":"t","name":"us_only","rowFilter":{"allRowsWildcard":{}},"columnWildcard":{"excludedColumnNames":["a"]}}}`},
				{name: "DeleteDataCellsFilter", at: "2026-07-01T12:00:00Z", params: `{"tableCatalogId":"111122223333","databaseName":"db","tableName":"t","name":"us_only"}`},
				{name: "CreateDataCellsFilter", at: "2026-07-01T13:00:00Z",
					params: `{"tableData":{"databaseName":"db","tableName":"t","name":"us_only","columnNames":["a"]}}`},
			},
			changed: []bool{true, true, true, true, true, true},
			checks: []check{
				{bob, "t", "2026-07-01T09:00:00Z", cols}, // definition unknown: all columns
				{alice, "t", "2026-07-01T09:59:59Z", nil},
				{alice, "t", "2026-07-01T10:00:00Z", []string{"a", "b"}},
				{alice, "t", "2026-07-01T11:00:00Z", []string{"b", "c", "d"}},
				{alice, "t", "2026-07-01T12:00:00Z", nil},
				{alice, "t", "2026-07-01T13:00:00Z", nil}, // re-created filter: the old grant is gone
			},
		},
		{
			name: "principals: assumed-role session, path, case, account IAMPrincipals",
			events: []evSpec{
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant("arn:aws:iam::111122223333:role/service-role/Carol", onColumns("db", "t", "a"), "SELECT")},
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant("444455556666:IAMPrincipals", onColumns("db", "t", "b"), "SELECT")},
			},
			changed: []bool{true, true},
			checks: []check{
				{"arn:aws:sts::111122223333:assumed-role/Carol/session-1", "t", "2026-07-01T10:00:00Z", []string{"a"}},
				{"arn:aws:iam::111122223333:role/service-role/carol", "t", "2026-07-01T10:00:00Z", []string{"a"}},
				{"arn:aws:sts::999988887777:assumed-role/Carol/session-1", "t", "2026-07-01T10:00:00Z", nil},
				{"arn:aws:iam::444455556666:user/dave", "t", "2026-07-01T10:00:00Z", []string{"b"}},
			},
		},
		{
			name: "ignored events",
			events: []evSpec{
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", source: "glue.amazonaws.com", params: grant(alice, onTable("db", "t"), "SELECT")},
				{name: "GetDataAccess", at: "2026-07-01T10:00:00Z", params: `{"tableArn":"arn:aws:glue:us-east-1:111122223333:table/db/t","permissions":["SELECT"]}`},
				{name: "PutDataLakeSettings", at: "2026-07-01T10:00:00Z", params: `{"dataLakeSettings":{"allowFullTableExternalDataAccess":true}}`},
				{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: `{"principal":{"dataLakePrincipalIdentifier":"` + alice + `"},"resource":{"table":{"databaseName":"db","name":"t"}},"permissions":[]}`},
				{name: "RevokePermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, onTable("db", "t"), "SELECT")},
			},
			changed: []bool{false, false, false, false, false},
			checks:  []check{{alice, "t", "2026-07-02T00:00:00Z", nil}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := New()
			// A base grant from list-permissions, to show failures leave it alone.
			base := `{"PrincipalResourcePermissions":[{"Principal":{"DataLakePrincipalIdentifier":"` + bob + `"},
				"Resource":{"Table":{"CatalogId":"111122223333","DatabaseName":"db","Name":"t"}},
				"Permissions":["SELECT"],"PermissionsWithGrantOption":[],"LastUpdated":"2026-06-01T00:00:00+00:00"}]}`
			if tc.name == "failed grant changes nothing" {
				if err := s.Load(strings.NewReader(base), "base"); err != nil {
					t.Fatal(err)
				}
			}
			before := s.Rows()
			for i, e := range tc.events {
				changed, err := s.ApplyEvent(mkEvent(e))
				if err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				if changed != tc.changed[i] {
					t.Errorf("event %d (%s %s): changed = %v, want %v", i, e.name, e.at, changed, tc.changed[i])
				}
			}
			if !strings.Contains(tc.name, "changes nothing") && !strings.Contains(tc.name, "ignored") {
				if reflect.DeepEqual(before, s.Rows()) {
					t.Fatal("history unchanged")
				}
			} else if !reflect.DeepEqual(before, s.Rows()) {
				t.Fatalf("history changed:\n%v\n%v", before, s.Rows())
			}
			for _, c := range tc.checks {
				expectReads(t, s, c)
			}
			// The same events in time order give the same history.
			inOrder := New()
			if tc.name == "failed grant changes nothing" {
				_ = inOrder.Load(strings.NewReader(base), "base")
			}
			sorted := append([]evSpec(nil), tc.events...)
			for i := 1; i < len(sorted); i++ {
				for j := i; j > 0 && ts(sorted[j].at).Before(ts(sorted[j-1].at)); j-- {
					sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
				}
			}
			for _, e := range sorted {
				if _, err := inOrder.ApplyEvent(mkEvent(e)); err != nil {
					t.Fatal(err)
				}
			}
			if !reflect.DeepEqual(inOrder.Rows(), s.Rows()) {
				t.Fatalf("history depends on arrival order:\n%v\n%v", inOrder.Rows(), s.Rows())
			}
		})
	}
}

func TestFailedGrantDocExample(t *testing.T) {
	// The Lake Formation CloudTrail documentation's failed grant, through
	// the real normalizer shape: outcome error, empty resource.
	ev := &lake.Event{
		EventID: "8d2ccef0-55f3-42d3-9ede-3a6faedaa5c1", EventTime: ts("2021-02-06T00:43:21Z"),
		EventSource: LakeFormationSource, EventName: "GrantPermissions",
		Outcome: lake.OutcomeError, ErrorCode: "InvalidInputException",
		ErrorMessage:      "Resource must have one of the have either the catalog, table or database field populated.",
		RequestParameters: `{"principal":{"dataLakePrincipalIdentifier":"arn:aws:iam::111122223333:user/datalake_user1"},"resource":{},"permissions":["CREATE_TABLE"]}`,
	}
	s := New()
	if changed, err := s.ApplyEvent(ev); changed || err != nil {
		t.Fatalf("failed grant: %v %v", changed, err)
	}
	if h := s.Rows(); len(h) != 0 {
		t.Fatalf("history %v", h)
	}
	// Had it been logged as a success, the empty resource is an error and
	// still changes nothing.
	ev.Outcome, ev.EventID = lake.OutcomeSuccess, "other"
	if changed, err := s.ApplyEvent(ev); changed || err == nil {
		t.Fatalf("empty resource: %v %v", changed, err)
	}
	if h := s.Rows(); len(h) != 0 {
		t.Fatalf("history %v", h)
	}
}

func TestApplyEventErrors(t *testing.T) {
	for _, e := range []evSpec{
		{name: "GrantPermissions", params: `not json`},
		{name: "GrantPermissions", params: `{"resource":{"table":{"databaseName":"db","name":"t"}},"permissions":["SELECT"]}`},
		{name: "GrantPermissions", params: grant(alice, `{"table":{"databaseName":"db"}}`, "SELECT")},
		{name: "GrantPermissions", params: grant(alice, `{"tableWithColumns":{"databaseName":"db","name":"t"}}`, "SELECT")},
		{name: "BatchGrantPermissions", params: `{"entries":[{"id":"1","resource":{}}]}`},
		{name: "CreateDataCellsFilter", params: `{"name":"x"}`},
		{name: "DeleteDataCellsFilter", params: `{"name":"x"}`},
	} {
		e.at = "2026-07-01T10:00:00Z"
		s := New()
		if changed, err := s.ApplyEvent(mkEvent(e)); err == nil || changed {
			t.Errorf("%s %s: %v %v, want an error", e.name, e.params, changed, err)
		}
	}
	if changed, err := New().ApplyEvent(nil); changed || err != nil {
		t.Fatal("nil event")
	}
}

func TestLoadForms(t *testing.T) {
	const doc = `{"PrincipalResourcePermissions":[
	  {"Principal":{"DataLakePrincipalIdentifier":"` + alice + `"},
	   "Resource":{"Table":{"CatalogId":"1","DatabaseName":"db","TableWildcard":{}}},"Permissions":["SELECT"]},
	  {"Principal":{"DataLakePrincipalIdentifier":"` + bob + `"},
	   "Resource":{"DataCellsFilter":{"TableCatalogId":"1","DatabaseName":"db","TableName":"t","Name":"f"}},"Permissions":["SELECT"],
	   "LastUpdated":"2026-06-01 00:00:00+00:00"},
	  {"Principal":{"DataLakePrincipalIdentifier":"` + bob + `"},
	   "Resource":{"LFTagPolicy":{"CatalogId":"1","ResourceType":"TABLE","Expression":[{"TagKey":"pii","TagValues":["false"]}]}},"Permissions":["SELECT"]},
	  {"Principal":{"DataLakePrincipalIdentifier":"` + bob + `"},
	   "Resource":{"TableWithColumns":{"DatabaseName":"db","Name":"u","ColumnWildcard":{}}},"Permissions":["SELECT"]}
	]}
	{"DataCellsFilters":[{"TableCatalogId":"1","DatabaseName":"db","TableName":"t","Name":"f",
	   "RowFilter":{"FilterExpression":"x > 1"},"ColumnNames":["c","d"],"VersionId":"1"}]}`
	s := New()
	if err := s.Load(strings.NewReader(doc), "perms.json"); err != nil {
		t.Fatal(err)
	}
	at := ts("2026-07-01T00:00:00Z")
	if got := s.Effective(alice, "db", "anything", cols, time.Time{}); !reflect.DeepEqual(got, cols) {
		t.Fatalf("alice wildcard from the zero time: %v", got)
	}
	if got := s.Effective(bob, "db", "t", cols, at); !reflect.DeepEqual(got, []string{"c", "d"}) {
		t.Fatalf("bob filter: %v", got)
	}
	if got := s.Effective(bob, "db", "t", cols, ts("2026-05-31T23:59:59Z")); len(got) != 0 {
		t.Fatalf("bob before LastUpdated: %v", got)
	}
	if got := s.Effective(bob, "db", "u", cols, at); !reflect.DeepEqual(got, cols) {
		t.Fatalf("bob empty column wildcard: %v", got)
	}
	if a := s.Readable(bob, "db", "u", at); !a.All || len(a.Excluded) != 0 || a.Excluded == nil {
		t.Fatalf("bob access %+v", a)
	}

	for name, bad := range map[string]string{
		"empty":                                ``,
		"not json":                             `{"PrincipalResourcePermissions":[`,
		"other doc":                            `{"Tables":[]}`,
		"empty policy":                         `{"PrincipalResourcePermissions":[{"Principal":{"DataLakePrincipalIdentifier":"x"},"Resource":{"LFTagPolicy":{"ResourceType":"TABLE","Expression":[]}},"Permissions":["SELECT"]}]}`,
		"policy type":                          `{"PrincipalResourcePermissions":[{"Principal":{"DataLakePrincipalIdentifier":"x"},"Resource":{"LFTagPolicy":{"ResourceType":"COLUMN","Expression":[{"TagKey":"a","TagValues":["b"]}]}},"Permissions":["SELECT"]}]}`,
		"glue tables":                          `{"TableList":[{"Name":"t","DatabaseName":"db","StorageDescriptor":{}}]}`,
		"no resource for get-resource-lf-tags": `{"LFTagsOnTable":[{"TagKey":"a","TagValues":["b"]}]}`,
		"database list":                        `{"DatabaseList":[{"LFTags":[]}]}`,
		"tag without key":                      `{"Resource":{"Table":{"DatabaseName":"db","Name":"t"}},"LFTagsOnTable":[{"TagValues":["b"]}]}`,
		"no principal":                         `{"PrincipalResourcePermissions":[{"Resource":{"Database":{"Name":"db"}},"Permissions":["ALL"]}]}`,
		"bad time":                             `{"PrincipalResourcePermissions":[{"Principal":{"DataLakePrincipalIdentifier":"x"},"Resource":{"Database":{"Name":"db"}},"Permissions":["ALL"],"LastUpdated":"soon"}]}`,
		"no resource":                          `{"PrincipalResourcePermissions":[{"Principal":{"DataLakePrincipalIdentifier":"x"},"Resource":{},"Permissions":["ALL"]}]}`,
	} {
		s := New()
		err := s.Load(strings.NewReader(bad), "bad.json")
		if err == nil || !strings.Contains(err.Error(), "bad.json") {
			t.Errorf("%s: error %v", name, err)
		}
		if len(s.Rows()) != 0 {
			t.Errorf("%s: partial load", name)
		}
	}
	if err := New().LoadFile("no/such/file.json"); err == nil {
		t.Fatal("missing file")
	}
}

func TestRowsOverTime(t *testing.T) {
	s := New()
	for _, e := range []evSpec{
		{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, onAllBut("db", "t", "a"), "SELECT")},
		{name: "GrantPermissions", at: "2026-07-01T11:00:00Z", params: grant(alice, onColumns("db", "t", "a"), "SELECT")},
		{name: "RevokePermissions", at: "2026-07-01T12:00:00Z", params: grant(alice, onColumns("db", "t", "b"), "SELECT")},
	} {
		if _, err := s.ApplyEvent(mkEvent(e)); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, r := range s.Rows() {
		to := "-"
		if !r.To.IsZero() {
			to = r.To.Format("15:04")
		}
		got = append(got, fmt.Sprintf("%s %s.%s %s [%s] excluded=%v %s..%s", r.Resource, r.Database, r.Table, r.Permission, r.Column, r.Excluded, r.From.Format("15:04"), to))
		if r.GrantID != "table|"+alice+"|db|t|||SELECT" || r.Principal != alice || !r.Read {
			t.Fatalf("row %+v", r)
		}
	}
	// 10:00 all but a; 11:00 a added back (all); 12:00 b revoked (all but b).
	want := []string{
		"table db.t SELECT [] excluded=false 10:00..-",
		"table db.t SELECT [a] excluded=true 10:00..11:00",
		"table db.t SELECT [b] excluded=true 12:00..-",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("history:\n%s", strings.Join(got, "\n"))
	}
	if n := len(s.RowsAt(ts("2026-07-01T11:30:00Z"))); n != 1 {
		t.Fatalf("rows at 11:30 = %d", n)
	}
	if n := len(s.RowsAt(ts("2026-07-01T09:00:00Z"))); n != 0 {
		t.Fatalf("rows at 09:00 = %d", n)
	}
}

func TestConcurrent(t *testing.T) {
	s := New()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				at := fmt.Sprintf("2026-07-01T10:%02d:00Z", (j*7+i)%60)
				if i%2 == 0 {
					if _, err := s.ApplyEvent(mkEventLocked(evSpec{name: "GrantPermissions", at: at, params: grant(alice, onColumns("db", "t", cols[j%4]), "SELECT")})); err != nil {
						t.Error(err)
						return
					}
				}
				s.Readable(alice, "db", "t", ts(at))
				s.RowsAt(ts(at))
			}
		}()
	}
	wg.Wait()
	if got := s.Effective(alice, "db", "t", cols, ts("2026-07-01T11:00:00Z")); !reflect.DeepEqual(got, cols) {
		t.Fatalf("after concurrent grants: %v", got)
	}
}

var seqMu sync.Mutex

func mkEventLocked(e evSpec) *lake.Event {
	seqMu.Lock()
	defer seqMu.Unlock()
	return mkEvent(e)
}
