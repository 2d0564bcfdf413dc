// Package policy reads the compliance policy file (YAML) that the report's
// detections check the lake against, and loads it into DuckDB tables the
// detection SQL (queries/detections/*.sql) reads.
//
// The file:
//
//	profiles:                       # allowed tables and columns per Studio profile (none: not checked)
//	  data-scientist-limited:
//	    tables:
//	      amazon_reviews_db.amazon_reviews_parquet: [product_id, star_rating]
//	      tpc.dl_tpc_item: "*"      # every column
//	sensitive:                      # columns whose reads and grants are findings
//	  amazon_reviews_db.amazon_reviews_parquet: [customer_id, review_id]
//	data_buckets:                   # buckets that accept traffic only through these endpoints
//	  - bucket: amazon-reviews-lake-111122223333
//	    vpc_endpoints: [vpce-0a1b2c3d4e5f60001]
//	sagemaker:
//	  require_vpc: true
//	  require_kms: true
//	  approved_instance_types: [ml.m5.xlarge, ml.t3.medium]
//	require_source_identity: true   # data access must be attributable to a profile
//	denied_burst: {count: 5, window: 10m}
//	first_access_lookback: 30d
//
// Errors name the file, the line and the problem, e.g.
// "policy.yaml:12: sagemaker.approved_instance_types: want a list of strings".
package policy

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Policy is a parsed policy file.
type Policy struct {
	// Profiles maps a Studio profile to the tables ("db.table") it may
	// read and, per table, the columns (nil: every column).
	Profiles map[string]map[string][]string
	// Sensitive maps "db.table" to its sensitive columns.
	Sensitive map[string][]string
	// DataBuckets are the buckets whose traffic must come through one of
	// the approved VPC endpoints.
	DataBuckets []Bucket
	SageMaker   SageMaker
	// RequireSourceIdentity makes data access without a Studio profile a finding.
	RequireSourceIdentity bool
	// DeniedBurst: Count denied calls by one principal within Window.
	DeniedBurst Burst
	// FirstAccessLookback: a profile reading a table it has not read in
	// this long is a finding.
	FirstAccessLookback time.Duration
}

// Bucket is a data bucket and its approved VPC endpoints.
type Bucket struct {
	Bucket       string
	VPCEndpoints []string
}

// SageMaker holds the requirements for SageMaker jobs and notebooks.
type SageMaker struct {
	RequireVPC            bool
	RequireKMS            bool
	ApprovedInstanceTypes []string // empty: any type
}

// Burst is the denied-burst threshold.
type Burst struct {
	Count  int
	Window time.Duration
}

// Default returns the policy used when a file leaves a setting out.
func Default() *Policy {
	return &Policy{
		Profiles:            map[string]map[string][]string{},
		Sensitive:           map[string][]string{},
		DeniedBurst:         Burst{Count: 5, Window: 10 * time.Minute},
		FirstAccessLookback: 30 * 24 * time.Hour,
	}
}

// Load reads and parses a policy file.
func Load(path string) (*Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return Parse(b, filepath.Base(path))
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

type parser struct{ name string }

func (p *parser) errf(n *yaml.Node, key, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s: %s", p.name, n.Line, key, fmt.Sprintf(format, args...))
}

// Parse parses a policy; name is used in error messages.
func Parse(b []byte, name string) (*Policy, error) {
	p := &parser{name: name}
	pol := Default()
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			return nil, fmt.Errorf("%s:%s: %s", name, m[1], m[2])
		}
		return nil, fmt.Errorf("%s: %s", name, msg)
	}
	if len(doc.Content) == 0 {
		return pol, nil // empty file: defaults
	}
	root := doc.Content[0]
	err := p.mapping(root, "policy", func(k string, kn, v *yaml.Node) error {
		var err error
		switch k {
		case "profiles":
			err = p.mapping(v, k, func(prof string, pn, pv *yaml.Node) error {
				key := k + "." + prof
				tables := map[string][]string{}
				if err := p.mapping(pv, key, func(f string, fn, fv *yaml.Node) error {
					if f != "tables" {
						return p.errf(fn, key+"."+f, "unknown key")
					}
					return p.tables(fv, key+".tables", tables, true)
				}); err != nil {
					return err
				}
				pol.Profiles[prof] = tables
				return nil
			})
		case "sensitive":
			err = p.tables(v, k, pol.Sensitive, false)
		case "data_buckets":
			if v.Kind != yaml.SequenceNode {
				return p.errf(v, k, "want a list of {bucket, vpc_endpoints}")
			}
			for i, item := range v.Content {
				key := fmt.Sprintf("%s[%d]", k, i)
				var bk Bucket
				if err := p.mapping(item, key, func(f string, fn, fv *yaml.Node) error {
					switch f {
					case "bucket":
						s, err := p.str(fv, key+".bucket")
						if err == nil && s == "" {
							err = p.errf(fv, key+".bucket", "empty bucket name")
						}
						bk.Bucket = s
						return err
					case "vpc_endpoints":
						l, err := p.strs(fv, key+".vpc_endpoints")
						for _, e := range l {
							if err == nil && !strings.HasPrefix(e, "vpce-") {
								err = p.errf(fv, key+".vpc_endpoints", "%q is not a VPC endpoint id (vpce-…)", e)
							}
						}
						bk.VPCEndpoints = l
						return err
					}
					return p.errf(fn, key+"."+f, "unknown key")
				}); err != nil {
					return err
				}
				if bk.Bucket == "" {
					return p.errf(item, key, "missing bucket")
				}
				pol.DataBuckets = append(pol.DataBuckets, bk)
			}
		case "sagemaker":
			err = p.mapping(v, k, func(f string, fn, fv *yaml.Node) error {
				key := k + "." + f
				switch f {
				case "require_vpc":
					return p.bool(fv, key, &pol.SageMaker.RequireVPC)
				case "require_kms":
					return p.bool(fv, key, &pol.SageMaker.RequireKMS)
				case "approved_instance_types":
					l, err := p.strs(fv, key)
					pol.SageMaker.ApprovedInstanceTypes = l
					return err
				}
				return p.errf(fn, key, "unknown key")
			})
		case "require_source_identity":
			err = p.bool(v, k, &pol.RequireSourceIdentity)
		case "denied_burst":
			err = p.mapping(v, k, func(f string, fn, fv *yaml.Node) error {
				key := k + "." + f
				switch f {
				case "count":
					n, err := strconv.Atoi(fv.Value)
					if fv.Kind != yaml.ScalarNode || err != nil || n < 1 {
						return p.errf(fv, key, "want a whole number ≥ 1")
					}
					pol.DeniedBurst.Count = n
					return nil
				case "window":
					return p.duration(fv, key, &pol.DeniedBurst.Window)
				}
				return p.errf(fn, key, "unknown key")
			})
		case "first_access_lookback":
			err = p.duration(v, k, &pol.FirstAccessLookback)
		default:
			err = p.errf(kn, k, "unknown key")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return pol, nil
}

// mapping walks a mapping node, rejecting duplicate keys.
func (p *parser) mapping(n *yaml.Node, key string, f func(k string, kn, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil
		}
		return p.errf(n, key, "want a mapping")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, v := n.Content[i], n.Content[i+1]
		if kn.Kind != yaml.ScalarNode {
			return p.errf(kn, key, "want a string key")
		}
		if seen[kn.Value] {
			return p.errf(kn, key+"."+kn.Value, "duplicate key")
		}
		seen[kn.Value] = true
		if err := f(kn.Value, kn, v); err != nil {
			return err
		}
	}
	return nil
}

// tables reads {"db.table": [cols]} (or "*" when star is allowed).
func (p *parser) tables(n *yaml.Node, key string, out map[string][]string, star bool) error {
	return p.mapping(n, key, func(t string, tn, tv *yaml.Node) error {
		tkey := key + "." + t
		db, table, ok := strings.Cut(t, ".")
		if !ok || db == "" || table == "" || strings.Contains(table, ".") || strings.ContainsAny(t, " \t*") {
			return p.errf(tn, tkey, "want a table name \"database.table\"")
		}
		t = strings.ToLower(t)
		if star && tv.Kind == yaml.ScalarNode && tv.Value == "*" {
			out[t] = nil
			return nil
		}
		cols, err := p.strs(tv, tkey)
		if err != nil {
			if star {
				return p.errf(tv, tkey, "want a list of column names or \"*\"")
			}
			return err
		}
		for i, c := range cols {
			if c == "" || c == "*" {
				return p.errf(tv, tkey, "bad column name %q", c)
			}
			cols[i] = strings.ToLower(c)
		}
		if cols == nil {
			cols = []string{}
		}
		out[t] = cols
		return nil
	})
}

func (p *parser) str(n *yaml.Node, key string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return "", p.errf(n, key, "want a string")
	}
	return n.Value, nil
}

func (p *parser) strs(n *yaml.Node, key string) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, key, "want a list of strings")
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode || c.Tag != "!!str" {
			return nil, p.errf(c, key, "want a list of strings")
		}
		out = append(out, c.Value)
	}
	return out, nil
}

func (p *parser) bool(n *yaml.Node, key string, out *bool) error {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		return p.errf(n, key, "want true or false")
	}
	*out = n.Value == "true" || n.Value == "True" || n.Value == "TRUE"
	return nil
}

func (p *parser) duration(n *yaml.Node, key string, out *time.Duration) error {
	d, err := ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || d <= 0 {
		return p.errf(n, key, "want a positive duration such as 10m, 12h or 30d, got %q", n.Value)
	}
	*out = d
	return nil
}

// ParseDuration is time.ParseDuration plus whole days ("30d").
func ParseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// Load creates the policy tables in db (replacing earlier ones):
//
//	policy_profiles(profile)
//	policy_profile_tables(profile, database_name, table_name, column_name)  column_name NULL: every column
//	policy_sensitive(database_name, table_name, column_name)
//	policy_buckets(bucket, vpc_endpoint_id)                                  vpc_endpoint_id NULL: none approved
//	policy_instance_types(instance_type)
//	policy_settings(require_vpc, require_kms, require_source_identity,
//	                denied_burst_count, denied_burst_window, first_access_lookback)  one row; INTERVALs
func (p *Policy) Load(ctx context.Context, db *sql.DB) error {
	for _, ddl := range []string{
		`CREATE OR REPLACE TABLE policy_profiles (profile VARCHAR)`,
		`CREATE OR REPLACE TABLE policy_profile_tables (profile VARCHAR, database_name VARCHAR, table_name VARCHAR, column_name VARCHAR)`,
		`CREATE OR REPLACE TABLE policy_sensitive (database_name VARCHAR, table_name VARCHAR, column_name VARCHAR)`,
		`CREATE OR REPLACE TABLE policy_buckets (bucket VARCHAR, vpc_endpoint_id VARCHAR)`,
		`CREATE OR REPLACE TABLE policy_instance_types (instance_type VARCHAR)`,
		`CREATE OR REPLACE TABLE policy_settings (require_vpc BOOLEAN, require_kms BOOLEAN, require_source_identity BOOLEAN,
			denied_burst_count INTEGER, denied_burst_window INTERVAL, first_access_lookback INTERVAL)`,
	} {
		if _, err := db.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("policy tables: %w", err)
		}
	}
	ins := func(q string, args ...any) error {
		_, err := db.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("policy tables: %w", err)
		}
		return nil
	}
	for _, prof := range sortedKeys(p.Profiles) {
		if err := ins(`INSERT INTO policy_profiles VALUES (?)`, prof); err != nil {
			return err
		}
		for _, t := range sortedKeys(p.Profiles[prof]) {
			db_, table, _ := strings.Cut(t, ".")
			cols := p.Profiles[prof][t]
			if cols == nil {
				if err := ins(`INSERT INTO policy_profile_tables VALUES (?, ?, ?, NULL)`, prof, db_, table); err != nil {
					return err
				}
			}
			for _, c := range cols {
				if err := ins(`INSERT INTO policy_profile_tables VALUES (?, ?, ?, ?)`, prof, db_, table, c); err != nil {
					return err
				}
			}
		}
	}
	for _, t := range sortedKeys(p.Sensitive) {
		db_, table, _ := strings.Cut(t, ".")
		for _, c := range p.Sensitive[t] {
			if err := ins(`INSERT INTO policy_sensitive VALUES (?, ?, ?)`, db_, table, c); err != nil {
				return err
			}
		}
	}
	for _, b := range p.DataBuckets {
		if len(b.VPCEndpoints) == 0 {
			if err := ins(`INSERT INTO policy_buckets VALUES (?, NULL)`, b.Bucket); err != nil {
				return err
			}
		}
		for _, e := range b.VPCEndpoints {
			if err := ins(`INSERT INTO policy_buckets VALUES (?, ?)`, b.Bucket, e); err != nil {
				return err
			}
		}
	}
	for _, t := range p.SageMaker.ApprovedInstanceTypes {
		if err := ins(`INSERT INTO policy_instance_types VALUES (?)`, t); err != nil {
			return err
		}
	}
	return ins(`INSERT INTO policy_settings VALUES (?, ?, ?, ?, to_microseconds(?::BIGINT), to_microseconds(?::BIGINT))`,
		p.SageMaker.RequireVPC, p.SageMaker.RequireKMS, p.RequireSourceIdentity, p.DeniedBurst.Count,
		p.DeniedBurst.Window.Microseconds(), p.FirstAccessLookback.Microseconds())
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
