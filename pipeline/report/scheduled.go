package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/policy"
	"github.com/auditlake/auditlake/pipeline/store"
)

// ScheduledOptions configure the scheduled run of lambda/report.
type ScheduledOptions struct {
	Options // Lake, GlueDatabase, BuildMemoryLimit; Catalog and Grants as local paths, if any
	// Policy is the policy file, a local path or s3://bucket/key (empty:
	// the built-in defaults).
	Policy string
	// CatalogFrom and GrantsFrom are where the catalog (aws glue
	// get-tables JSON) and the Lake Formation state (list-permissions,
	// list-data-cells-filter, the LF-Tag listings: see grants.Set.Load)
	// files live: an s3://bucket/prefix or a local folder (empty: none).
	// Every .json object below is read.
	CatalogFrom, GrantsFrom string
	// Alert says where the alert state lives (required) and where new
	// findings go (webhook, SNS topic).
	Alert AlertOptions
	// ReportsTo is where the daily compliance report is written, as
	// compliance/YYYY-MM-DD.html and .json: an s3://bucket/prefix or a
	// local folder (empty: no report).
	ReportsTo string
	// ComplianceDay is the day the compliance report covers (YYYY-MM-DD,
	// UTC; empty: yesterday). A day whose reports exist is not written
	// again.
	ComplianceDay string
	// Now is the time of the run (zero: time.Now).
	Now time.Time
}

// ScheduledResult says what a scheduled run did.
type ScheduledResult struct {
	Build    string   `json:"build"`        // the derived tables' build id
	Rebuilt  int      `json:"days_rebuilt"` // days the build rebuilt (most of any table)
	Findings int      `json:"findings"`
	New      int      `json:"new_findings"` // findings alerted for the first time
	Reports  []string `json:"reports,omitempty"`
	Day      string   `json:"compliance_day,omitempty"`
}

// RunScheduled is the scheduled job: it builds the derived tables for
// what changed, sends the findings not sent before (Alert), and writes
// the day's compliance report as HTML and JSON once. The alert state is
// saved only after every destination got the new findings, so a failed
// run is redone whole by the next one without sending anything twice.
func RunScheduled(ctx context.Context, opt ScheduledOptions) (*ScheduledResult, error) {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	day := opt.ComplianceDay
	if day == "" {
		day = now.UTC().AddDate(0, 0, -1).Format("2006-01-02")
	}
	from, err := time.Parse("2006-01-02", day)
	if err != nil {
		return nil, fmt.Errorf("compliance day %q: want YYYY-MM-DD", day)
	}
	if opt.Alert.State == "" {
		return nil, errors.New("no alert state location")
	}
	tmp, err := os.MkdirTemp("", "auditlake-scheduled-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	for _, src := range []struct {
		from string
		dst  *[]string
		name string
	}{{opt.CatalogFrom, &opt.Catalog, "catalog"}, {opt.GrantsFrom, &opt.Grants, "grants"}} {
		if src.from == "" {
			continue
		}
		dir := filepath.Join(tmp, src.name)
		if err := fetchJSON(ctx, src.from, dir); err != nil {
			return nil, fmt.Errorf("%s %s: %w", src.name, src.from, err)
		}
		*src.dst = append(*src.dst, dir)
	}
	pol := policy.Default()
	if opt.Policy != "" {
		b, err := readLocation(ctx, opt.Policy)
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		if pol, err = policy.Parse(b, opt.Policy); err != nil {
			return nil, err
		}
	}

	r, err := Open(ctx, opt.Options)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	res := &ScheduledResult{Day: day}
	if r.Chain.State != nil {
		res.Build = r.Chain.State.ID
	}
	for _, n := range r.Chain.Rebuilt {
		res.Rebuilt = max(res.Rebuilt, n)
	}
	if err := r.LoadPolicy(ctx, pol); err != nil {
		return res, err
	}
	a, err := r.Alert(ctx, opt.Alert)
	res.Findings, res.New = a.Findings, a.New
	if err != nil {
		return res, err
	}
	if opt.ReportsTo == "" {
		return res, nil
	}
	st, prefix, err := openOutput(ctx, opt.ReportsTo)
	if err != nil {
		return res, err
	}
	// JSON first, HTML last: the HTML's presence marks the day as done.
	var todo []string
	for _, format := range []string{"json", "html"} {
		key := path.Join(prefix, "compliance", day+"."+format)
		if _, err := st.Stat(ctx, key); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotExist) {
			return res, err
		}
		todo = append(todo, format)
	}
	for _, format := range todo {
		var buf bytes.Buffer
		if err := r.Compliance(ctx, from, from.AddDate(0, 0, 1), &buf, format); err != nil {
			return res, err
		}
		key := path.Join(prefix, "compliance", day+"."+format)
		if err := st.Put(ctx, key, buf.Bytes()); err != nil {
			return res, err
		}
		res.Reports = append(res.Reports, st.Location(key))
	}
	return res, nil
}

// openOutput opens a folder (created) or an s3:// prefix to write into.
func openOutput(ctx context.Context, loc string) (store.Store, string, error) {
	if store.IsS3(loc) {
		return store.Open(ctx, loc)
	}
	d, err := store.NewDir(loc)
	return d, "", err
}

// readLocation reads one small file: a local path or s3://bucket/key.
func readLocation(ctx context.Context, loc string) ([]byte, error) {
	if !store.IsS3(loc) {
		return os.ReadFile(loc)
	}
	st, key, err := store.Open(ctx, loc)
	if err != nil {
		return nil, err
	}
	return store.ReadAll(ctx, st, key)
}

// fetchJSON copies the .json objects below loc into dir. Names are the
// objects' keys with '/' replaced, so that a key never shapes a path
// outside dir.
func fetchJSON(ctx context.Context, loc, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	st, prefix, err := store.Open(ctx, loc)
	if err != nil {
		return err
	}
	var keys []string
	if err := st.List(ctx, prefix, func(o store.Object) error {
		if o.Skip == "" && strings.HasSuffix(o.Key, ".json") {
			keys = append(keys, o.Key)
		}
		return nil
	}); err != nil {
		return err
	}
	if len(keys) == 0 {
		return errors.New("no .json files there")
	}
	for i, k := range keys {
		b, err := store.ReadAll(ctx, st, k)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("%04d-%s", i, safeSegment(strings.ReplaceAll(k, "/", "_")))
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
