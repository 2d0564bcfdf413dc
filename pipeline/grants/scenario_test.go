package grants

import (
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/auditlake/auditlake/pipeline/catalog"
	"github.com/auditlake/auditlake/pipeline/cloudtrail"
	"github.com/auditlake/auditlake/pipeline/lake"
)

const (
	scenario   = "../../testdata/scenario"
	acct       = "arn:aws:iam::111122223333:"
	roleFull   = acct + "role/SageMakerStudioExecutionRole_data-scientist-full"
	roleLim    = acct + "role/SageMakerStudioExecutionRole_data-scientist-limited"
	roleMkt    = acct + "role/emr-runtime-role-marketing"
	roleSales  = acct + "role/emr-runtime-role-sales"
	roleElec   = acct + "role/emr-runtime-role-electronics"
	roleVend   = acct + "role/credential-vending-app-role"
	roleLFReg  = acct + "role/LakeFormationRegistrationRole"
	roleOther  = acct + "role/someone-else"
	roleUS     = acct + "role/SageMakerStudioExecutionRole_analyst-us"
	reviews    = "amazon_reviews_parquet"
	reviewsDB  = "amazon_reviews_db"
	grantEvent = "2026-07-01T11:00:05Z"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// trailEvents normalizes every record of the scenario's trail bucket with
// the real CloudTrail normalizer.
func trailEvents(t *testing.T) []*lake.Event {
	t.Helper()
	var out []*lake.Event
	root := filepath.Join(scenario, "logs", "trail-bucket")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "CloudTrail-Digest") {
			return err
		}
		if !strings.HasSuffix(path, ".json") && !strings.HasSuffix(path, ".json.gz") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		var r io.Reader = f
		if strings.HasSuffix(path, ".gz") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				return err
			}
			r = zr
		}
		var n cloudtrail.Normalizer
		rd := cloudtrail.NewReader(r)
		for {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			ev := new(lake.Event)
			if _, err := n.Normalize(rec, path, ev); err != nil {
				return err
			}
			out = append(out, ev)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no trail events")
	}
	return out
}

func scenarioSet(t *testing.T) (*Set, []*lake.Event) {
	t.Helper()
	s := New()
	files, _ := filepath.Glob(filepath.Join(scenario, "grants", "*.json"))
	if len(files) != 2 {
		t.Fatalf("grants files %v, want list-permissions and the LF-Tag listing", files)
	}
	for _, f := range files {
		if err := s.LoadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	var applied []*lake.Event
	for _, ev := range trailEvents(t) {
		changed, err := s.ApplyEvent(ev)
		if err != nil {
			t.Fatalf("%s %s: %v", ev.EventName, ev.EventID, err)
		}
		if changed {
			applied = append(applied, ev)
		}
	}
	return s, applied
}

func scenarioCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	c := catalog.New()
	for _, f := range []string{"glue-get-tables-amazon_reviews_db.json", "glue-get-tables-tpc.json"} {
		if err := c.LoadFile(filepath.Join(scenario, "catalog", f)); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func columnNames(tb *catalog.Table) []string {
	var out []string
	for _, c := range tb.AllColumns() {
		out = append(out, c.Name)
	}
	return out
}

func without(all []string, drop ...string) []string {
	out := []string{}
	for _, c := range all {
		keep := true
		for _, d := range drop {
			if c == d {
				keep = false
			}
		}
		if keep {
			out = append(out, c)
		}
	}
	return out
}

func TestScenario(t *testing.T) {
	s, applied := scenarioSet(t)
	// The tag on the PII columns, the tag-based grant, the data cells filter
	// and the grant on it (08:04; CreateLFTag only defines the tag), and
	// the grant to the vending role.
	var changed []string
	for _, ev := range applied {
		changed = append(changed, ev.EventTime.Format("15:04:05")+" "+ev.EventName)
	}
	if want := "08:04:20 AddLFTagsToResource, 08:04:30 GrantPermissions, 08:04:40 CreateDataCellsFilter, 08:04:50 GrantPermissions, 11:00:05 GrantPermissions"; strings.Join(changed, ", ") != want {
		t.Fatalf("events that changed grants: %s\nwant %s", strings.Join(changed, ", "), want)
	}
	// Applying the same event again changes nothing.
	if changed, err := s.ApplyEvent(applied[4]); changed || err != nil {
		t.Fatalf("re-applied grant: %v %v", changed, err)
	}

	cat := scenarioCatalog(t)
	cols := func(db, table string) []string {
		tb, ok := cat.Current(db, table)
		if !ok {
			t.Fatalf("%s.%s not in catalog", db, table)
		}
		return columnNames(tb)
	}
	reviewCols := cols(reviewsDB, reviews)
	customerCols := cols("tpc", "dl_tpc_customer")
	addressCols := cols("tpc", "dl_tpc_customer_address")
	salesCols := cols("tpc", "dl_tpc_web_sales")
	itemCols := cols("tpc", "dl_tpc_item")
	dateCols := cols("tpc", "dl_tpc_date_dim")

	morning := ts("2026-07-01T09:00:00Z")
	cases := []struct {
		name              string
		principal, db, tb string
		at                time.Time
		columns, want     []string
	}{
		{"full reads all", roleFull, reviewsDB, reviews, morning, reviewCols, reviewCols},
		{"full via session ARN", "arn:aws:sts::111122223333:assumed-role/SageMakerStudioExecutionRole_data-scientist-full/SageMaker", reviewsDB, reviews, morning, reviewCols, reviewCols},
		{"limited loses PII", roleLim, reviewsDB, reviews, morning, reviewCols, without(reviewCols, "customer_id", "review_id")},
		{"limited names PII", roleLim, "AMAZON_REVIEWS_DB", "Amazon_Reviews_Parquet", morning,
			[]string{"Customer_ID", "star_rating", "review_id", "product_category"}, []string{"star_rating", "product_category"}},
		{"limited before grant", roleLim, reviewsDB, reviews, ts("2026-06-01T11:59:59Z"), reviewCols, []string{}},
		{"marketing customer", roleMkt, "tpc", "dl_tpc_customer", morning, customerCols,
			[]string{"c_customer_sk", "c_customer_id", "c_current_addr_sk", "c_preferred_cust_flag", "c_birth_year", "c_birth_country"}},
		{"marketing address", roleMkt, "tpc", "dl_tpc_customer_address", morning, addressCols, []string{}},
		{"marketing reviews", roleMkt, reviewsDB, reviews, morning, reviewCols, []string{}},
		{"sales web_sales", roleSales, "tpc", "dl_tpc_web_sales", morning, salesCols, salesCols},
		{"sales date_dim", roleSales, "tpc", "dl_tpc_date_dim", morning, dateCols, dateCols},
		{"sales item", roleSales, "tpc", "dl_tpc_item", morning, itemCols, []string{}},
		{"electronics item", roleElec, "tpc", "dl_tpc_item", morning, itemCols, itemCols},
		{"electronics web_sales", roleElec, "tpc", "dl_tpc_web_sales", morning, salesCols, []string{}},
		{"vending before grant", roleVend, reviewsDB, reviews, ts("2026-07-01T11:00:04Z"), reviewCols, []string{}},
		{"vending at grant", roleVend, reviewsDB, reviews, ts(grantEvent), reviewCols,
			[]string{"product_id", "product_title", "star_rating", "review_date"}},
		{"vending later", roleVend, reviewsDB, reviews, ts("2026-07-02T00:00:00Z"), reviewCols,
			[]string{"product_id", "product_title", "star_rating", "review_date"}},
		{"registration role has only a data location", roleLFReg, reviewsDB, reviews, morning, reviewCols, []string{}},
		{"IAM_ALLOWED_PRINCIPALS on a database gives no table read", roleOther, "default", "anything", morning, []string{"a"}, []string{}},
		{"unknown principal", roleOther, reviewsDB, reviews, morning, reviewCols, []string{}},
		// analyst-us: a tag-based grant on classification=public (the tpc
		// database's tag, from the listing; the customer PII columns tagged
		// pii at 08:04:20) and a data cells filter on the reviews.
		{"analyst before its grants", roleUS, "tpc", "dl_tpc_customer", ts("2026-07-01T08:04:29Z"), customerCols, []string{}},
		{"analyst customer: public columns only", roleUS, "tpc", "dl_tpc_customer", morning, customerCols,
			without(customerCols, "c_salutation", "c_first_name", "c_last_name", "c_birth_day", "c_birth_month", "c_login", "c_email_address")},
		{"analyst item: the database's tag", roleUS, "tpc", "dl_tpc_item", morning, itemCols, itemCols},
		{"analyst reviews: the filter's columns", roleUS, reviewsDB, reviews, morning, reviewCols,
			[]string{"marketplace", "product_id", "product_title", "star_rating", "review_date"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := s.Effective(tc.principal, tc.db, tc.tb, tc.columns, tc.at)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Effective = %v, want %v", got, tc.want)
			}
		})
	}

	// Access values, exactly.
	lim := s.Readable(roleLim, reviewsDB, reviews, morning)
	if want := (Access{Table: true, All: true, Excluded: map[string]bool{"customer_id": true, "review_id": true}}); !reflect.DeepEqual(exported(lim), want) {
		t.Fatalf("limited = %+v", lim)
	}
	if lim.Allows("customer_id") || lim.Allows("REVIEW_ID") || !lim.Allows("star_rating") {
		t.Fatal("limited Allows wrong")
	}
	mkt := s.Readable(roleMkt, "tpc", "dl_tpc_customer", morning)
	if want := (Access{Table: true, Columns: map[string]bool{"c_customer_sk": true, "c_customer_id": true,
		"c_preferred_cust_flag": true, "c_birth_year": true, "c_birth_country": true, "c_current_addr_sk": true}}); !reflect.DeepEqual(exported(mkt), want) {
		t.Fatalf("marketing = %+v", mkt)
	}
	if a := s.Readable(roleMkt, "tpc", "dl_tpc_customer_address", morning); a.Table || a.Allows("ca_city") {
		t.Fatalf("marketing address = %+v", a)
	}
	if a := s.Readable(roleVend, reviewsDB, reviews, ts("2026-07-01T11:00:04Z")); !reflect.DeepEqual(a, Access{}) {
		t.Fatalf("vending before = %+v", a)
	}
	// The filter's row filter limits the analyst's review columns; the tag
	// grant has none.
	us := s.Readable(roleUS, reviewsDB, reviews, morning)
	if us.RowFilter("star_rating") != "marketplace = 'US'" || us.RowFilter("customer_id") != "" {
		t.Fatalf("analyst row filters: %q %q", us.RowFilter("star_rating"), us.RowFilter("customer_id"))
	}
	if f := s.Readable(roleUS, "tpc", "dl_tpc_customer", morning).RowFilter("c_customer_id"); f != "" {
		t.Fatalf("a tag-based grant with a row filter %q", f)
	}

	// The rows in force for the limited profile.
	var limRows []string
	for _, r := range s.RowsAt(morning) {
		if r.Principal == roleLim {
			limRows = append(limRows, r.Resource+" "+r.Database+"."+r.Table+" "+r.Permission+" ["+r.Column+"] excluded="+boolStr(r.Excluded)+" read="+boolStr(r.Read))
		}
	}
	wantRows := []string{
		"table amazon_reviews_db.amazon_reviews_parquet SELECT [] excluded=no read=yes",
		"table amazon_reviews_db.amazon_reviews_parquet SELECT [customer_id] excluded=yes read=yes",
		"table amazon_reviews_db.amazon_reviews_parquet SELECT [review_id] excluded=yes read=yes",
	}
	if !reflect.DeepEqual(limRows, wantRows) {
		t.Fatalf("limited rows:\n%s", strings.Join(limRows, "\n"))
	}
	// The vending grant's rows start at the event.
	var vend []string
	for _, r := range s.Rows() {
		if r.Principal == roleVend {
			if !r.From.Equal(ts(grantEvent)) || !r.To.IsZero() || r.Excluded || !r.Read {
				t.Fatalf("vending row %+v", r)
			}
			vend = append(vend, r.Column)
		}
	}
	sort.Strings(vend)
	if want := []string{"product_id", "product_title", "review_date", "star_rating"}; !reflect.DeepEqual(vend, want) {
		t.Fatalf("vending rows %v", vend)
	}
	// Other kinds of grants are rows too, but not reads.
	kinds := map[string]bool{}
	for _, r := range s.Rows() {
		kinds[r.Resource+"/"+r.Permission+"/"+boolStr(r.Read)] = true
	}
	for _, k := range []string{"data_location/DATA_LOCATION_ACCESS/no", "database/ALL/no", "table/DESCRIBE/no", "table/SELECT/yes"} {
		if !kinds[k] {
			t.Errorf("no %s row in %v", k, kinds)
		}
	}
}

// exported is an Access with only its exported fields, to compare.
func exported(a Access) Access {
	return Access{Table: a.Table, All: a.All, Columns: a.Columns, Excluded: a.Excluded}
}

func boolStr(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
