package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// GlueSource is the CloudTrail eventSource of the Glue Data Catalog.
const GlueSource = "glue.amazonaws.com"

// Catalog is a time-indexed set of table schemas. Each table has a
// timeline of versions ordered by time: a version is valid from its From
// until the next version's From (or until the table was deleted), and
// versions may be added in any order. Tables handed out are never modified
// afterwards; a later change produces new *Table values. A Catalog is safe
// for concurrent use.
type Catalog struct {
	mu      sync.RWMutex
	entries map[string][]entry // table key → changes, ordered by (at, seq)
	seq     int

	// derived from entries
	versions map[string][]*Table // table key → versions ordered by From
	buckets  map[string][]located
}

// entry is one change to a table: a schema from a file or an event, or a
// deletion (table == nil).
type entry struct {
	key    string // Key(database, name)
	at     time.Time
	seq    int
	table  *Table // nil: deleted; From/To unset
	source string
}

// located is a table version stored under an S3 prefix.
type located struct {
	prefix string // key prefix without trailing slash; "" = whole bucket
	t      *Table
}

// New returns an empty catalog.
func New() *Catalog {
	return &Catalog{
		entries:  map[string][]entry{},
		versions: map[string][]*Table{},
		buckets:  map[string][]located{},
	}
}

// LoadFile loads the JSON output of `aws glue get-tables` or
// `aws glue get-table` from a file.
func (c *Catalog) LoadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return c.Load(f, path)
}

// Load reads the JSON output of `aws glue get-tables` ({"TableList":[…]})
// or `aws glue get-table` ({"Table":{…}}); several documents may follow
// each other (for example pages of get-tables). source names the input in
// errors. Each table is valid from its CreateTime (the zero time when
// absent) until a later version replaces it.
func (c *Catalog) Load(r io.Reader, source string) error {
	dec := json.NewDecoder(r)
	var add []entry
	for n := 0; ; n++ {
		var doc struct {
			TableList []glueTable
			Table     *glueTable
		}
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			if n == 0 {
				return fmt.Errorf("%s: empty input, want aws glue get-tables or get-table JSON", source)
			}
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
		tables := doc.TableList
		if doc.Table != nil {
			tables = append(tables, *doc.Table)
		}
		if len(tables) == 0 && doc.TableList == nil {
			return fmt.Errorf("%s: no TableList or Table member, want aws glue get-tables or get-table JSON", source)
		}
		for i, gt := range tables {
			t, err := gt.table()
			if err != nil {
				return fmt.Errorf("%s: table %d: %w", source, i, err)
			}
			add = append(add, entry{key: Key(t.Database, t.Name), at: time.Time(gt.CreateTime).UTC(), table: t, source: source})
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range add {
		c.insert(e)
	}
	c.rebuild()
	return nil
}

// ApplyEvent applies one CloudTrail event: successful Glue CreateTable,
// UpdateTable, DeleteTable and BatchDeleteTable calls change the catalog
// at time at; failed calls and other events are ignored. The parameters
// are CloudTrail's requestParameters (camelCase JSON text). Events may
// arrive in any order. An error means a relevant event could not be read.
func (c *Catalog) ApplyEvent(eventSource, eventName string, at time.Time, outcome, requestParameters string) error {
	if eventSource != GlueSource || outcome != "success" {
		return nil
	}
	var add []entry
	src := eventName + "@" + at.UTC().Format(time.RFC3339)
	switch eventName {
	case "CreateTable", "UpdateTable":
		var p struct {
			DatabaseName string
			TableInput   *glueTable
		}
		if err := json.Unmarshal([]byte(requestParameters), &p); err != nil {
			return fmt.Errorf("glue %s: requestParameters: %w", eventName, err)
		}
		if p.TableInput == nil {
			return fmt.Errorf("glue %s: requestParameters have no tableInput", eventName)
		}
		p.TableInput.DatabaseName = p.DatabaseName
		t, err := p.TableInput.table()
		if err != nil {
			return fmt.Errorf("glue %s: %w", eventName, err)
		}
		add = append(add, entry{key: Key(t.Database, t.Name), at: at.UTC(), table: t, source: src})
	case "DeleteTable":
		var p struct{ DatabaseName, Name string }
		if err := json.Unmarshal([]byte(requestParameters), &p); err != nil {
			return fmt.Errorf("glue %s: requestParameters: %w", eventName, err)
		}
		if p.DatabaseName == "" || p.Name == "" {
			return fmt.Errorf("glue %s: requestParameters need databaseName and name", eventName)
		}
		add = append(add, entry{key: Key(p.DatabaseName, p.Name), at: at.UTC(), source: src})
	case "BatchDeleteTable":
		var p struct {
			DatabaseName   string
			TablesToDelete []string
		}
		if err := json.Unmarshal([]byte(requestParameters), &p); err != nil {
			return fmt.Errorf("glue %s: requestParameters: %w", eventName, err)
		}
		if p.DatabaseName == "" {
			return fmt.Errorf("glue %s: requestParameters need databaseName", eventName)
		}
		for _, n := range p.TablesToDelete {
			if n != "" {
				add = append(add, entry{key: Key(p.DatabaseName, n), at: at.UTC(), source: src})
			}
		}
	default:
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range add {
		c.insert(e)
	}
	c.rebuild()
	return nil
}

// insert adds e to its table's timeline; the caller holds the write lock.
// A change identical to one already recorded at the same time is dropped,
// so loading a file or applying an event twice changes nothing; different
// changes at the same time apply in arrival order (the later one wins).
func (c *Catalog) insert(e entry) {
	list := c.entries[e.key]
	i := sort.Search(len(list), func(i int) bool { return list[i].at.After(e.at) })
	for j := i - 1; j >= 0 && list[j].at.Equal(e.at); j-- {
		if sameSchema(list[j].table, e.table) {
			return
		}
	}
	c.seq++
	e.seq = c.seq
	list = append(list, entry{})
	copy(list[i+1:], list[i:])
	list[i] = e
	c.entries[e.key] = list
}

func sameSchema(a, b *Table) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return reflect.DeepEqual(a, b)
}

// rebuild derives versions and the location index from entries; the
// caller holds the write lock. Published tables are never mutated: every
// rebuild makes new values.
func (c *Catalog) rebuild() {
	c.versions = make(map[string][]*Table, len(c.entries))
	c.buckets = map[string][]located{}
	for key, list := range c.entries {
		var vs []*Table
		for i, e := range list {
			if e.table == nil {
				continue
			}
			t := *e.table
			t.Columns = append([]Column(nil), e.table.Columns...)
			t.PartitionKeys = append([]Column(nil), e.table.PartitionKeys...)
			t.From = e.at
			if i+1 < len(list) {
				t.To = list[i+1].at
			}
			if !t.To.IsZero() && !t.To.After(t.From) {
				continue // replaced at the same instant: never in force
			}
			vs = append(vs, &t)
			if b, p, ok := splitS3(t.Location); ok {
				c.buckets[b] = append(c.buckets[b], located{prefix: p, t: &t})
			}
		}
		if len(vs) > 0 {
			c.versions[key] = vs
		}
	}
	for b, ls := range c.buckets {
		sort.SliceStable(ls, func(i, j int) bool {
			if len(ls[i].prefix) != len(ls[j].prefix) {
				return len(ls[i].prefix) > len(ls[j].prefix)
			}
			ki, kj := Key(ls[i].t.Database, ls[i].t.Name), Key(ls[j].t.Database, ls[j].t.Name)
			if ki != kj {
				return ki < kj
			}
			return ls[i].t.From.Before(ls[j].t.From)
		})
		c.buckets[b] = ls
	}
}

// At returns the version of database.name valid at time at. Names match
// case-insensitively.
func (c *Catalog) At(database, name string, at time.Time) (*Table, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	vs := c.versions[Key(database, name)]
	i := sort.Search(len(vs), func(i int) bool { return vs[i].From.After(at) }) - 1
	if i >= 0 && vs[i].ValidAt(at) {
		return vs[i], true
	}
	return nil, false
}

// Current returns the latest version of database.name, unless the table
// has been deleted since.
func (c *Catalog) Current(database, name string) (*Table, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	vs := c.versions[Key(database, name)]
	if len(vs) == 0 || !vs[len(vs)-1].To.IsZero() {
		return nil, false
	}
	return vs[len(vs)-1], true
}

// Tables lists every table valid at time at, ordered by database and name.
func (c *Catalog) Tables(at time.Time) []*Table {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*Table
	for _, vs := range c.versions {
		for _, t := range vs {
			if t.ValidAt(at) {
				out = append(out, t)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return Key(out[i].Database, out[i].Name) < Key(out[j].Database, out[j].Name)
	})
	return out
}

// Versions lists every version of every table, ordered by database, name
// and From.
func (c *Catalog) Versions() []*Table {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*Table
	for _, vs := range c.versions {
		out = append(out, vs...)
	}
	sort.Slice(out, func(i, j int) bool {
		ki, kj := Key(out[i].Database, out[i].Name), Key(out[j].Database, out[j].Name)
		if ki != kj {
			return ki < kj
		}
		return out[i].From.Before(out[j].From)
	})
	return out
}

// ByLocation returns the table valid at time at whose Location is the
// longest prefix of s3://bucket/key, matching whole path segments
// (s3://b/data/ holds s3://b/data/x but not s3://b/data2/x). key is the
// decoded object key. It tells which table a direct S3 read touched.
func (c *Catalog) ByLocation(bucket, key string, at time.Time) (*Table, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	key = strings.TrimPrefix(key, "/")
	for _, l := range c.buckets[strings.ToLower(bucket)] {
		if !l.t.ValidAt(at) {
			continue
		}
		if l.prefix == "" || key == l.prefix || strings.HasPrefix(key, l.prefix+"/") {
			return l.t, true
		}
	}
	return nil, false
}

// splitS3 splits an s3://, s3a:// or s3n:// location into its bucket
// (lower case) and key prefix without the trailing slash.
func splitS3(loc string) (bucket, prefix string, ok bool) {
	loc = strings.TrimSpace(loc)
	for _, scheme := range []string{"s3://", "s3a://", "s3n://"} {
		if len(loc) > len(scheme) && strings.EqualFold(loc[:len(scheme)], scheme) {
			rest := loc[len(scheme):]
			bucket, prefix, _ = strings.Cut(rest, "/")
			if bucket == "" {
				return "", "", false
			}
			return strings.ToLower(bucket), strings.TrimRight(prefix, "/"), true
		}
	}
	return "", "", false
}

// glueTable is a Glue Table as the CLI prints it (PascalCase) and as
// CloudTrail logs a TableInput (camelCase); encoding/json matches member
// names case-insensitively, so one shape reads both.
type glueTable struct {
	Name              string
	DatabaseName      string
	CreateTime        flexTime
	StorageDescriptor *struct {
		Columns  []glueColumn
		Location string
	}
	PartitionKeys []glueColumn
}

type glueColumn struct{ Name, Type string }

func (g *glueTable) table() (*Table, error) {
	if g.Name == "" || g.DatabaseName == "" {
		return nil, fmt.Errorf("table needs a database name and a name (got %q.%q)", g.DatabaseName, g.Name)
	}
	t := &Table{Database: strings.ToLower(g.DatabaseName), Name: strings.ToLower(g.Name)}
	if sd := g.StorageDescriptor; sd != nil {
		t.Location = sd.Location
		for _, col := range sd.Columns {
			t.Columns = append(t.Columns, Column(col))
		}
	}
	for _, col := range g.PartitionKeys {
		t.PartitionKeys = append(t.PartitionKeys, Column(col))
	}
	return t, nil
}

// flexTime reads the timestamps the AWS CLI and SDKs print: ISO 8601 with
// a 'T' or a space, with or without fractions, or epoch seconds.
type flexTime time.Time

func (f *flexTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	t, err := ParseTime(s)
	if err != nil {
		return err
	}
	*f = flexTime(t)
	return nil
}

// ParseTime reads a timestamp as the AWS CLI and SDKs print it
// (RFC 3339, "2006-01-02 15:04:05+00:00", with or without fractions or a
// zone, or epoch seconds). The result is in UTC; "" is the zero time.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if sec, err := strconv.ParseFloat(s, 64); err == nil {
		whole := int64(sec)
		return time.Unix(whole, int64((sec-float64(whole))*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("bad timestamp %q", s)
}
