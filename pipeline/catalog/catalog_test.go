package catalog

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const scenarioDir = "../../testdata/scenario/catalog"

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func names(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name + ":" + c.Type
	}
	return out
}

func tableNames(ts []*Table) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Database + "." + t.Name
	}
	return out
}

func loadScenario(t *testing.T) *Catalog {
	t.Helper()
	c := New()
	files, err := filepath.Glob(filepath.Join(scenarioDir, "*.json"))
	if err != nil || len(files) != 2 {
		t.Fatalf("scenario catalog files: %v %v", files, err)
	}
	for _, f := range files {
		if err := c.LoadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestLoadScenarioGetTables(t *testing.T) {
	c := loadScenario(t)
	at := ts("2026-07-01T12:00:00Z")
	want := []string{
		"amazon_reviews_db.amazon_reviews_parquet",
		"tpc.dl_tpc_customer",
		"tpc.dl_tpc_customer_address",
		"tpc.dl_tpc_date_dim",
		"tpc.dl_tpc_item",
		"tpc.dl_tpc_web_sales",
	}
	if got := tableNames(c.Tables(at)); !reflect.DeepEqual(got, want) {
		t.Fatalf("Tables = %v, want %v", got, want)
	}
	// Valid from CreateTime 2026-06-01T10:00:00Z, not before.
	if got := c.Tables(ts("2026-06-01T09:59:59Z")); len(got) != 0 {
		t.Fatalf("Tables before CreateTime = %v", tableNames(got))
	}

	r, ok := c.At("Amazon_Reviews_DB", "AMAZON_REVIEWS_PARQUET", at)
	if !ok {
		t.Fatal("amazon_reviews_parquet not found case-insensitively")
	}
	wantCols := []string{"marketplace:string", "customer_id:string", "review_id:string", "product_id:string",
		"product_parent:string", "product_title:string", "star_rating:int", "helpful_votes:int", "total_votes:int",
		"vine:string", "verified_purchase:string", "review_headline:string", "review_body:string",
		"review_date:bigint", "year:int"}
	if got := names(r.Columns); !reflect.DeepEqual(got, wantCols) {
		t.Fatalf("columns = %v", got)
	}
	if got := names(r.PartitionKeys); !reflect.DeepEqual(got, []string{"product_category:string"}) {
		t.Fatalf("partition keys = %v", got)
	}
	if got := len(r.AllColumns()); got != 16 {
		t.Fatalf("AllColumns = %d, want 16", got)
	}
	if r.Location != "s3://amazon-reviews-lake-111122223333/parquet/" || !r.From.Equal(ts("2026-06-01T10:00:00Z")) || !r.To.IsZero() {
		t.Fatalf("table = %+v", r)
	}
	ws, ok := c.Current("tpc", "dl_tpc_web_sales")
	if !ok {
		t.Fatal("dl_tpc_web_sales not current")
	}
	if got := ws.Columns[19]; got != (Column{"ws_wholesale_cost", "decimal(7,2)"}) {
		t.Fatalf("column 19 = %v, want decimal(7,2) verbatim", got)
	}
	item, _ := c.Current("tpc", "dl_tpc_item")
	if got := item.Columns[2]; got != (Column{"i_rec_start_date", "date"}) {
		t.Fatalf("item column 2 = %v", got)
	}

	// Loading the same files again changes nothing.
	before := c.Versions()
	for _, f := range []string{"glue-get-tables-tpc.json", "glue-get-tables-amazon_reviews_db.json"} {
		if err := c.LoadFile(filepath.Join(scenarioDir, f)); err != nil {
			t.Fatal(err)
		}
	}
	if after := c.Versions(); !reflect.DeepEqual(before, after) {
		t.Fatalf("reload changed history: %d → %d versions", len(before), len(after))
	}
}

func TestLoadGetTableForm(t *testing.T) {
	const doc = `{
    "Table": {
        "Name": "Events_Raw",
        "DatabaseName": "Audit",
        "StorageDescriptor": {
            "Columns": [
                {"Name": "tags", "Type": "array<string>"},
                {"Name": "who", "Type": "struct<a:int,b:string>"},
                {"Name": "counts", "Type": "map<string,int>"},
                {"Name": "code", "Type": "varchar(10)"},
                {"Name": "cc", "Type": "char(2)"},
                {"Name": "amount", "Type": "decimal(7,2)"},
                {"Name": "at", "Type": "timestamp"},
                {"Name": "ok", "Type": "boolean"},
                {"Name": "score", "Type": "double"}
            ],
            "Location": "s3://audit-bucket/raw"
        },
        "PartitionKeys": [{"Name": "dt", "Type": "string"}]
    }
}`
	c := New()
	if err := c.Load(strings.NewReader(doc), "get-table.json"); err != nil {
		t.Fatal(err)
	}
	// No CreateTime: valid from the zero time.
	tb, ok := c.At("audit", "events_raw", time.Time{})
	if !ok {
		t.Fatal("table without CreateTime not valid at the zero time")
	}
	want := []string{"tags:array<string>", "who:struct<a:int,b:string>", "counts:map<string,int>",
		"code:varchar(10)", "cc:char(2)", "amount:decimal(7,2)", "at:timestamp", "ok:boolean", "score:double"}
	if got := names(tb.Columns); !reflect.DeepEqual(got, want) {
		t.Fatalf("columns = %v", got)
	}
	if tb.Database != "audit" || tb.Name != "events_raw" || names(tb.PartitionKeys)[0] != "dt:string" {
		t.Fatalf("table = %+v", tb)
	}
	if got, ok := c.ByLocation("audit-bucket", "raw/dt=2026-07-01/x.json", ts("2026-07-01T00:00:00Z")); !ok || got != tb {
		t.Fatalf("ByLocation without trailing slash = %v %v", got, ok)
	}
}

func TestLoadErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":      ``,
		"not json":   `{"TableList": [`,
		"wrong doc":  `{"PrincipalResourcePermissions": []}`,
		"no name":    `{"TableList": [{"DatabaseName": "db"}]}`,
		"bad time":   `{"Table": {"Name": "t", "DatabaseName": "db", "CreateTime": "yesterday"}}`,
		"wrong type": `{"TableList": {"Name": "t"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			c := New()
			err := c.Load(strings.NewReader(doc), "in.json")
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "in.json") {
				t.Fatalf("error %q does not name the source", err)
			}
			if len(c.Versions()) != 0 {
				t.Fatal("failed load added tables")
			}
		})
	}
	if err := New().LoadFile(filepath.Join(scenarioDir, "missing.json")); err == nil {
		t.Fatal("missing file: no error")
	}
}

func TestTimeForms(t *testing.T) {
	want := ts("2026-06-01T10:00:00Z")
	for _, s := range []string{`"2026-06-01T10:00:00+00:00"`, `"2026-06-01T12:00:00+02:00"`, `"2026-06-01 10:00:00+00:00"`,
		`"2026-06-01T10:00:00.000000+00:00"`, `"2026-06-01T10:00:00Z"`, `1780308000`, `1780308000.0`} {
		c := New()
		doc := fmt.Sprintf(`{"Table":{"Name":"t","DatabaseName":"d","CreateTime":%s}}`, s)
		if err := c.Load(strings.NewReader(doc), "x"); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		tb, _ := c.Current("d", "t")
		if !tb.From.Equal(want) {
			t.Fatalf("%s: From = %v", s, tb.From)
		}
	}
}

func createParams(db, name, loc string, cols ...string) string {
	var cs []string
	for _, c := range cols {
		n, typ, _ := strings.Cut(c, ":")
		cs = append(cs, fmt.Sprintf(`{"name":%q,"type":%q}`, n, typ))
	}
	return fmt.Sprintf(`{"databaseName":%q,"tableInput":{"name":%q,"storageDescriptor":{"columns":[%s],"location":%q},"partitionKeys":[{"name":"dt","type":"string"}]}}`,
		db, name, strings.Join(cs, ","), loc)
}

func TestApplyEventVersions(t *testing.T) {
	t1, t3, t5 := ts("2026-07-01T10:00:00Z"), ts("2026-07-01T12:00:00Z"), ts("2026-07-01T14:00:00Z")
	create := createParams("sales", "orders", "s3://lake/orders/", "id:bigint", "amount:decimal(7,2)")
	update := createParams("sales", "orders", "s3://lake/orders/", "id:bigint", "amount:decimal(7,2)", "tags:array<string>")
	del := `{"databaseName":"sales","name":"orders"}`

	type ev struct {
		name   string
		at     time.Time
		params string
	}
	orders := map[string][]ev{
		"in order":     {{"CreateTable", t1, create}, {"UpdateTable", t3, update}, {"DeleteTable", t5, del}},
		"out of order": {{"DeleteTable", t5, del}, {"UpdateTable", t3, update}, {"CreateTable", t1, create}},
		"update first": {{"UpdateTable", t3, update}, {"CreateTable", t1, create}, {"DeleteTable", t5, del}},
		"duplicated": {{"UpdateTable", t3, update}, {"CreateTable", t1, create}, {"UpdateTable", t3, update},
			{"DeleteTable", t5, del}, {"CreateTable", t1, create}},
	}
	for name, evs := range orders {
		t.Run(name, func(t *testing.T) {
			c := New()
			for _, e := range evs {
				if err := c.ApplyEvent("glue.amazonaws.com", e.name, e.at, "success", e.params); err != nil {
					t.Fatal(err)
				}
			}
			cases := []struct {
				at   string
				cols int // 0: not found
			}{
				{"2026-07-01T09:59:59Z", 0},
				{"2026-07-01T10:00:00Z", 2},
				{"2026-07-01T11:59:59Z", 2}, // before the update
				{"2026-07-01T12:00:00Z", 3}, // the update's instant
				{"2026-07-01T13:00:00Z", 3},
				{"2026-07-01T14:00:00Z", 0}, // deleted
				{"2026-07-02T00:00:00Z", 0},
			}
			for _, tc := range cases {
				tb, ok := c.At("SALES", "Orders", ts(tc.at))
				if tc.cols == 0 {
					if ok {
						t.Errorf("At(%s) = %v, want none", tc.at, names(tb.Columns))
					}
					continue
				}
				if !ok || len(tb.Columns) != tc.cols {
					t.Errorf("At(%s) = %v %v, want %d columns", tc.at, tb, ok, tc.cols)
				}
			}
			h := c.Versions()
			if len(h) != 2 || !h[0].From.Equal(t1) || !h[0].To.Equal(t3) || !h[1].From.Equal(t3) || !h[1].To.Equal(t5) {
				for _, v := range h {
					t.Logf("%s.%s [%v, %v) %v", v.Database, v.Name, v.From, v.To, names(v.Columns))
				}
				t.Fatal("versions not ordered by time")
			}
			if got := names(h[1].Columns)[2]; got != "tags:array<string>" {
				t.Fatalf("updated column = %s", got)
			}
			if _, ok := c.Current("sales", "orders"); ok {
				t.Fatal("deleted table is current")
			}
		})
	}
}

func TestApplyEventIgnoredAndErrors(t *testing.T) {
	at := ts("2026-07-01T10:00:00Z")
	create := createParams("db", "t", "s3://b/t/", "c:string")
	c := New()
	ignored := []struct{ source, name, outcome, params string }{
		{"glue.amazonaws.com", "CreateTable", "denied", create},
		{"glue.amazonaws.com", "CreateTable", "error", create},
		{"glue.amazonaws.com", "GetTable", "success", `{"databaseName":"db","name":"t"}`},
		{"athena.amazonaws.com", "CreateTable", "success", create},
		{"lakeformation.amazonaws.com", "GrantPermissions", "success", `{}`},
	}
	for _, e := range ignored {
		if err := c.ApplyEvent(e.source, e.name, at, e.outcome, e.params); err != nil {
			t.Fatalf("%+v: %v", e, err)
		}
	}
	if h := c.Versions(); len(h) != 0 {
		t.Fatalf("ignored events created %v", tableNames(h))
	}
	for _, e := range []struct{ name, params string }{
		{"CreateTable", `not json`},
		{"CreateTable", `{"databaseName":"db"}`},
		{"UpdateTable", `{"databaseName":"db","tableInput":{"storageDescriptor":{}}}`},
		{"DeleteTable", `{"databaseName":"db"}`},
		{"BatchDeleteTable", `{"tablesToDelete":["t"]}`},
	} {
		if err := c.ApplyEvent("glue.amazonaws.com", e.name, at, "success", e.params); err == nil {
			t.Errorf("%s %s: no error", e.name, e.params)
		}
	}
}

func TestFileThenEvents(t *testing.T) {
	c := loadScenario(t)
	// A column added to the customer table and the address table dropped.
	upd := createParams("tpc", "dl_tpc_customer", "s3://tpc-lake-111122223333/dl_tpc_customer/", "c_customer_sk:bigint", "c_email_address:string")
	at := ts("2026-07-01T09:00:00Z")
	if err := c.ApplyEvent("glue.amazonaws.com", "UpdateTable", at, "success", upd); err != nil {
		t.Fatal(err)
	}
	if err := c.ApplyEvent("glue.amazonaws.com", "BatchDeleteTable", at, "success", `{"databaseName":"tpc","tablesToDelete":["dl_tpc_customer_address","no_such_table"]}`); err != nil {
		t.Fatal(err)
	}
	before, ok := c.At("tpc", "dl_tpc_customer", at.Add(-time.Second))
	if !ok || len(before.Columns) != 18 || !before.To.Equal(at) {
		t.Fatalf("before update: %v %v", before, ok)
	}
	after, ok := c.At("tpc", "dl_tpc_customer", at)
	if !ok || len(after.Columns) != 2 || !after.From.Equal(at) {
		t.Fatalf("after update: %v %v", after, ok)
	}
	if _, ok := c.At("tpc", "dl_tpc_customer_address", at); ok {
		t.Fatal("address table still valid after BatchDeleteTable")
	}
	if _, ok := c.At("tpc", "dl_tpc_customer_address", at.Add(-time.Second)); !ok {
		t.Fatal("address table not valid before BatchDeleteTable")
	}
	if got := len(c.Tables(at)); got != 5 {
		t.Fatalf("Tables after = %d, want 5", got)
	}
	// The version handed out earlier was not modified by later changes.
	if err := c.ApplyEvent("glue.amazonaws.com", "DeleteTable", at.Add(time.Hour), "success", `{"databaseName":"tpc","name":"dl_tpc_customer"}`); err != nil {
		t.Fatal(err)
	}
	if !after.To.IsZero() {
		t.Fatal("published table mutated")
	}
	if again, _ := c.At("tpc", "dl_tpc_customer", at); !again.To.Equal(at.Add(time.Hour)) {
		t.Fatalf("new version To = %v", again.To)
	}
}

func TestByLocation(t *testing.T) {
	c := loadScenario(t)
	t0 := ts("2026-06-15T00:00:00Z")
	tNested := ts("2026-07-01T00:00:00Z")
	if err := c.ApplyEvent("glue.amazonaws.com", "CreateTable", tNested, "success",
		createParams("amazon_reviews_db", "reviews_books", "s3://amazon-reviews-lake-111122223333/parquet/product_category=Books/", "review_id:string")); err != nil {
		t.Fatal(err)
	}
	if err := c.ApplyEvent("glue.amazonaws.com", "CreateTable", tNested, "success",
		createParams("raw", "whole_bucket", "s3a://Raw-Bucket", "line:string")); err != nil {
		t.Fatal(err)
	}
	after := tNested.Add(time.Hour)
	cases := []struct {
		bucket, key string
		at          time.Time
		want        string // "" = none
	}{
		{"amazon-reviews-lake-111122223333", "parquet/product_category=Books/part-0.parquet", t0, "amazon_reviews_db.amazon_reviews_parquet"},
		{"amazon-reviews-lake-111122223333", "parquet/product_category=Books/part-0.parquet", after, "amazon_reviews_db.reviews_books"},
		{"amazon-reviews-lake-111122223333", "parquet/product_category=Toys/part-0.parquet", after, "amazon_reviews_db.amazon_reviews_parquet"},
		{"amazon-reviews-lake-111122223333", "parquet", after, "amazon_reviews_db.amazon_reviews_parquet"},
		{"amazon-reviews-lake-111122223333", "parquet2/x.parquet", after, ""},
		{"amazon-reviews-lake-111122223333", "other/x.parquet", after, ""},
		{"tpc-lake-111122223333", "dl_tpc_customer/part-0.parquet", t0, "tpc.dl_tpc_customer"},
		{"tpc-lake-111122223333", "dl_tpc_customer_address/part-0.parquet", t0, "tpc.dl_tpc_customer_address"},
		{"tpc-lake-111122223333", "dl_tpc_customer/part-0.parquet", ts("2026-05-01T00:00:00Z"), ""},
		{"raw-bucket", "anything/at/all", after, "raw.whole_bucket"},
		{"raw-bucket", "anything/at/all", t0, ""},
		{"unknown-bucket", "parquet/x", after, ""},
	}
	for _, tc := range cases {
		got, ok := c.ByLocation(tc.bucket, tc.key, tc.at)
		name := ""
		if ok {
			name = got.Database + "." + got.Name
		}
		if name != tc.want {
			t.Errorf("ByLocation(%s, %s, %v) = %q, want %q", tc.bucket, tc.key, tc.at, name, tc.want)
		}
	}
}

func TestConcurrentReads(t *testing.T) {
	c := loadScenario(t)
	at := ts("2026-07-01T00:00:00Z")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				if i == 0 && j%20 == 0 {
					_ = c.ApplyEvent("glue.amazonaws.com", "UpdateTable", at.Add(time.Duration(j)*time.Minute), "success",
						createParams("tpc", "dl_tpc_item", "s3://tpc-lake-111122223333/dl_tpc_item/", "i_item_sk:bigint"))
				}
				if _, ok := c.At("tpc", "dl_tpc_item", at); !ok {
					t.Error("dl_tpc_item missing")
					return
				}
				c.Tables(at)
				c.ByLocation("tpc-lake-111122223333", "dl_tpc_item/x", at)
			}
		}()
	}
	wg.Wait()
}
