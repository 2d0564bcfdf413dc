// Package schemas holds the lake contract: the tables auditlake writes and
// investigators query, with one line of documentation per column.
//
// The YAML files in this folder are the single source of truth. The Parquet
// writer in pipeline/lake is checked against them by a test, the report side
// builds its views from them, and the documentation in README is generated
// from them.
package schemas

//go:generate go run ./gen -root ..

import (
	"bytes"
	"embed"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed *.yaml derived/*.yaml
var files embed.FS

// Column types a schema may use.
const (
	String    = "string"
	Int64     = "int64"
	Bool      = "bool"
	Timestamp = "timestamp"
)

// Column is one column of a table.
type Column struct {
	Name     string `yaml:"name"`
	Type     string `yaml:"type"`
	Required bool   `yaml:"required"`
	Doc      string `yaml:"doc"`
}

// Table is one table of the lake contract.
type Table struct {
	Name       string   `yaml:"name"`
	GoType     string   `yaml:"go_type"` // the row struct in package pipeline/row
	Version    int      `yaml:"version"`
	Doc        string   `yaml:"doc"`
	Key        string   `yaml:"key"`        // the column that identifies a row: unique in every view
	Sort       []string `yaml:"sort"`       // order of rows within a data file
	Partitions []string `yaml:"partitions"` // Iceberg partition transforms: day(<column>)
	Bloom      []string `yaml:"bloom"`      // columns with Parquet bloom filters (point lookups)
	Columns    []Column `yaml:"columns"`
}

// Column returns the column with the given name.
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Names lists the column names in order.
func (t *Table) Names() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

// Load parses and validates the named table ("events", "column_access", …).
func Load(name string) (*Table, error) {
	file := name + ".yaml"
	b, err := files.ReadFile(file)
	if err != nil {
		file = "derived/" + name + ".yaml"
		if b, err = files.ReadFile(file); err != nil {
			return nil, fmt.Errorf("schemas: no table %q", name)
		}
	}
	t, err := parse(file, b)
	if err == nil && !strings.HasPrefix(file, "derived/") && t.Key == "" {
		return nil, fmt.Errorf("schemas: %s: an ingested table needs a key", file)
	}
	return t, err
}

// MustLoad is Load for tables that ship with the binary.
func MustLoad(name string) *Table {
	t, err := Load(name)
	if err != nil {
		panic(err)
	}
	return t
}

// Tables lists the tables ingest writes (schemas/*.yaml).
func Tables() []string { return list(".") }

// Derived lists the tables `report build` derives from them
// (schemas/derived/*.yaml).
func Derived() []string { return list("derived") }

// IsDerived says whether name is one of the derived tables.
func IsDerived(name string) bool {
	_, err := files.ReadFile("derived/" + name + ".yaml")
	return err == nil
}

func list(dir string) []string {
	ents, _ := files.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if !e.IsDir() {
			out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
		}
	}
	sort.Strings(out)
	return out
}

func parse(file string, b []byte) (*Table, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var t Table
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("schemas: %s: %w", file, err)
	}
	if t.Name == "" || t.Version < 1 || len(t.Columns) == 0 {
		return nil, fmt.Errorf("schemas: %s: name, version and columns are required", file)
	}
	seen := map[string]bool{}
	for i, c := range t.Columns {
		switch c.Type {
		case String, Int64, Bool, Timestamp:
		default:
			return nil, fmt.Errorf("schemas: %s: column %d (%s): unknown type %q", file, i+1, c.Name, c.Type)
		}
		if c.Name == "" || c.Doc == "" {
			return nil, fmt.Errorf("schemas: %s: column %d: name and doc are required", file, i+1)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("schemas: %s: column %q defined twice", file, c.Name)
		}
		seen[c.Name] = true
	}
	if t.Key != "" && !seen[t.Key] {
		return nil, fmt.Errorf("schemas: %s: key %q is not a column", file, t.Key)
	}
	for _, c := range t.Bloom {
		if !seen[c] {
			return nil, fmt.Errorf("schemas: %s: bloom column %q is not a column", file, c)
		}
	}
	for _, s := range t.Sort {
		if !seen[s] {
			return nil, fmt.Errorf("schemas: %s: sort column %q is not a column", file, s)
		}
	}
	return &t, nil
}

// Markdown renders the table as documentation: one row per column.
func (t *Table) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### `%s` (schema version %d)\n\n%s\n\n", t.Name, t.Version, t.Doc)
	b.WriteString("| column | type | null | meaning |\n|---|---|---|---|\n")
	for _, c := range t.Columns {
		null := "yes"
		if c.Required {
			null = "no"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", c.Name, c.Type, null, strings.ReplaceAll(c.Doc, "|", `\|`))
	}
	return b.String()
}

// DayColumn is the column of the table's day(<column>) partition, or "".
func (t *Table) DayColumn() string {
	for _, p := range t.Partitions {
		if c, ok := strings.CutPrefix(p, "day("); ok {
			return strings.TrimSuffix(c, ")")
		}
	}
	return ""
}
