package lineage

import (
	"sort"
	"strconv"
	"strings"
)

// Token kinds of the small SQL lexer used to classify statements, rewrite
// Trino syntax DuckDB does not parse, and find table names when nothing
// parses.
const (
	tkSpace = iota
	tkComment
	tkWord     // identifier or keyword
	tkQuoted   // "identifier"
	tkBacktick // `identifier`
	tkString   // 'literal'
	tkNumber
	tkPunct
)

type token struct {
	kind       int
	start, end int // byte offsets in the source
	text       string
}

// lex splits s into tokens. It never fails: an unterminated quote or comment
// runs to the end of the input.
func lex(s string) []token {
	var out []token
	i := 0
	for i < len(s) {
		c := s[i]
		start := i
		kind := tkPunct
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' || s[i] == '\v') {
				i++
			}
			kind = tkSpace
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			kind = tkComment
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				i = len(s)
			} else {
				i += end + 4
			}
			kind = tkComment
		case c == '\'' || c == '"' || c == '`':
			i++
			for i < len(s) {
				if s[i] == c {
					if i+1 < len(s) && s[i+1] == c {
						i += 2
						continue
					}
					i++
					break
				}
				i++
			}
			switch c {
			case '\'':
				kind = tkString
			case '"':
				kind = tkQuoted
			default:
				kind = tkBacktick
			}
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == 'e' || s[i] == 'E' ||
				(s[i] == '+' || s[i] == '-') && (s[i-1] == 'e' || s[i-1] == 'E')) {
				i++
			}
			kind = tkNumber
		case isIdentStart(c):
			for i < len(s) && isIdentPart(s[i]) {
				i++
			}
			kind = tkWord
		default:
			i++
			// Multi-byte operators matter only as opaque punctuation.
		}
		out = append(out, token{kind: kind, start: start, end: i, text: s[start:i]})
	}
	return out
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$' || c == '@'
}

// significant drops whitespace and comments.
func significant(toks []token) []token {
	out := make([]token, 0, len(toks)/2+1)
	for _, t := range toks {
		if t.kind != tkSpace && t.kind != tkComment {
			out = append(out, t)
		}
	}
	return out
}

// toks is a cursor over significant tokens.
type toks []token

func (t toks) kw(i int) string {
	if i < 0 || i >= len(t) || t[i].kind != tkWord {
		return ""
	}
	return strings.ToUpper(t[i].text)
}

func (t toks) is(i int, punct string) bool {
	return i >= 0 && i < len(t) && t[i].kind == tkPunct && t[i].text == punct
}

func (t toks) isIdent(i int) bool {
	if i < 0 || i >= len(t) {
		return false
	}
	switch t[i].kind {
	case tkWord, tkQuoted, tkBacktick:
		return true
	}
	return false
}

// ident returns the lower-case, unquoted name of identifier token i.
func (t toks) ident(i int) string {
	tk := t[i]
	switch tk.kind {
	case tkQuoted:
		return strings.ToLower(unquote(tk.text, '"'))
	case tkBacktick:
		return strings.ToLower(unquote(tk.text, '`'))
	}
	return strings.ToLower(tk.text)
}

func unquote(s string, q byte) string {
	if len(s) >= 2 && s[0] == q && s[len(s)-1] == q {
		s = s[1 : len(s)-1]
	} else if len(s) >= 1 && s[0] == q {
		s = s[1:]
	}
	d := string([]byte{q, q})
	return strings.ReplaceAll(s, d, d[:1])
}

// qualified reads ident(.ident)* at i; it returns the parts and the index
// after the name.
func (t toks) qualified(i int) ([]string, int) {
	var parts []string
	for t.isIdent(i) {
		parts = append(parts, t.ident(i))
		if t.is(i+1, ".") && t.isIdent(i+2) {
			i += 2
			continue
		}
		i++
		break
	}
	return parts, i
}

// closing returns the index of the parenthesis closing the one at i, or
// len(t) when it is unbalanced.
func (t toks) closing(i int) int {
	depth := 0
	for j := i; j < len(t); j++ {
		if t[j].kind != tkPunct {
			continue
		}
		switch t[j].text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return len(t)
}

// Statement kinds.
const (
	stQuery   = iota // a query whose reads we extract (possibly inside CTAS, INSERT, …)
	stNoRead         // reads no table data: SHOW, DESCRIBE, EXPLAIN, DDL, USE, …
	stTables         // table level only: ANALYZE, OPTIMIZE, VACUUM, an UPDATE or MERGE of another shape
	stUnknown        // not recognised: try the parser, then the token scan
	stOpaque         // nothing can be read (EXECUTE of a prepared statement)
)

type statement struct {
	kind   int
	query  string     // the query to extract, for stQuery / stUnknown
	writes [][]string // qualified target names
	reads  [][]string // table names, for stTables
	note   string     // why the statement was reduced, for Result.Err
}

// classify decides what kind of statement sql is and cuts out the query
// it runs.
func classify(sql string) statement {
	all := lex(sql)
	t := toks(significant(all))
	// Only the first statement counts; Athena runs one per query.
	var note string
	for i := range t {
		if t.is(i, ";") {
			rest := t[i+1:]
			for len(rest) > 0 && rest.is(0, ";") {
				rest = rest[1:]
			}
			if len(rest) > 0 {
				note = "more than one statement: only the first is extracted"
			}
			t = t[:i]
			break
		}
	}
	if len(t) == 0 {
		return statement{kind: stOpaque, note: "empty statement"}
	}
	end := t[len(t)-1].end
	st := classifyToks(sql, t, end)
	if note != "" && st.note == "" {
		st.note = note
	}
	return st
}

func queryStart(t toks, i int) bool {
	switch t.kw(i) {
	case "SELECT", "WITH", "VALUES", "TABLE":
		return true
	}
	return t.is(i, "(")
}

func classifyToks(sql string, t toks, end int) statement {
	text := func(i int) string {
		if i >= len(t) {
			return ""
		}
		return sql[t[i].start:end]
	}
	switch t.kw(0) {
	case "SELECT", "WITH", "VALUES", "TABLE":
		return statement{kind: stQuery, query: text(0)}
	case "EXPLAIN":
		i := 1
		analyze := false
		if t.kw(i) == "ANALYZE" {
			analyze = true
			i++
		}
		if t.kw(i) == "VERBOSE" {
			i++
		}
		if t.is(i, "(") {
			i = t.closing(i) + 1
		}
		if !analyze || i >= len(t) {
			return statement{kind: stNoRead}
		}
		st := classifyToks(sql, t[i:], end)
		if st.note == "" {
			st.note = "EXPLAIN ANALYZE runs the statement"
		}
		return st
	case "SHOW", "DESCRIBE", "DESC", "USE", "SET", "RESET", "MSCK", "ALTER", "DROP", "GRANT", "REVOKE",
		"DENY", "PREPARE", "DEALLOCATE", "COMMENT", "START", "BEGIN", "COMMIT", "ROLLBACK", "REFRESH", "CALL":
		return statement{kind: stNoRead}
	case "EXECUTE":
		return statement{kind: stOpaque, note: "EXECUTE of a prepared statement: its text is not in the query"}
	case "CREATE":
		i := 1
		if t.kw(i) == "OR" && t.kw(i+1) == "REPLACE" {
			i += 2
		}
		if t.kw(i) != "TABLE" {
			return statement{kind: stNoRead} // views, external tables, databases, functions
		}
		i++
		if t.kw(i) == "IF" && t.kw(i+1) == "NOT" && t.kw(i+2) == "EXISTS" {
			i += 3
		}
		name, j := t.qualified(i)
		depth := 0
		for ; j < len(t); j++ {
			if t.is(j, "(") {
				depth++
			} else if t.is(j, ")") {
				depth--
			} else if depth == 0 && t.kw(j) == "AS" && queryStart(t, j+1) {
				q := t[j+1:]
				// Drop a trailing WITH [NO] DATA.
				if n := len(q); n >= 3 && q.kw(n-1) == "DATA" && q.kw(n-2) == "NO" && q.kw(n-3) == "WITH" {
					q = q[:n-3]
				} else if n >= 2 && q.kw(n-1) == "DATA" && q.kw(n-2) == "WITH" {
					q = q[:n-2]
				}
				if len(q) == 0 {
					break
				}
				return statement{kind: stQuery, query: sql[q[0].start:q[len(q)-1].end], writes: nameList(name)}
			}
		}
		return statement{kind: stNoRead}
	case "INSERT":
		i := 1
		if t.kw(i) == "INTO" || t.kw(i) == "OVERWRITE" {
			i++
		}
		if t.kw(i) == "TABLE" {
			i++
		}
		name, j := t.qualified(i)
		if t.is(j, "(") && !queryStart(t, j+1) {
			j = t.closing(j) + 1 // column list
		}
		if j >= len(t) {
			return statement{kind: stTables, writes: nameList(name)}
		}
		return statement{kind: stQuery, query: text(j), writes: nameList(name)}
	case "UNLOAD":
		if t.is(1, "(") {
			c := t.closing(1)
			if c > 2 && c < len(t) {
				return statement{kind: stQuery, query: sql[t[2].start:t[c-1].end]}
			}
		}
		return statement{kind: stUnknown, query: text(0)}
	case "DELETE":
		if t.kw(1) == "FROM" {
			// DELETE FROM t WHERE c reads c: extract SELECT 1 FROM t WHERE c.
			if name, _ := t.qualified(2); len(name) > 0 {
				return statement{kind: stQuery, query: "SELECT 1 FROM " + sql[t[2].start:end], writes: nameList(name)}
			}
		}
		return statement{kind: stUnknown, query: text(0)}
	case "UPDATE", "MERGE":
		if q, target, ok := dmlQuery(sql, t); ok {
			return statement{kind: stQuery, query: q, writes: nameList(target)}
		}
		if t.kw(0) == "UPDATE" {
			name, _ := t.qualified(1)
			st := statement{kind: stTables, writes: nameList(name), reads: nameList(name)}
			st.reads = append(st.reads, tableNames(t)...)
			return st
		}
		i := 1
		if t.kw(i) == "INTO" {
			i++
		}
		name, j := t.qualified(i)
		st := statement{kind: stTables, writes: nameList(name), reads: nameList(name)}
		for ; j < len(t); j++ {
			if t.kw(j) == "USING" {
				if src, _ := t.qualified(j + 1); len(src) > 0 {
					st.reads = append(st.reads, src)
				}
				break
			}
		}
		st.reads = append(st.reads, tableNames(t)...)
		return st
	case "ANALYZE", "OPTIMIZE", "VACUUM":
		name, _ := t.qualified(1)
		st := statement{kind: stTables, reads: nameList(name)}
		if t.kw(0) != "ANALYZE" {
			st.writes = nameList(name)
		}
		return st
	}
	if t.is(0, "(") {
		return statement{kind: stQuery, query: text(0)}
	}
	return statement{kind: stUnknown, query: text(0)}
}

func nameList(name []string) [][]string {
	if len(name) == 0 {
		return nil
	}
	return [][]string{name}
}

// Words that end a FROM item's alias.
var clauseWords = map[string]bool{
	"WHERE": true, "GROUP": true, "ORDER": true, "HAVING": true, "LIMIT": true, "OFFSET": true, "FETCH": true,
	"UNION": true, "INTERSECT": true, "EXCEPT": true, "JOIN": true, "INNER": true, "LEFT": true, "RIGHT": true,
	"FULL": true, "CROSS": true, "NATURAL": true, "ON": true, "USING": true, "WINDOW": true, "QUALIFY": true,
	"TABLESAMPLE": true, "FOR": true, "LATERAL": true, "SELECT": true, "AS": true, "WITH": true, "VALUES": true,
	"SET": true, "INTO": true, "WHEN": true, "OUTER": true, "UNNEST": true, "TABLE": true,
}

// fromEnd are the words that end a FROM clause.
var fromEnd = map[string]bool{
	"WHERE": true, "GROUP": true, "HAVING": true, "ORDER": true, "LIMIT": true, "OFFSET": true, "FETCH": true,
	"UNION": true, "INTERSECT": true, "EXCEPT": true, "WINDOW": true, "QUALIFY": true, "SELECT": true,
	"SET": true, "WHEN": true, "RETURNING": true,
}

// tableNames is the conservative fallback: the names that follow FROM or
// JOIN, or a comma of a FROM list, minus CTE names. It may miss a table but
// does not invent one.
func tableNames(t toks) [][]string {
	ctes := map[string]bool{}
	for i := 0; i < len(t); i++ {
		if !t.isIdent(i) || t.kw(i) == "AS" {
			continue
		}
		j := i + 1
		if t.is(j, "(") {
			j = t.closing(j) + 1
		}
		if t.kw(j) == "AS" && t.is(j+1, "(") {
			ctes[t.ident(i)] = true
		}
	}
	var out [][]string
	item := func(j int) {
		if !t.isIdent(j) || clauseWords[t.kw(j)] {
			return // a subquery, UNNEST, LATERAL, …: its own FROM is scanned
		}
		parts, next := t.qualified(j)
		if t.is(next, "(") { // a table function
			return
		}
		if !(len(parts) == 1 && ctes[parts[0]]) {
			out = append(out, parts)
		}
	}
	depth := 0
	inFrom := map[int]bool{}
	for i := 0; i < len(t); i++ {
		switch {
		case t.is(i, "("):
			depth++
		case t.is(i, ")"):
			inFrom[depth] = false
			depth--
		case t.is(i, ","):
			if inFrom[depth] {
				item(i + 1)
			}
		case t.kw(i) == "FROM":
			inFrom[depth] = true
			item(i + 1)
		case t.kw(i) == "JOIN":
			item(i + 1)
		case fromEnd[t.kw(i)]:
			inFrom[depth] = false
		}
	}
	return out
}

type edit struct {
	start, end int
	repl       string
}

// rewriteTrino turns Trino syntax that DuckDB's parser or binder rejects into
// equivalents that keep every column reference:
//   - `backtick` identifiers become "quoted" ones;
//   - hidden columns ("$path", t."$file_size", …) become NULL: they are not
//     data columns and Lake Formation does not govern them;
//   - CAST(x AS array(T)) / row(a T, …) become T[] / STRUCT(a T, …);
//   - TABLESAMPLE BERNOULLI (n) / SYSTEM (n) sample n percent, as in Trino;
//   - Iceberg time travel (FOR TIMESTAMP|VERSION AS OF …) is dropped;
//   - if(c, x) gets its implicit third argument, NULL;
//   - lambda-taking functions without a DuckDB namesake are renamed
//     (transform → list_transform, any_match → list_bool_or(list_transform(…)), …).
func rewriteTrino(sql string) string {
	all := lex(sql)
	t := toks(significant(all))
	var edits []edit
	for i := 0; i < len(t); i++ {
		tk := t[i]
		switch tk.kind {
		case tkBacktick:
			if !strings.HasPrefix(unquote(tk.text, '`'), "$") {
				edits = append(edits, edit{tk.start, tk.end, quoteIdent(unquote(tk.text, '`'))})
				continue
			}
			fallthrough
		case tkQuoted:
			name := t.ident(i)
			if !strings.HasPrefix(name, "$") {
				continue
			}
			start := i
			for start >= 2 && t.is(start-1, ".") && t.isIdent(start-2) {
				start -= 2
			}
			// Drop edits the replacement swallows.
			for len(edits) > 0 && edits[len(edits)-1].start >= t[start].start {
				edits = edits[:len(edits)-1]
			}
			edits = append(edits, edit{t[start].start, tk.end, "NULL"})
		case tkWord:
			up := strings.ToUpper(tk.text)
			switch {
			case up == "AS" && (t.kw(i+1) == "ARRAY" || t.kw(i+1) == "ROW" || t.kw(i+1) == "MAP") && t.is(i+2, "("):
				typ, next := convertType(t, i+1)
				if next > i+1 && next <= len(t) {
					edits = append(edits, edit{t[i+1].start, t[next-1].end, typ})
					i = next - 1
				}
			case up == "FOR" && timeTravel[t.kw(i+1)] && t.kw(i+2) == "AS" && t.kw(i+3) == "OF":
				// Iceberg time travel: the catalog holds one schema anyway.
				j := i + 4
				for depth := 0; j < len(t); j++ {
					if t.is(j, "(") {
						depth++
					} else if t.is(j, ")") {
						if depth == 0 {
							break
						}
						depth--
					} else if depth == 0 && (t.is(j, ",") || t.is(j, ";") || clauseWords[t.kw(j)]) {
						break
					}
				}
				if j > i+4 {
					edits = append(edits, edit{tk.start, t[j-1].end, ""})
					i = j - 1
				}
			case up == "TABLESAMPLE" && (t.kw(i+1) == "BERNOULLI" || t.kw(i+1) == "SYSTEM") && t.is(i+2, "(") &&
				t.is(i+4, ")") && t[i+3].kind == tkNumber:
				edits = append(edits, edit{t[i+3].end, t[i+3].end, " PERCENT"})
			case up == "IF" && t.is(i+1, "(") && !t.is(i-1, "."):
				// Trino's two-argument if(c, x) is if(c, x, NULL).
				c := t.closing(i + 1)
				if c < len(t) && len(t.items(i+2, c)) == 2 {
					edits = append(edits, edit{t[c].start, t[c].start, ", NULL"})
				}
			case t.is(i+1, "(") && !t.is(i-1, "."):
				if repl, ok := lambdaRenames[strings.ToLower(tk.text)]; ok {
					edits = append(edits, edit{tk.start, tk.end, repl[0]})
					if repl[1] != "" {
						c := t.closing(i + 1)
						if c < len(t) {
							edits = append(edits, edit{t[c].start, t[c].start, repl[1]})
						}
					}
				}
			}
		}
	}
	out, _ := applyEdits(sql, edits)
	return out
}

// applyEdits applies edits to s (an edit that overlaps an earlier one is
// dropped) and returns the new text and a function that maps a byte offset
// in it back to s (an offset inside a replacement maps to the start of what
// it replaced).
func applyEdits(s string, edits []edit) (string, func(int) int) {
	if len(edits) == 0 {
		return s, func(p int) int { return p }
	}
	sort.SliceStable(edits, func(a, b int) bool { return edits[a].start < edits[b].start })
	var b strings.Builder
	type moved struct{ newStart, newEnd, start, end int }
	var done []moved
	pos := 0
	for _, e := range edits {
		if e.start < pos {
			continue
		}
		b.WriteString(s[pos:e.start])
		n := b.Len()
		b.WriteString(e.repl)
		done = append(done, moved{n, b.Len(), e.start, e.end})
		pos = e.end
	}
	b.WriteString(s[pos:])
	back := func(p int) int {
		delta := 0 // new offset - old offset, after the edits before p
		for _, m := range done {
			if p < m.newStart {
				break
			}
			if p < m.newEnd {
				return m.start
			}
			delta = m.newEnd - m.end
		}
		return p - delta
	}
	return b.String(), back
}

var timeTravel = map[string]bool{"TIMESTAMP": true, "VERSION": true, "SYSTEM_TIME": true, "SYSTEM_VERSION": true}

// lambdaRenames maps Trino functions that take lambdas (which DuckDB macros
// cannot forward) to a DuckDB prefix and the suffix added after the closing
// parenthesis.
var lambdaRenames = map[string][2]string{
	"transform":  {"list_transform", ""},
	"any_match":  {"list_bool_or(list_transform", ")"},
	"all_match":  {"list_bool_and(list_transform", ")"},
	"none_match": {"NOT list_bool_or(list_transform", ")"},
}

// convertType rewrites a Trino type starting at i (array(T), row(a T, …),
// map(K, V), or anything else copied as is) and returns the index after it.
func convertType(t toks, i int) (string, int) {
	switch t.kw(i) {
	case "ARRAY":
		if t.is(i+1, "(") {
			inner, j := convertType(t, i+2)
			if t.is(j, ")") {
				return inner + "[]", j + 1
			}
		}
	case "MAP":
		if t.is(i+1, "(") {
			k, j := convertType(t, i+2)
			if t.is(j, ",") {
				v, j2 := convertType(t, j+1)
				if t.is(j2, ")") {
					return "MAP(" + k + ", " + v + ")", j2 + 1
				}
			}
		}
	case "ROW":
		if t.is(i+1, "(") {
			var fields []string
			j := i + 2
			for n := 0; j < len(t); n++ {
				name := ""
				// A field is "name type" unless the next token ends it.
				if t.isIdent(j) && !t.is(j+1, ",") && !t.is(j+1, ")") && !t.is(j+1, "(") {
					name = quoteIdent(t.ident(j))
					j++
				} else {
					name = quoteIdent("field" + strconv.Itoa(n))
				}
				ft, j2 := convertType(t, j)
				if j2 == j {
					break
				}
				fields = append(fields, name+" "+ft)
				j = j2
				if t.is(j, ")") {
					return "STRUCT(" + strings.Join(fields, ", ") + ")", j + 1
				}
				if !t.is(j, ",") {
					break
				}
				j++
			}
		}
	}
	// A plain type: words and parenthesised arguments up to , or ).
	j := i
	depth := 0
	var b strings.Builder
	for ; j < len(t); j++ {
		if t.is(j, "(") {
			depth++
		} else if t.is(j, ")") {
			if depth == 0 {
				break
			}
			depth--
		} else if t.is(j, ",") && depth == 0 {
			break
		}
		if b.Len() > 0 && t[j].kind == tkWord && t[j-1].kind == tkWord {
			b.WriteByte(' ')
		}
		b.WriteString(t[j].text)
	}
	return b.String(), j
}

// shapeKey is the cache key of a query: its tokens, without comments or
// layout, with unquoted words lower-cased and the values of string and
// number literals blanked (each run of digits becomes 0, so the literal's
// kind stays: integer, decimal, exponent). Queries that differ only in
// constants read the same columns.
func shapeKey(sql string) string {
	var b strings.Builder
	b.Grow(len(sql))
	for _, t := range lex(sql) {
		switch t.kind {
		case tkSpace, tkComment:
			continue
		case tkString:
			b.WriteString("''")
		case tkNumber:
			for i := 0; i < len(t.text); i++ {
				c := t.text[i]
				if c >= '0' && c <= '9' {
					if i > 0 && t.text[i-1] >= '0' && t.text[i-1] <= '9' {
						continue
					}
					c = '0'
				}
				b.WriteByte(c)
			}
		case tkWord:
			b.WriteString(strings.ToLower(t.text))
		default:
			b.WriteString(t.text)
		}
		b.WriteByte(' ')
	}
	return b.String()
}
