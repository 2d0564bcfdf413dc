package lineage

import (
	"encoding/json"
	"strconv"
	"strings"
)

// logicalOp is one operator of json_serialize_plan's optimized logical
// plan. A table scan is a LOGICAL_GET whose function_data names the table and
// whose column_indexes (positions in names) are the columns it reads: the
// projected ones and, unlike the physical plan's Projections, also those only
// a pushed-down filter uses. A pushed-down struct field is its top-level
// column with child_indexes; count(*) reads the row id (an index past names).
type logicalOp struct {
	Type         string      `json:"type"`
	Children     []logicalOp `json:"children"`
	Names        []string    `json:"names"`
	FunctionData struct {
		Catalog string `json:"catalog"`
		Schema  string `json:"schema"`
		Table   string `json:"table"`
	} `json:"function_data"`
	ColumnIndexes []struct {
		Index uint64 `json:"index"`
	} `json:"column_indexes"`
}

// logicalScans reads json_serialize_plan's output. scans is nil when DuckDB
// could not plan or serialize the query; the error says why.
func logicalScans(doc string, byPlanName map[string]*tableInfo) (scans map[*tableInfo]map[string]bool, _ *bindError) {
	var out struct {
		Error        bool        `json:"error"`
		ErrorType    string      `json:"error_type"`
		ErrorMessage string      `json:"error_message"`
		Position     string      `json:"position"`
		Plans        []logicalOp `json:"plans"`
	}
	if err := json.Unmarshal([]byte(doc), &out); err != nil {
		return nil, &bindError{kind: "json", msg: "bind: " + err.Error(), pos: -1}
	}
	if out.Error {
		t := strings.ToLower(out.ErrorType)
		name := t
		if name != "" {
			name = strings.ToUpper(name[:1]) + name[1:] + " Error: "
		}
		pos, err := strconv.Atoi(out.Position)
		if err != nil {
			pos = -1
		}
		return nil, &bindError{kind: t, msg: "bind: " + name + firstLine(out.ErrorMessage), pos: pos}
	}
	scans = map[*tableInfo]map[string]bool{}
	var walk func(op *logicalOp)
	walk = func(op *logicalOp) {
		if op.Type == "LOGICAL_GET" && op.FunctionData.Table != "" {
			f := op.FunctionData
			info := byPlanName[strings.ToLower(f.Catalog+"."+f.Schema+"."+f.Table)]
			if info != nil {
				cols := scans[info]
				if cols == nil {
					cols = map[string]bool{}
					scans[info] = cols
				}
				for _, ci := range op.ColumnIndexes {
					if ci.Index < uint64(len(op.Names)) {
						if c := strings.ToLower(op.Names[ci.Index]); info.colset[c] {
							cols[c] = true
						}
					}
				}
			}
		}
		for i := range op.Children {
			walk(&op.Children[i])
		}
	}
	for i := range out.Plans {
		walk(&out.Plans[i])
	}
	return scans, nil
}

// planNode is one operator of DuckDB's EXPLAIN (FORMAT json) physical plan:
//
//	{"name": "SEQ_SCAN", "children": [],
//	 "extra_info": {"Table": "awsdatacatalog.tpc.t", "Type": "Sequential Scan",
//	                "Projections": ["a", "s.f"] | "a" | "", "Filters": [...] | "..."}}
type planNode struct {
	Name     string         `json:"name"`
	Children []planNode     `json:"children"`
	Extra    map[string]any `json:"extra_info"`
}

// scanColumns reads an EXPLAIN (FORMAT json) plan (the fallback when the
// logical plan cannot be serialized) and returns, per scanned table (the lower-case
// "Table" string), the catalog columns its scans need.
func scanColumns(plan string, byPlanName map[string]*tableInfo) (map[*tableInfo]map[string]bool, error) {
	var roots []planNode
	if err := json.Unmarshal([]byte(plan), &roots); err != nil {
		return nil, err
	}
	out := map[*tableInfo]map[string]bool{}
	var walk func(n *planNode)
	walk = func(n *planNode) {
		if t, ok := n.Extra["Table"].(string); ok {
			info := byPlanName[strings.ToLower(t)]
			if info != nil {
				cols := out[info]
				if cols == nil {
					cols = map[string]bool{}
					out[info] = cols
				}
				for _, p := range stringsOf(n.Extra["Projections"]) {
					if c := planColumn(info, p); c != "" {
						cols[c] = true
					}
				}
				// Filters pushed into the scan name columns that the
				// projection may leave out. Filter pushdown is disabled, but
				// read them anyway: every catalog column named in a filter.
				for _, f := range stringsOf(n.Extra["Filters"]) {
					for _, tk := range lex(f) {
						var name string
						switch tk.kind {
						case tkWord:
							name = strings.ToLower(tk.text)
						case tkQuoted:
							name = strings.ToLower(unquote(tk.text, '"'))
						default:
							continue
						}
						if info.colset[name] {
							cols[name] = true
						}
					}
				}
			}
		}
		for i := range n.Children {
			walk(&n.Children[i])
		}
	}
	for i := range roots {
		walk(&roots[i])
	}
	return out, nil
}

func stringsOf(v any) []string {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil
		}
		return strings.Split(x, "\n")
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// planColumn maps a scan projection ("col", "struct_col.field", "Mixed Case")
// to the catalog column it reads.
func planColumn(info *tableInfo, p string) string {
	p = strings.ToLower(strings.TrimSpace(p))
	if info.colset[p] {
		return p
	}
	if u := unquote(p, '"'); info.colset[u] {
		return u
	}
	// A pushed-down struct field: the longest column that prefixes it.
	best := ""
	for _, c := range info.cols {
		if len(c) > len(best) && strings.HasPrefix(p, c+".") {
			best = c
		}
	}
	return best
}
