package lineage

import "strings"

// UPDATE and MERGE INTO (Athena runs both on Iceberg tables) are extracted
// through the SELECT that reads what they read: every expression of the
// statement becomes a select item over the same FROM, so the binder resolves
// names as the statement would and the tree walk sees the same scopes.
//
//	UPDATE t SET c = e, … WHERE w
//	  → SELECT t.c, e, … FROM t WHERE w
//	MERGE INTO t [AS] a USING src [AS] s ON cond
//	  WHEN MATCHED AND m THEN UPDATE SET c = e
//	  WHEN NOT MATCHED AND n THEN INSERT (c2) VALUES (v)
//	  → SELECT m, a.c, e, n, a.c2, v FROM t [AS] a JOIN src [AS] s ON cond
//
// The target's assigned columns (SET c, INSERT (c2)) are items too: the
// statement names them (a grant that excludes one makes it fail) and an
// Iceberg UPDATE or MERGE rewrites the rows it matches. src may be a table,
// a derived table or a parenthesised query with its own WITH clause.

// dmlQuery returns the SELECT an UPDATE or MERGE statement t reads through,
// and its target; ok is false when the statement does not have the shape
// above (it is then extracted at table level).
func dmlQuery(sql string, t toks) (query string, target []string, ok bool) {
	switch t.kw(0) {
	case "UPDATE":
		return updateQuery(sql, t)
	case "MERGE":
		return mergeQuery(sql, t)
	}
	return "", nil, false
}

// span is the source text of tokens [a, b).
func (t toks) span(sql string, a, b int) string {
	if a >= b || b > len(t) {
		return ""
	}
	return sql[t[a].start:t[b-1].end]
}

// topLevel returns the first index in [from, to) outside parentheses and
// CASE … END whose token is the keyword or punctuation kw, or to.
func (t toks) topLevel(from, to int, kw string) int {
	depth := 0
	for i := from; i < to; i++ {
		switch {
		case t.is(i, "(") || t.kw(i) == "CASE":
			depth++
		case t.is(i, ")") || t.kw(i) == "END":
			depth--
		case depth == 0 && (t.is(i, kw) || t.kw(i) == kw):
			return i
		}
	}
	return to
}

// items splits tokens [from, to) at top-level commas.
func (t toks) items(from, to int) [][2]int {
	var out [][2]int
	for from < to {
		c := t.topLevel(from, to, ",")
		out = append(out, [2]int{from, c})
		from = c + 1
	}
	return out
}

// target reads "name [[AS] alias]" at i, stopping before the keyword stop;
// it returns the name, the qualifier its columns take (the alias, else the
// name's last part as written) and the index after it.
func (t toks) target(i int, stop string) (name []string, qual string, next int) {
	name, next = t.qualified(i)
	if len(name) == 0 {
		return nil, "", i
	}
	qual = t[next-1].text
	if t.kw(next) == "AS" && t.isIdent(next+1) {
		qual, next = t[next+1].text, next+2
	} else if t.isIdent(next) && t.kw(next) != stop {
		qual, next = t[next].text, next+1
	}
	return name, qual, next
}

// assignments appends, for "c = e, …" in [from, to), the target column
// qual.c and the expression e.
func (t toks) assignments(sql, qual string, from, to int, out []string) ([]string, bool) {
	for _, it := range t.items(from, to) {
		eq := t.topLevel(it[0], it[1], "=")
		if eq != it[0]+1 || !t.isIdent(it[0]) || eq+1 >= it[1] {
			return nil, false
		}
		out = append(out, qual+"."+t[it[0]].text, t.span(sql, eq+1, it[1]))
	}
	return out, len(out) > 0
}

func selectOf(items []string, from string) string {
	if len(items) == 0 {
		items = []string{"1"}
	}
	return "SELECT " + strings.Join(items, ", ") + " FROM " + from
}

// updateQuery: UPDATE t SET c = e, … [WHERE w].
func updateQuery(sql string, t toks) (string, []string, bool) {
	name, qual, j := t.target(1, "SET")
	if len(name) == 0 || t.kw(j) != "SET" {
		return "", nil, false
	}
	where := t.topLevel(j+1, len(t), "WHERE")
	items, ok := t.assignments(sql, qual, j+1, where, nil)
	if !ok {
		return "", nil, false
	}
	from := t.span(sql, 1, j)
	if where < len(t) {
		from += " " + t.span(sql, where, len(t))
	}
	return selectOf(items, from), name, true
}

// mergeQuery: MERGE INTO t [AS a] USING src ON cond WHEN … .
func mergeQuery(sql string, t toks) (string, []string, bool) {
	i := 1
	if t.kw(i) == "INTO" {
		i++
	}
	name, qual, j := t.target(i, "USING")
	if len(name) == 0 || t.kw(j) != "USING" {
		return "", nil, false
	}
	on := t.topLevel(j+1, len(t), "ON")
	when := t.topLevel(on+1, len(t), "WHEN")
	if on == j+1 || on >= len(t) || when == on+1 || when >= len(t) {
		return "", nil, false
	}
	from := t.span(sql, i, j) + " JOIN " + t.span(sql, j+1, on) + " ON " + t.span(sql, on+1, when)
	var items []string
	for when < len(t) {
		next := t.topLevel(when+1, len(t), "WHEN")
		k := when + 1
		if t.kw(k) == "NOT" {
			k++
		}
		if t.kw(k) != "MATCHED" {
			return "", nil, false
		}
		k++
		if t.kw(k) == "BY" { // BY TARGET, BY SOURCE
			k += 2
		}
		then := t.topLevel(k, next, "THEN")
		if then >= next {
			return "", nil, false
		}
		if t.kw(k) == "AND" {
			items = append(items, t.span(sql, k+1, then))
		} else if k != then {
			return "", nil, false
		}
		a := then + 1
		ok := true
		switch {
		case t.kw(a) == "DELETE" && a+1 == next:
		case t.kw(a) == "UPDATE" && t.kw(a+1) == "SET":
			items, ok = t.assignments(sql, qual, a+2, next, items)
		case t.kw(a) == "INSERT":
			b := a + 1
			if t.is(b, "(") {
				c := t.closing(b)
				for _, it := range t.items(b+1, c) {
					if it[1] != it[0]+1 || !t.isIdent(it[0]) {
						return "", nil, false
					}
					items = append(items, qual+"."+t[it[0]].text)
				}
				b = c + 1
			}
			if t.kw(b) != "VALUES" || !t.is(b+1, "(") || t.closing(b+1) != next-1 {
				return "", nil, false
			}
			for _, it := range t.items(b+2, next-1) {
				items = append(items, t.span(sql, it[0], it[1]))
			}
		default:
			ok = false
		}
		if !ok {
			return "", nil, false
		}
		when = next
	}
	return selectOf(items, from), name, true
}
