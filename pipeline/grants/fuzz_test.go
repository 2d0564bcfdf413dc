package grants

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// checkRows fails on rows that cannot be: an end before the start, a row
// without a grant id, a read of a non-table resource, out of order.
func checkRows(t *testing.T, rows []Row) {
	t.Helper()
	for i, r := range rows {
		if r.GrantID == "" || (!r.To.IsZero() && r.To.Before(r.From)) {
			t.Fatalf("row %d: %+v", i, r)
		}
		if r.Read && r.Resource != ResourceTable && r.Resource != ResourceDataCellsFilter && r.Resource != ResourceLFTagPolicy {
			t.Fatalf("row %d reads a %s", i, r.Resource)
		}
		if i > 0 && rows[i-1].Principal > r.Principal {
			t.Fatalf("rows out of order at %d", i)
		}
	}
}

// FuzzLoad feeds the listing loader (list-permissions, list-data-cells-filter,
// the LF-Tag listings) anything: it returns an error or loads, never
// panics; a failed load applies nothing; what loads gives sound rows and
// answers.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		`{"PrincipalResourcePermissions":[{"Principal":{"DataLakePrincipalIdentifier":"arn:aws:iam::1:role/a"},"Resource":{"Table":{"DatabaseName":"db","Name":"t"}},"Permissions":["SELECT"]}]}`,
		`{"PrincipalResourcePermissions":[{"Principal":{"DataLakePrincipalIdentifier":"IAM_ALLOWED_PRINCIPALS"},"Resource":{"LFTagPolicy":{"ResourceType":"TABLE","Expression":[{"TagKey":"k","TagValues":["v"]}]}},"Permissions":["ALL"],"LastUpdated":"2026-06-01T12:00:00+00:00"}]}`,
		`{"DataCellsFilters":[{"DatabaseName":"db","TableName":"t","Name":"f","RowFilter":{"FilterExpression":"x=1"},"ColumnWildcard":{"ExcludedColumnNames":["a"]}}]}`,
		`{"TableList":[{"Table":{"DatabaseName":"db","Name":"t"},"LFTagOnDatabase":[{"TagKey":"k","TagValues":["v"]}],"LFTagsOnColumns":[{"Name":"c","LFTags":[{"TagKey":"k","TagValues":["w"]}]}]}]}`,
		`{"DatabaseList":[{"Database":{"Name":"db"},"LFTags":[{"TagKey":"k","TagValues":["v"]}]}]}`,
		`{"Resource":{"Database":{"Name":"db"}},"LFTagOnDatabase":[{"TagKey":"k","TagValues":["v"]}]}`,
		`{"PrincipalResourcePermissions":[]} {"DataCellsFilters":[]}`,
		``, `{`, `[]`, `{"TableList":[{}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := New()
		s.AddTable("db", "t")
		if err := s.Load(bytes.NewReader(data), "fuzz.json"); err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the input: %v", err)
			}
			if rows := s.Rows(); len(rows) != 0 {
				t.Fatalf("a failed load applied %d rows", len(rows))
			}
			return
		}
		rows := s.Rows()
		checkRows(t, rows)
		for _, at := range []time.Time{{}, ts("2026-07-01T00:00:00Z")} {
			a := s.Readable("arn:aws:iam::1:role/a", "db", "t", at)
			for _, c := range []string{"a", "c", "x"} {
				if !a.Allows(c) && a.RowFilter(c) != "" {
					t.Fatalf("a row filter on a column that cannot be read: %s", c)
				}
			}
		}
	})
}

// FuzzApplyEvent replays any Lake Formation event: an error applies
// nothing, an event applied twice changes nothing the second time, and
// the rows stay sound.
func FuzzApplyEvent(f *testing.F) {
	for _, e := range tagEvents {
		f.Add(e.name, e.params, e.resp)
	}
	f.Add("GrantPermissions", grant(alice, onColumns("db", "t", "a"), "SELECT"), "")
	f.Add("BatchRevokePermissions", `{"entries":[{"id":"1","principal":{"dataLakePrincipalIdentifier":"x"},"resource":{"table":{"databaseName":"db","name":"t"}},"permissions":["SELECT"]}]}`, `{"failures":[{"requestEntry":{"id":"1"}}]}`)
	f.Add("CreateDataCellsFilter", `{"tableData":{"databaseName":"db","tableName":"t","name":"f","rowFilter":{"allRowsWildcard":{}}}}`, "")
	f.Fuzz(func(t *testing.T, name, params, resp string) {
		s := New()
		s.AddTable("db", "t")
		base := mkEvent(evSpec{name: "GrantPermissions", at: "2026-07-01T08:00:00Z", params: grant(bob, onTable("db", "t"), "SELECT")})
		if _, err := s.ApplyEvent(base); err != nil {
			t.Fatal(err)
		}
		before := s.Rows()
		ev := mkEvent(evSpec{name: name, at: "2026-07-01T09:00:00Z", params: params, resp: resp})
		changed, err := s.ApplyEvent(ev)
		if err != nil {
			if changed || len(s.Rows()) != len(before) {
				t.Fatalf("an unreadable event changed the grants: %v", err)
			}
			return
		}
		checkRows(t, s.Rows())
		if again, err := s.ApplyEvent(ev); again || err != nil {
			t.Fatalf("the same event applied twice: %v %v", again, err)
		}
		s.Readable(alice, "db", "t", ts("2026-07-01T10:00:00Z"))
	})
}
