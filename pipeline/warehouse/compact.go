package warehouse

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/auditlake/auditlake/pipeline/internal/failpoint"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/progress"
	"github.com/auditlake/auditlake/schemas"
)

// compactedDay is the snapshot summary property of a compaction's commit.
const compactedDay = "auditlake.compacted-day"

// DefaultRetention is how long replaced snapshots (and the files only they
// reference) are kept, so that --as-of reproduces reports that long.
const DefaultRetention = 7 * 24 * time.Hour

// CompactOptions select what Compact rewrites.
type CompactOptions struct {
	Days   []string  // only these days (YYYY-MM-DD); none: every day since Since
	Since  time.Time // with no Days: days from this one on (zero: all)
	Before time.Time // with no Days: only days before this one (zero: no bound): the closed days
	Target int64     // bytes per output file (0: lake.CompactTarget)
	Force  bool      // rewrite days that already are one sorted set of files
	// MinFiles, when set, leaves alone days with fewer data files (the
	// commit function compacts an open day once per-object files pile up).
	MinFiles int
	// Progress, when set, is told the files to rewrite and each day done.
	Progress progress.Meter
}

// DayResult is what compaction did to one day of one table.
type DayResult struct {
	Table    string
	Day      string
	Before   int // files
	After    int
	Stats    lake.CompactStats
	Snapshot int64
	Skipped  string // why the day was left as it is
}

// Compact rewrites, for each selected day of the table, its data files
// into few sorted files of about 256 MB without duplicate keys, and
// commits the replacement as one snapshot per day: readers see either the
// old files or the new ones, never both. Days whose files are one sorted
// set already (one file, or the files of one ingest run's or compaction's
// write: lake.SortedSet) and hold no possible duplicates are left alone.
func (w *Warehouse) Compact(ctx context.Context, name string, opt CompactOptions) ([]DayResult, error) {
	t, err := w.Table(ctx, name)
	if errors.Is(err, catalog.ErrNoSuchTable) {
		return nil, nil // nothing ingested into it yet
	}
	if err != nil {
		return nil, err
	}
	snap := t.CurrentSnapshot()
	if snap == nil {
		return nil, nil
	}
	files, err := w.files(ctx, t, snap.SnapshotID, nil)
	if err != nil {
		return nil, err
	}
	byDay := map[string][]File{}
	var days []string
	for _, f := range files {
		if byDay[f.Day] == nil {
			days = append(days, f.Day)
		}
		byDay[f.Day] = append(byDay[f.Day], f)
	}
	want := map[string]bool{}
	for _, d := range opt.Days {
		want[d] = true
	}
	unchecked := map[string]bool{}
	for _, d := range uncheckedDays(t) {
		unchecked[d] = true
	}
	var picked []DayResult // the days selected, Skipped set for those left alone
	var nfiles, size int64
	for _, day := range days {
		if len(want) > 0 && !want[day] {
			continue
		}
		if len(want) == 0 && !opt.Since.IsZero() && day < opt.Since.UTC().Format("2006-01-02") {
			continue
		}
		if len(want) == 0 && !opt.Before.IsZero() && day >= opt.Before.UTC().Format("2006-01-02") {
			continue
		}
		res := DayResult{Table: name, Day: day, Before: len(byDay[day]), After: len(byDay[day])}
		if opt.MinFiles > 0 && len(byDay[day]) < opt.MinFiles {
			continue
		}
		if !unchecked[day] && !opt.Force && sortedSet(byDay[day]) {
			res.Skipped = "sorted already"
		} else {
			nfiles += int64(len(byDay[day]))
			size += daySize(byDay[day])
		}
		picked = append(picked, res)
	}
	progress.Plan(opt.Progress, int(nfiles), size)
	var out []DayResult
	for _, res := range picked {
		if res.Skipped != "" {
			out = append(out, res)
			continue
		}
		day := res.Day
		r, err := w.compactDay(ctx, name, day, byDay[day], opt.Target)
		progress.Done(opt.Progress, len(byDay[day]), daySize(byDay[day]), name+" "+day)
		if errors.Is(err, lake.ErrDayUnsupported) {
			res.Skipped = err.Error()
			out = append(out, res)
			continue
		}
		if err != nil {
			return out, fmt.Errorf("%s %s: %w", name, day, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// daySize is the bytes of a day's data files.
func daySize(files []File) int64 {
	var n int64
	for _, f := range files {
		n += f.Size
	}
	return n
}

func (w *Warehouse) compactDay(ctx context.Context, name, day string, inputs []File, target int64) (DayResult, error) {
	res := DayResult{Table: name, Day: day, Before: len(inputs)}
	keys := make([]string, len(inputs))
	for i, f := range inputs {
		if f.Key == "" {
			return res, fmt.Errorf("data file %s is outside the lake", f.URI)
		}
		keys[i] = f.Key
	}
	var written []lake.DataFile
	var err error
	switch name {
	case lake.Events.Name:
		written, res.Stats, err = lake.Compact(ctx, w.st, lake.Events, day, keys, target)
	case lake.AthenaQueries.Name:
		written, res.Stats, err = lake.Compact(ctx, w.st, lake.AthenaQueries, day, keys, target)
	default:
		return res, fmt.Errorf("no row type for table %s", name)
	}
	if err != nil {
		return res, err
	}
	res.After = len(written)
	failpoint.Hit("compact-after-files")
	old := map[string]bool{}
	for _, f := range inputs {
		old[f.URI] = true
	}
	for attempt := 0; attempt < commitAttempts; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(50*attempt) * time.Millisecond)
		}
		t, err := w.Table(ctx, name)
		if err != nil {
			return res, err
		}
		now, err := w.files(ctx, t, t.CurrentSnapshot().SnapshotID, map[string]bool{day: true})
		if err != nil {
			return res, err
		}
		var del []iceberg.DataFile
		extra := false
		same := map[string]bool{} // an output with the bytes (so the name) of an input stays as it is
		for _, f := range written {
			if old[w.URI(f.Path)] {
				same[w.URI(f.Path)] = true
			}
		}
		kept := 0
		for _, f := range now {
			switch {
			case same[f.URI]:
				kept++
			case old[f.URI]:
				del = append(del, f.df)
			default:
				extra = true // committed meanwhile: stays, beside the compacted files
			}
		}
		if len(del)+kept != len(inputs) {
			return res, errors.New("the day's files changed under the compaction (another compaction?); run it again")
		}
		fs, err := t.FS(ctx)
		if err != nil {
			return res, err
		}
		add := make([]iceberg.DataFile, 0, len(written))
		for _, f := range written {
			if same[w.URI(f.Path)] {
				continue
			}
			df, err := table.FileToDataFile(ctx, fs, w.URI(f.Path), t.Schema(), t.Spec(), t.SortOrder().OrderID(), t.Properties())
			if err != nil {
				return res, err
			}
			add = append(add, df)
		}
		tx := t.NewTransaction()
		if !extra {
			// The day holds no duplicate keys any more.
			days := map[string]bool{}
			for _, d := range uncheckedDays(t) {
				days[d] = d != day
			}
			if err := tx.SetProperties(iceberg.Properties{lake.PropUncheckedDays: joinDays(days)}); err != nil {
				return res, err
			}
		}
		props := iceberg.Properties{compactedDay: day}
		if err := tx.ReplaceDataFilesWithDataFiles(ctx, del, add, props); err != nil {
			return res, err
		}
		nt, err := tx.Commit(ctx)
		if conflict(err) {
			continue
		}
		if err != nil {
			return res, err
		}
		res.Snapshot = nt.CurrentSnapshot().SnapshotID
		failpoint.Hit("compact-after-commit")
		return res, nil
	}
	return res, fmt.Errorf("gave up after %d conflicting commits", commitAttempts)
}

// MaintainResult is what Maintain did.
type MaintainResult struct {
	Commit  *CommitStats   `json:"commit"`
	Days    []DayResult    `json:"days"`
	Expired map[string]int `json:"expired"` // table → snapshots removed
}

// Maintain is the lake's upkeep, run by ingest compact and on a schedule
// by the commit function: it commits pending requests (so that compaction
// sees every row), compacts the selected days of every table, and expires
// snapshots older than retention (DefaultRetention unless told).
func (w *Warehouse) Maintain(ctx context.Context, opt CompactOptions, retention time.Duration) (*MaintainResult, error) {
	res := &MaintainResult{}
	var err error
	if res.Commit, err = w.CommitPending(ctx); err != nil {
		return res, fmt.Errorf("commit: %w", err)
	}
	for _, name := range Tables {
		days, err := w.Compact(ctx, name, opt)
		res.Days = append(res.Days, days...)
		if err != nil {
			return res, err
		}
	}
	if res.Expired, err = w.Expire(ctx, retention); err != nil {
		return res, fmt.Errorf("expire: %w", err)
	}
	return res, nil
}

// Expire removes the snapshots of every table older than retention (the
// current one is always kept), and with them the data and metadata files
// no kept snapshot references.
func (w *Warehouse) Expire(ctx context.Context, retention time.Duration) (map[string]int, error) {
	out := map[string]int{}
	for _, name := range append(append([]string(nil), Tables...), schemas.Derived()...) {
		t, err := w.Table(ctx, name)
		if errors.Is(err, catalog.ErrNoSuchTable) {
			continue
		}
		if err != nil {
			return out, err
		}
		before := len(t.Metadata().Snapshots())
		tx := t.NewTransaction()
		if err := tx.ExpireSnapshots(table.WithOlderThan(retention), table.WithRetainLast(1)); err != nil {
			return out, err
		}
		nt, err := tx.Commit(ctx)
		if err != nil {
			return out, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = before - len(nt.Metadata().Snapshots())
	}
	return out, nil
}

// sortedSet reports whether a day's files are one sorted set (lake.SortedSet).
func sortedSet(files []File) bool {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.URI
	}
	return lake.SortedSet(names)
}
