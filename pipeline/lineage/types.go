package lineage

import (
	"strconv"
	"strings"
)

// DuckType maps a Glue (Hive) column type string to a DuckDB type:
// string/varchar(n)/char(n) → VARCHAR, int → INTEGER, float → REAL,
// binary → BLOB, decimal(p,s) → DECIMAL(p,s), array<T> → T[],
// struct<a:T,…> → STRUCT("a" T, …), map<K,V> → MAP(K, V), recursively.
// Anything it does not know becomes VARCHAR.
func DuckType(glue string) string {
	p := typeParser{s: strings.ToLower(strings.TrimSpace(glue))}
	t, ok := p.parse()
	p.skipSpace()
	if !ok || p.i != len(p.s) {
		return "VARCHAR"
	}
	return t
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *typeParser) peek() byte {
	p.skipSpace()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *typeParser) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *typeParser) word() string {
	p.skipSpace()
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

// fieldName reads a struct field name: a word, or a `quoted` name.
func (p *typeParser) fieldName() (string, bool) {
	if p.peek() == '`' {
		p.i++
		end := strings.IndexByte(p.s[p.i:], '`')
		if end < 0 {
			return "", false
		}
		name := p.s[p.i : p.i+end]
		p.i += end + 1
		return name, true
	}
	p.skipSpace()
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != ':' && p.s[p.i] != ',' && p.s[p.i] != '>' && p.s[p.i] != '<' {
		p.i++
	}
	name := strings.TrimSpace(p.s[start:p.i])
	return name, name != ""
}

// args reads "(n[,m])" when present.
func (p *typeParser) args() ([]int, bool) {
	if !p.eat('(') {
		return nil, true
	}
	var out []int
	for {
		w := p.word()
		n, err := strconv.Atoi(w)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
		if p.eat(')') {
			return out, true
		}
		if !p.eat(',') {
			return nil, false
		}
	}
}

func (p *typeParser) parse() (string, bool) {
	name := p.word()
	switch name {
	case "array":
		if !p.eat('<') {
			return "", false
		}
		el, ok := p.parse()
		if !ok || !p.eat('>') {
			return "", false
		}
		return el + "[]", true
	case "map":
		if !p.eat('<') {
			return "", false
		}
		k, ok := p.parse()
		if !ok || !p.eat(',') {
			return "", false
		}
		v, ok := p.parse()
		if !ok || !p.eat('>') {
			return "", false
		}
		return "MAP(" + k + ", " + v + ")", true
	case "struct":
		if !p.eat('<') {
			return "", false
		}
		var fields []string
		if p.eat('>') {
			return "VARCHAR", true // struct<> has no DuckDB equivalent
		}
		for {
			fn, ok := p.fieldName()
			if !ok || !p.eat(':') {
				return "", false
			}
			ft, ok := p.parse()
			if !ok {
				return "", false
			}
			fields = append(fields, quoteIdent(fn)+" "+ft)
			if p.eat('>') {
				return "STRUCT(" + strings.Join(fields, ", ") + ")", true
			}
			if !p.eat(',') {
				return "", false
			}
		}
	case "uniontype":
		// Skip the member list; DuckDB's UNION has no Hive mapping worth keeping.
		depth := 0
		for p.i < len(p.s) {
			c := p.s[p.i]
			p.i++
			if c == '<' {
				depth++
			} else if c == '>' {
				depth--
				if depth == 0 {
					return "VARCHAR", true
				}
			}
		}
		return "", false
	}
	a, ok := p.args()
	if !ok {
		return "", false
	}
	switch name {
	case "string", "varchar", "char", "character":
		return "VARCHAR", true
	case "int", "integer":
		return "INTEGER", true
	case "bigint", "long":
		return "BIGINT", true
	case "smallint", "short":
		return "SMALLINT", true
	case "tinyint", "byte":
		return "TINYINT", true
	case "double":
		return "DOUBLE", true
	case "float", "real":
		return "REAL", true
	case "boolean", "bool":
		return "BOOLEAN", true
	case "date":
		return "DATE", true
	case "timestamp":
		return "TIMESTAMP", true
	case "binary", "varbinary":
		return "BLOB", true
	case "decimal", "numeric":
		prec, scale := 10, 0 // Hive's default decimal
		if len(a) >= 1 {
			prec = a[0]
		}
		if len(a) >= 2 {
			scale = a[1]
		}
		if prec < 1 || prec > 38 {
			prec = 38
		}
		if scale < 0 || scale > prec {
			scale = 0
		}
		return "DECIMAL(" + strconv.Itoa(prec) + "," + strconv.Itoa(scale) + ")", true
	}
	if name == "" {
		return "", false
	}
	return "VARCHAR", true
}

// quoteIdent quotes an identifier for DuckDB.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
