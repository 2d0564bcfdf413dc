package grants

import (
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// The request shapes below are those of the Lake Formation API reference
// (CreateLFTag, UpdateLFTag, DeleteLFTag, AddLFTagsToResource,
// RemoveLFTagsFromResource, CreateLFTagExpression, GrantPermissions with
// an LFTagPolicy resource), in CloudTrail's lowerCamelCase, as the AWS
// CLI examples of aws/aws-cli (awscli/examples/lakeformation/*.rst, commit
// 07c4fe36) send them.

func tagList(pairs ...string) string {
	var out []string
	for _, p := range pairs {
		k, v, _ := strings.Cut(p, "=")
		out = append(out, fmt.Sprintf(`{"catalogId":"111122223333","tagKey":%q,"tagValues":["%s"]}`, k, strings.ReplaceAll(v, ",", `","`)))
	}
	return "[" + strings.Join(out, ",") + "]"
}

func onTags(resource string, pairs ...string) string {
	return `{"catalogId":"111122223333","resource":` + resource + `,"lFTags":` + tagList(pairs...) + `}`
}

func policy(rtype string, pairs ...string) string {
	return `{"lFTagPolicy":{"catalogId":"111122223333","resourceType":"` + rtype + `","expression":` + tagList(pairs...) + `}}`
}

const (
	carol = "arn:aws:iam::111122223333:role/carol"
	dave  = "arn:aws:iam::111122223333:role/dave"
)

// tagEvents is a tag-based setup over time (hand-checked answers in
// TestLFTagPolicies):
//
//	09:05 database db: domain=sales, classification=public
//	09:06 column db.t.c: classification=confidential (overrides the database's)
//	09:10 alice: SELECT on TABLE resources domain=sales AND classification=public
//	      bob: SELECT on classification=confidential; carol: ALL on DATABASE resources domain=sales
//	09:20 saved expression sales_public = domain=sales AND classification=public; 09:21 dave: SELECT on it
//	10:00 table db.u: domain=hr (overrides the database's)
//	10:30 sales_public becomes domain=hr
//	11:00 c's classification removed: c inherits public again
//	12:00 value public deleted from classification: no resource has it
//	13:00 key domain deleted: alice's policy names it and becomes invalid
//	14:00 sales_public deleted
var tagEvents = []evSpec{
	{name: "CreateLFTag", at: "2026-07-01T09:00:00Z", params: `{"catalogId":"111122223333","tagKey":"classification","tagValues":["public","confidential"]}`},
	{name: "CreateLFTag", at: "2026-07-01T09:01:00Z", params: `{"catalogId":"111122223333","tagKey":"Domain","tagValues":["Sales","hr"]}`},
	{name: "AddLFTagsToResource", at: "2026-07-01T09:05:00Z", params: onTags(`{"database":{"catalogId":"111122223333","name":"db"}}`, "domain=sales", "classification=public")},
	{name: "AddLFTagsToResource", at: "2026-07-01T09:06:00Z", params: onTags(`{"tableWithColumns":{"databaseName":"db","name":"t","columnNames":["c"]}}`, "classification=confidential"),
		resp: `{"failures":[]}`},
	// A failed assignment (listed in the response's failures) assigns nothing.
	{name: "AddLFTagsToResource", at: "2026-07-01T09:07:00Z", params: onTags(`{"table":{"databaseName":"db","name":"t"}}`, "domain=hr"),
		resp: `{"failures":[{"lFTag":{"tagKey":"domain","tagValues":["hr"]},"error":{"errorCode":"AccessDeniedException","errorMessage":"no ASSOCIATE"}}]}`},
	{name: "GrantPermissions", at: "2026-07-01T09:10:00Z", params: grant(alice, policy("TABLE", "domain=sales", "classification=public"), "SELECT", "DESCRIBE")},
	{name: "GrantPermissions", at: "2026-07-01T09:10:00Z", params: grant(bob, policy("TABLE", "classification=confidential"), "SELECT")},
	{name: "GrantPermissions", at: "2026-07-01T09:10:00Z", params: grant(carol, policy("DATABASE", "domain=sales"), "ALL")},
	{name: "CreateLFTagExpression", at: "2026-07-01T09:20:00Z",
		params: `{"name":"sales_public","description":"sales, public","catalogId":"111122223333","expression":` + tagList("domain=sales", "classification=public") + `}`},
	{name: "GrantPermissions", at: "2026-07-01T09:21:00Z",
		params: grant(dave, `{"lFTagPolicy":{"catalogId":"111122223333","resourceType":"TABLE","expressionName":"sales_public"}}`, "SELECT")},
	{name: "AddLFTagsToResource", at: "2026-07-01T10:00:00Z", params: onTags(`{"table":{"databaseName":"db","name":"u"}}`, "domain=hr")},
	{name: "UpdateLFTagExpression", at: "2026-07-01T10:30:00Z", params: `{"name":"sales_public","expression":` + tagList("domain=hr") + `}`},
	{name: "RemoveLFTagsFromResource", at: "2026-07-01T11:00:00Z", params: onTags(`{"tableWithColumns":{"databaseName":"db","name":"t","columnNames":["c"]}}`, "classification=confidential")},
	{name: "UpdateLFTag", at: "2026-07-01T12:00:00Z", params: `{"catalogId":"111122223333","tagKey":"classification","tagValuesToDelete":["public"]}`},
	{name: "DeleteLFTag", at: "2026-07-01T13:00:00Z", params: `{"catalogId":"111122223333","tagKey":"domain"}`},
	{name: "DeleteLFTagExpression", at: "2026-07-01T14:00:00Z", params: `{"name":"sales_public"}`},
}

func tagSet(t *testing.T, events []evSpec) *Set {
	t.Helper()
	s := New()
	for _, tb := range []string{"t", "u"} {
		s.AddTable("DB", tb)
	}
	s.AddTable("other", "v")
	for i, e := range events {
		if _, err := s.ApplyEvent(mkEvent(e)); err != nil {
			t.Fatalf("event %d %s: %v", i, e.name, err)
		}
	}
	return s
}

func TestLFTagPolicies(t *testing.T) {
	s := tagSet(t, tagEvents)
	for _, c := range []check{
		{alice, "t", "2026-07-01T09:09:59Z", nil},
		{alice, "t", "2026-07-01T09:10:00Z", []string{"a", "b", "d"}}, // c is confidential
		{alice, "u", "2026-07-01T09:10:00Z", cols},                    // inherits the database's tags
		{alice, "v", "2026-07-01T09:10:00Z", nil},                     // another database, no tags
		{bob, "t", "2026-07-01T09:10:00Z", []string{"c"}},
		{bob, "u", "2026-07-01T09:10:00Z", nil},
		{carol, "t", "2026-07-01T09:10:00Z", nil}, // a DATABASE policy gives no table read
		{dave, "t", "2026-07-01T09:20:59Z", nil},
		{dave, "t", "2026-07-01T09:21:00Z", []string{"a", "b", "d"}}, // through the saved expression
		{alice, "u", "2026-07-01T10:00:00Z", nil},                    // u is hr now
		{alice, "t", "2026-07-01T10:00:00Z", []string{"a", "b", "d"}},
		{dave, "u", "2026-07-01T10:29:59Z", nil},
		{dave, "u", "2026-07-01T10:30:00Z", cols}, // the expression is domain=hr now
		{dave, "t", "2026-07-01T10:30:00Z", nil},
		{alice, "t", "2026-07-01T11:00:00Z", cols}, // c public again, by inheritance
		{bob, "t", "2026-07-01T11:00:00Z", nil},
		{alice, "t", "2026-07-01T12:00:00Z", nil}, // public deleted
		{dave, "u", "2026-07-01T13:00:00Z", nil},  // domain deleted: u has no domain
		{dave, "u", "2026-07-01T12:59:59Z", cols},
	} {
		expectReads(t, s, c)
	}

	// The rows: the grant itself (not a read) and, per matching table, the
	// rows a grant on its columns would give.
	var got []string
	for _, r := range s.Rows() {
		if r.Principal != alice || r.Permission != "SELECT" {
			continue
		}
		to := "-"
		if !r.To.IsZero() {
			to = r.To.Format("15:04")
		}
		got = append(got, fmt.Sprintf("%s %s.%s [%s] excluded=%v read=%v %s %s..%s", r.Resource, r.Database, r.Table, r.Column,
			r.Excluded, r.Read, r.Expression, r.From.Format("15:04"), to))
	}
	want := []string{
		"lf_tag_policy . [] excluded=false read=false classification=public AND domain=sales 09:10..13:00",
		"lf_tag_policy db.t [] excluded=false read=true classification=public AND domain=sales 09:10..12:00",
		"lf_tag_policy db.t [c] excluded=true read=true classification=public AND domain=sales 09:10..11:00",
		"lf_tag_policy db.u [] excluded=false read=true classification=public AND domain=sales 09:10..10:00",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("alice's rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The same events in any order give the same history.
	for seed := int64(1); seed <= 5; seed++ {
		shuffled := append([]evSpec(nil), tagEvents...)
		rand.New(rand.NewSource(seed)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if other := tagSet(t, shuffled); !reflect.DeepEqual(other.Rows(), s.Rows()) {
			t.Fatalf("seed %d: history depends on arrival order", seed)
		}
	}
}

// A grant on LF-Tags themselves (ASSOCIATE, DESCRIBE) or on a saved
// expression is a row, never a read.
func TestLFTagPermissionsAreNotReads(t *testing.T) {
	s := tagSet(t, []evSpec{
		{name: "AddLFTagsToResource", at: "2026-07-01T09:05:00Z", params: onTags(`{"database":{"name":"db"}}`, "category=private")},
		{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, `{"lFTag":{"catalogId":"111122223333","tagKey":"category","tagValues":["private","public"]}}`, "ASSOCIATE")},
		{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant(alice, `{"lFTagExpression":{"catalogId":"111122223333","name":"sales_public"}}`, "DESCRIBE")},
	})
	var got []string
	for _, r := range s.Rows() {
		got = append(got, fmt.Sprintf("%s %s %s read=%v", r.Resource, r.Expression, r.Permission, r.Read))
	}
	want := "lf_tag category=private,public ASSOCIATE read=false\nlf_tag_expression @sales_public DESCRIBE read=false"
	if strings.Join(got, "\n") != want {
		t.Errorf("rows:\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	if a := s.Readable(alice, "db", "t", ts("2026-07-02T00:00:00Z")); a.Table {
		t.Errorf("a tag permission reads: %+v", a)
	}
}

// The listings a user gives with --grants: search-tables-by-lf-tags (as
// the aws-cli example prints it: every column shows the tag it inherits),
// search-databases-by-lf-tags, and get-resource-lf-tags with the request's
// Resource added. Values equal to the inherited ones are read as
// inherited: a later change of the database's tag reaches the table and
// those columns, not a column with a value of its own.
func TestLoadLFTagListings(t *testing.T) {
	const listings = `{"TableList":[{"Table":{"CatalogId":"123456789111","DatabaseName":"tpc","Name":"dl_tpc_item"},
	  "LFTagOnDatabase":[{"CatalogId":"123456789111","TagKey":"usergroup","TagValues":["developer"]}],
	  "LFTagsOnTable":[{"CatalogId":"123456789111","TagKey":"usergroup","TagValues":["developer"]}],
	  "LFTagsOnColumns":[
	    {"Name":"i_item_desc","LFTags":[{"CatalogId":"123456789111","TagKey":"usergroup","TagValues":["developer"]}]},
	    {"Name":"i_current_price","LFTags":[{"CatalogId":"123456789111","TagKey":"usergroup","TagValues":["Campaign"]}]}]}]}
	{"DatabaseList":[{"Database":{"CatalogId":"123456789111","Name":"marketing"},
	  "LFTags":[{"CatalogId":"123456789111","TagKey":"usergroup","TagValues":["campaign"]}]}]}
	{"Resource":{"Table":{"CatalogId":"123456789111","DatabaseName":"marketing","Name":"leads"}},
	  "LFTagOnDatabase":[{"CatalogId":"123456789111","TagKey":"usergroup","TagValues":["campaign"]}],
	  "LFTagsOnTable":[{"CatalogId":"123456789111","TagKey":"usergroup","TagValues":["campaign"]}],
	  "LFTagsOnColumns":[{"Name":"email","LFTags":[{"CatalogId":"123456789111","TagKey":"usergroup","TagValues":["analyst"]}]}]}
	{"PrincipalResourcePermissions":[
	  {"Principal":{"DataLakePrincipalIdentifier":"` + alice + `"},
	   "Resource":{"LFTagPolicy":{"CatalogId":"123456789111","ResourceType":"TABLE","Expression":[{"TagKey":"usergroup","TagValues":["developer","analyst"]}]}},
	   "Permissions":["SELECT"],"PermissionsWithGrantOption":[]},
	  {"Principal":{"DataLakePrincipalIdentifier":"` + bob + `"},
	   "Resource":{"LFTagPolicy":{"CatalogId":"123456789111","ResourceType":"TABLE","Expression":[{"TagKey":"usergroup","TagValues":["campaign"]}]}},
	   "Permissions":["SELECT"],"PermissionsWithGrantOption":[]}]}`
	s := New()
	if err := s.Load(strings.NewReader(listings), "lf-tags.json"); err != nil {
		t.Fatal(err)
	}
	s.AddTable("marketing", "contacts") // a catalog table without tags of its own
	item := []string{"i_item_sk", "i_item_desc", "i_current_price"}
	leads := []string{"lead_id", "email"}
	check := func(who, db, table string, columns []string, at string, want []string) {
		t.Helper()
		if got := s.Effective(who, db, table, columns, ts(at)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s reads %s.%s at %s: %v, want %v", who, db, table, at, got, want)
		}
	}
	morning := "2026-07-01T09:00:00Z"
	check(alice, "tpc", "dl_tpc_item", item, morning, []string{"i_item_sk", "i_item_desc"})
	check(bob, "tpc", "dl_tpc_item", item, morning, []string{"i_current_price"})
	check(alice, "marketing", "leads", leads, morning, []string{"email"})
	check(bob, "marketing", "leads", leads, morning, []string{"lead_id"})
	check(bob, "marketing", "contacts", leads, morning, leads)

	// The database's tag changes at 10:00: the table and the column that
	// showed it follow; the column with a value of its own does not.
	if _, err := s.ApplyEvent(mkEvent(evSpec{name: "AddLFTagsToResource", at: "2026-07-01T10:00:00Z",
		params: onTags(`{"database":{"name":"tpc"}}`, "usergroup=campaign")})); err != nil {
		t.Fatal(err)
	}
	check(alice, "tpc", "dl_tpc_item", item, "2026-07-01T10:00:00Z", []string{})
	check(bob, "tpc", "dl_tpc_item", item, "2026-07-01T10:00:00Z", item)
}

// A data cells filter's row filter limits the columns it lets read; a
// grant without one (a column grant, an all-rows filter) reads every row.
func TestRowFilters(t *testing.T) {
	filter := func(name, rows, columns string) string {
		return `{"tableData":{"tableCatalogId":"111122223333","databaseName":"db","tableName":"t","name":"` + name + `",` +
			`"rowFilter":` + rows + `,` + columns + `}}`
	}
	onFilter := func(name string) string {
		return `{"dataCellsFilter":{"tableCatalogId":"111122223333","databaseName":"db","tableName":"t","name":"` + name + `"}}`
	}
	s := New()
	for _, e := range []evSpec{
		{name: "CreateDataCellsFilter", at: "2026-07-01T09:00:00Z", params: filter("us_only", `{"filterExpression":"country='US'"}`, `"columnNames":["a","b"]`)},
		{name: "GrantPermissions", at: "2026-07-01T09:30:00Z", params: grant(alice, onFilter("us_only"), "SELECT")},
		{name: "GrantPermissions", at: "2026-07-01T10:30:00Z", params: grant(alice, onColumns("db", "t", "b"), "SELECT")},
		{name: "CreateDataCellsFilter", at: "2026-07-01T11:00:00Z", params: filter("de_only", `{"filterExpression":"country='DE'"}`, `"columnWildcard":{"excludedColumnNames":["b","c","d"]}`)},
		{name: "GrantPermissions", at: "2026-07-01T11:00:00Z", params: grant(alice, onFilter("de_only"), "SELECT")},
		{name: "UpdateDataCellsFilter", at: "2026-07-01T12:00:00Z", params: filter("us_only", `{"filterExpression":"TRUE","allRowsWildcard":{}}`, `"columnNames":["a","b"]`)},
	} {
		if _, err := s.ApplyEvent(mkEvent(e)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		at, column, want string
		read             bool
	}{
		{"2026-07-01T10:00:00Z", "a", "country='US'", true},
		{"2026-07-01T10:00:00Z", "b", "country='US'", true},
		{"2026-07-01T10:00:00Z", "c", "", false},
		{"2026-07-01T10:30:00Z", "b", "", true}, // the column grant reads every row
		{"2026-07-01T11:00:00Z", "a", "(country='DE') OR (country='US')", true},
		{"2026-07-01T12:00:00Z", "a", "", true}, // us_only now lets every row be read
	} {
		a := s.Readable(alice, "DB", "T", ts(c.at))
		if a.Allows(c.column) != c.read || a.RowFilter(c.column) != c.want {
			t.Errorf("at %s column %s: read %v filter %q, want %v %q", c.at, c.column, a.Allows(c.column), a.RowFilter(c.column), c.read, c.want)
		}
	}
	var rows []string
	for _, r := range s.RowsAt(ts("2026-07-01T11:00:00Z")) {
		if r.Resource == ResourceDataCellsFilter {
			rows = append(rows, r.Filter+" ["+r.Column+"] "+r.RowFilter)
		}
	}
	if want := "de_only [] country='DE'\nde_only [b] country='DE'\nde_only [c] country='DE'\nde_only [d] country='DE'\nus_only [a] country='US'\nus_only [b] country='US'"; strings.Join(rows, "\n") != want {
		t.Errorf("filter rows at 11:00:\n%s\nwant\n%s", strings.Join(rows, "\n"), want)
	}
	// list-data-cells-filter shows an all-rows filter with FilterExpression
	// "TRUE" beside AllRowsWildcard (aws-cli example).
	l := New()
	if err := l.Load(strings.NewReader(`{"DataCellsFilters":[{"TableCatalogId":"123456789111","DatabaseName":"tpc","TableName":"dl_tpc_promotion",
	  "Name":"developer_promotion_allrows","RowFilter":{"FilterExpression":"TRUE","AllRowsWildcard":{}},"ColumnNames":["p_promo_name"]}]}
	  {"PrincipalResourcePermissions":[{"Principal":{"DataLakePrincipalIdentifier":"`+bob+`"},"Resource":{"DataCellsFilter":{"TableCatalogId":"123456789111",
	  "DatabaseName":"tpc","TableName":"dl_tpc_promotion","Name":"developer_promotion_allrows"}},"Permissions":["DESCRIBE","SELECT","DROP"]}]}`), "f.json"); err != nil {
		t.Fatal(err)
	}
	if a := l.Readable(bob, "tpc", "dl_tpc_promotion", ts("2026-07-01T00:00:00Z")); !a.Allows("p_promo_name") || a.RowFilter("p_promo_name") != "" || a.Allows("p_promo_id") {
		t.Errorf("all-rows filter: %+v", a)
	}
}

// Grants to IAM_ALLOWED_PRINCIPALS, to an account's IAMPrincipals and to
// an account id (a cross-account grant) reach the principals they name.
func TestEveryoneAccountAndCrossAccountGrants(t *testing.T) {
	s := New()
	for _, e := range []evSpec{
		{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant("iam_allowed_principals", onColumns("db", "t", "a"), "SELECT")},
		{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant("111122223333:iamprincipals", onColumns("db", "t", "b"), "SELECT")},
		{name: "GrantPermissions", at: "2026-07-01T10:00:00Z", params: grant("444455556666", onColumns("db", "t", "c"), "SELECT")},
	} {
		if _, err := s.ApplyEvent(mkEvent(e)); err != nil {
			t.Fatal(err)
		}
	}
	at := ts("2026-07-01T10:00:00Z")
	for who, want := range map[string][]string{
		"arn:aws:iam::111122223333:role/x":                []string{"a", "b"},
		"arn:aws:sts::444455556666:assumed-role/r/s":      []string{"a", "c"},
		"arn:aws:iam::999988887777:user/u":                []string{"a"},
		"444455556666":                                    []string{"a", "c"},
		"arn:aws:iam::4444555566667:role/not-the-account": []string{"a"},
	} {
		if got := s.Effective(who, "db", "t", cols, at); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", who, got, want)
		}
	}
}
