package lineage

import (
	"os"
	"strings"
	"testing"
)

// constructs is the table of supported statement kinds and constructs in
// doc.go and README.md, one hand-checked query per row, in the table's
// order. The row label and the certainty column must match the documents.
var constructs = []struct {
	row string
	tc  lineageCase
}{
	{"SELECT naming columns: projection, WHERE, JOIN … ON or USING, GROUP BY, HAVING, ORDER BY, window", lineageCase{db: "tpc",
		sql: `SELECT c.c_login, count(*) OVER (PARTITION BY a.ca_state ORDER BY c.c_birth_year) FROM dl_tpc_customer c JOIN dl_tpc_customer_address a ON c.c_current_addr_sk = a.ca_address_sk WHERE a.ca_country = 'US' GROUP BY c.c_login, a.ca_state, c.c_birth_year HAVING max(a.ca_zip) > '1' ORDER BY 1`,
		// Every column the text names, in whichever clause.
		method: "exact", want: []acc{tpc("dl_tpc_customer", "c_birth_year", "c_current_addr_sk", "c_login"),
			tpc("dl_tpc_customer_address", "ca_address_sk", "ca_country", "ca_state", "ca_zip")}}},
	{"SELECT * or t.*", lineageCase{db: "tpc", sql: `SELECT a.* FROM dl_tpc_customer_address a WHERE a.ca_state = 'CA'`,
		method: "exact", want: []acc{{db: "tpc", table: "dl_tpc_customer_address", cols: addressAll, star: true, named: cols("ca_state")}}}},
	{"* in a derived table or CTE, through joins and chains of CTEs", lineageCase{db: "tpc",
		sql: `WITH a AS (SELECT * FROM dl_tpc_customer_address) SELECT ca_city FROM (SELECT * FROM a) x`,
		// The * brings in every column; ca_city is the one named.
		method: "exact", want: []acc{{db: "tpc", table: "dl_tpc_customer_address", cols: addressAll, star: true, named: cols("ca_city")}}}},
	{"count(*), SELECT 1, SELECT 2 … GROUP BY 1", lineageCase{db: "tpc", sql: `SELECT count(*) FROM dl_tpc_web_sales`,
		method: "exact", want: []acc{{db: "tpc", table: "dl_tpc_web_sales", cols: none()}}}},
	{"EXISTS (SELECT * …)", lineageCase{db: "tpc",
		sql:    `SELECT c_login FROM dl_tpc_customer c WHERE EXISTS (SELECT * FROM dl_tpc_web_sales w WHERE w.ws_bill_customer_sk = c.c_customer_sk)`,
		method: "exact", want: []acc{tpc("dl_tpc_customer", "c_customer_sk", "c_login"), tpc("dl_tpc_web_sales", "ws_bill_customer_sk")}}},
	{"subqueries: IN, scalar, correlated", lineageCase{db: "tpc",
		sql:    `SELECT i_item_id, (SELECT max(ws_sales_price) FROM dl_tpc_web_sales WHERE ws_item_sk = i_item_sk) FROM dl_tpc_item WHERE i_item_sk IN (SELECT ws_item_sk FROM dl_tpc_web_sales WHERE ws_quantity > 1)`,
		method: "exact", want: []acc{tpc("dl_tpc_item", "i_item_id", "i_item_sk"), tpc("dl_tpc_web_sales", "ws_item_sk", "ws_quantity", "ws_sales_price")}}},
	{"UNION, INTERSECT, EXCEPT", lineageCase{db: "tpc",
		sql:    `SELECT c_customer_sk FROM dl_tpc_customer UNION SELECT ws_bill_customer_sk FROM dl_tpc_web_sales EXCEPT SELECT ca_address_sk FROM dl_tpc_customer_address`,
		method: "exact", want: []acc{tpc("dl_tpc_customer", "c_customer_sk"), tpc("dl_tpc_customer_address", "ca_address_sk"), tpc("dl_tpc_web_sales", "ws_bill_customer_sk")}}},
	{"WITH, WITH RECURSIVE", lineageCase{db: "tpc",
		sql: `WITH x AS (SELECT c_customer_sk, c_email_address FROM dl_tpc_customer) SELECT count(c_customer_sk) FROM x`,
		// c_email_address is named in the CTE though nothing uses it: still accessed.
		method: "exact", want: []acc{tpc("dl_tpc_customer", "c_customer_sk", "c_email_address")}}},
	{"UNNEST, lambdas, struct fields, map subscripts", lineageCase{db: "tpc",
		sql:    `SELECT w FROM dl_tpc_item CROSS JOIN UNNEST(transform(split(i_item_desc, ' '), s -> upper(s))) AS t(w)`,
		method: "exact", want: []acc{tpc("dl_tpc_item", "i_item_desc")}}},
	{"Trino functions DuckDB lacks (date_format, approx_distinct, from_unixtime, …)", lineageCase{db: reviewsDB,
		sql:    `SELECT date_format(from_unixtime(review_date), '%Y'), approx_distinct(customer_id) FROM amazon_reviews_parquet GROUP BY 1`,
		method: "exact", want: []acc{reviews("customer_id", "review_date")}}},
	{"CREATE TABLE AS SELECT, INSERT INTO … SELECT", lineageCase{db: "tpc",
		sql:    `INSERT INTO sandbox.emails SELECT c_email_address FROM dl_tpc_customer WHERE c_preferred_cust_flag = 'Y'`,
		method: "exact", want: []acc{tpc("dl_tpc_customer", "c_email_address", "c_preferred_cust_flag")}, writes: cols("sandbox.emails")}},
	{"UNLOAD (SELECT …), EXPLAIN ANALYZE", lineageCase{db: "tpc",
		sql:    `UNLOAD (SELECT ca_zip FROM dl_tpc_customer_address) TO 's3://exports-111122223333/zips/' WITH (format = 'PARQUET')`,
		method: "exact", want: []acc{tpc("dl_tpc_customer_address", "ca_zip")}}},
	{"UPDATE … SET … WHERE", lineageCase{db: "tpc",
		sql:    `UPDATE dl_tpc_customer SET c_email_address = lower(c_email_address) WHERE c_birth_year < 1950`,
		method: "exact", want: []acc{tpc("dl_tpc_customer", "c_birth_year", "c_email_address")}, writes: cols("tpc.dl_tpc_customer")}},
	{"DELETE FROM … [WHERE …]", lineageCase{db: "tpc", sql: `DELETE FROM dl_tpc_web_sales WHERE ws_sold_date_sk < 2450000`,
		method: "exact", want: []acc{tpc("dl_tpc_web_sales", "ws_sold_date_sk")}, writes: cols("tpc.dl_tpc_web_sales")}},
	{"MERGE INTO … USING a table, a derived table or a query with a CTE", lineageCase{db: "tpc",
		sql: `MERGE INTO dl_tpc_item t USING (SELECT ws_item_sk, max(ws_sales_price) AS p FROM dl_tpc_web_sales GROUP BY ws_item_sk) s ON t.i_item_sk = s.ws_item_sk
WHEN MATCHED AND s.p > t.i_current_price THEN UPDATE SET i_current_price = s.p`,
		method: "exact", want: []acc{tpc("dl_tpc_item", "i_current_price", "i_item_sk"), tpc("dl_tpc_web_sales", "ws_item_sk", "ws_sales_price")},
		writes: cols("tpc.dl_tpc_item")}},
	{"Glue string columns used as dates or numbers", lineageCase{db: "csvdb",
		sql:    `SELECT o_id FROM orders WHERE o_date BETWEEN date '2020-01-01' AND date '2020-12-31' AND o_total + o_tax > 100`,
		method: "exact", want: []acc{orders("o_date", "o_id", "o_tax", "o_total")}}},
	{"Glue databases or tables named like DuckDB's catalogs and schemas (temp, system, main, memory)", lineageCase{db: "tpc",
		sql:    `SELECT b FROM temp.t1 WHERE a > 0`,
		method: "exact", want: []acc{named("temp", "t1", "a", "b")}}},
	{"a query DuckDB cannot bind (unknown function or column)", lineageCase{db: "tpc",
		sql:    `SELECT some_udf(i_brand), i_size FROM dl_tpc_item`,
		method: "parsed", want: []acc{tpc("dl_tpc_item", "i_brand", "i_size")}, errHas: "some_udf"}},
	{"a Glue database DuckDB cannot create (information_schema, pg_catalog)", lineageCase{db: "tpc",
		sql:    `SELECT b FROM pg_catalog.t6`,
		method: "parsed", want: []acc{named("pg_catalog", "t6", "b")}, errHas: "DuckDB cannot create"}},
	{"a table not in the catalog", lineageCase{db: "tpc", sql: `SELECT x FROM tpc.dl_tpc_store`,
		method: "table", want: []acc{{db: "tpc", table: "dl_tpc_store"}}, errHas: "not in the catalog"}},
	{"syntax DuckDB cannot parse", lineageCase{db: "tpc",
		sql:    `SELECT json_query(c_login, 'lax $.a' WITH ARRAY WRAPPER) FROM dl_tpc_customer`,
		method: "table", want: []acc{{db: "tpc", table: "dl_tpc_customer"}}, errHas: "parse:"}},
	{"ANALYZE, OPTIMIZE, VACUUM; UPDATE or MERGE of another shape", lineageCase{db: "tpc",
		sql:    `OPTIMIZE tpc.dl_tpc_web_sales REWRITE DATA USING BIN_PACK`,
		method: "table", want: []acc{{db: "tpc", table: "dl_tpc_web_sales"}}, writes: cols("tpc.dl_tpc_web_sales"), errHas: "table names"}},
	{"SHOW, DESCRIBE, EXPLAIN, DDL, USE", lineageCase{db: "tpc", sql: `DESCRIBE dl_tpc_item`, method: "exact"}},
	{"EXECUTE of a prepared statement", lineageCase{db: "tpc", sql: `EXECUTE q1 USING 5`, method: "", errHas: "prepared statement"}},
}

func TestSupportedConstructs(t *testing.T) {
	x := newShapeExtractor(t)
	var cases []lineageCase
	for _, c := range constructs {
		tc := c.tc
		tc.name = c.row
		cases = append(cases, tc)
	}
	runBoth(t, x, cases)
}

// TestConstructsTableIsDocumented checks that doc.go and README.md hold
// the same table and that its rows and certainties are the tested ones.
func TestConstructsTableIsDocumented(t *testing.T) {
	rows := func(path, prefix string) []string {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, prefix) {
				out = append(out, strings.TrimPrefix(line, prefix))
			}
		}
		return out
	}
	doc := rows("doc.go", "//\t| ")
	readme := rows("../../README.md", "| ")
	// The README has other tables: keep the lines of this one.
	var inReadme []string
	for _, l := range readme {
		for _, d := range doc {
			if l == d {
				inReadme = append(inReadme, l)
			}
		}
	}
	if len(doc) != len(constructs)+1 || strings.Join(inReadme, "\n") != strings.Join(doc, "\n") {
		t.Fatalf("doc.go has %d table lines (want a header and %d rows); README.md has %d of them, want all, in order",
			len(doc), len(constructs), len(inReadme))
	}
	for i, c := range constructs {
		cells := strings.Split(strings.TrimSuffix(doc[i+1], " |"), " | ")
		want := c.tc.method
		if want == "" {
			want = "—"
		}
		if len(cells) != 3 || strings.ReplaceAll(cells[0], "`", "") != c.row || cells[2] != want {
			t.Errorf("documented row %d is %q; want %q with certainty %s", i+1, doc[i+1], c.row, want)
		}
	}
}
