package lineage

import (
	"strings"
	"testing"
)

// FuzzClassify feeds arbitrary text to the pure-Go parsers that run before
// DuckDB sees a query: statement classification (with the UPDATE and MERGE
// rewrite), the Trino rewrites and the shape key. None may panic; an UPDATE
// or MERGE it rewrites becomes a SELECT that names its target.
func FuzzClassify(f *testing.F) {
	for _, tc := range lineageCases {
		f.Add(tc.sql)
	}
	for _, cases := range [][]lineageCase{noColumnCases, dmlCases, innerStarCases, existsCases, typeCases, reservedCases} {
		for _, tc := range cases {
			f.Add(tc.sql)
		}
	}
	for _, s := range []string{
		"MERGE INTO t USING u ON", "MERGE INTO t USING u ON a WHEN", "MERGE t u ON x WHEN NOT MATCHED BY SOURCE THEN DELETE",
		"MERGE INTO t USING u ON a = b WHEN MATCHED THEN INSERT (a, ) VALUES (1,", "UPDATE t SET = 1", "UPDATE t SET a = (",
		"UPDATE t SET a = CASE WHEN b THEN 1 END WHERE", "MERGE INTO t USING (SELECT 1) s ON CASE WHEN x THEN y END WHEN MATCHED THEN UPDATE SET a = 1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		st := classify(sql)
		kw := toks(significant(lex(sql))).kw(0)
		if st.kind == stQuery && (kw == "UPDATE" || kw == "MERGE") {
			if !strings.HasPrefix(st.query, "SELECT ") || len(st.writes) != 1 {
				t.Errorf("%q became %q writing %q", sql, st.query, st.writes)
			}
		}
		rewriteTrino(st.query)
		shapeKey(sql)
	})
}
