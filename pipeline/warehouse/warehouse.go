// Package warehouse keeps the lake's Apache Iceberg tables (format v2):
// it creates them from schemas/, turns the commit requests that ingest
// runs leave in the lake into one Iceberg commit per table, compacts a
// day's files, expires old snapshots, and lists the data files of a
// snapshot for readers.
//
// The catalog is the filesystem (Hadoop-style) catalog inside the lake:
// <lake>/auditlake/<table>/metadata/vN.metadata.json, the embedded
// default, on a local folder or an s3:// prefix (S3 gives the catalog no
// atomic rename: every commit is checked after it is written). With
// WithGlue the tables are registered in the AWS Glue Data Catalog instead,
// whose UpdateTable is the atomic compare-and-swap, so that Athena, EMR and
// Lake Formation see them; data and metadata files stay in the lake. The
// ingest side (package lake, the ingest Lambda) does not link this
// package: it writes data files and commit requests only.
package warehouse

import (
	"context"

	"errors"
	"fmt"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/catalog/glue"
	"github.com/apache/iceberg-go/catalog/hadoop"
	_ "github.com/apache/iceberg-go/io/gocloud/s3" // registers the s3:// file IO
	"github.com/apache/iceberg-go/table"

	"github.com/auditlake/auditlake/pipeline/internal/failpoint"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/store"
	"github.com/auditlake/auditlake/schemas"
)

// Warehouse is the set of Iceberg tables of one lake.
type Warehouse struct {
	loc string      // lake root: an absolute folder or s3://bucket/prefix
	st  store.Store // the same root, for commit requests and the ledger
	cat catalog.Catalog
	ns  string // Iceberg namespace: lake.Namespace, or the Glue database
	// verify: the catalog's commit is not atomic (the filesystem catalog
	// on S3), so each commit is checked after it is written.
	verify bool
}

// Option configures Open.
type Option func(*config)

type config struct {
	glueDatabase string
	awsConfig    *aws.Config
}

// WithGlue keeps the tables in the AWS Glue Data Catalog, in database db
// (created when missing), with the standard AWS configuration
// (AWS_ENDPOINT_URL_GLUE points it elsewhere), or cfg when given. The lake
// must be an s3:// location for Athena to read it.
func WithGlue(db string, cfg *aws.Config) Option {
	return func(c *config) { c.glueDatabase, c.awsConfig = db, cfg }
}

// Open opens the tables of the lake at loc (a folder or s3://bucket/prefix).
// Tables are created when first committed to.
func Open(ctx context.Context, loc string, opts ...Option) (*Warehouse, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	var st store.Store
	props := iceberg.Properties{}
	if store.IsS3(loc) {
		s, prefix, err := store.Open(ctx, loc)
		if err != nil {
			return nil, err
		}
		st = store.Sub(s, prefix)
		loc = strings.TrimRight(loc, "/")
		// S3 has no atomic rename-if-absent: the catalog is safe with one
		// committer at a time (lambda/commit has reserved concurrency 1).
		props["allow-unsafe-commits"] = "true"
		for _, env := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
			if v := os.Getenv(env); v != "" {
				props["s3.endpoint"] = v
				break
			}
		}
		if r := os.Getenv("AWS_REGION"); r != "" {
			props["s3.region"] = r
		}
	} else {
		abs, err := filepath.Abs(loc)
		if err != nil {
			return nil, err
		}
		d, err := store.NewDir(abs)
		if err != nil {
			return nil, err
		}
		st, loc = d, abs
	}
	if cfg.glueDatabase != "" {
		var awsCfg aws.Config
		if cfg.awsConfig != nil {
			awsCfg = *cfg.awsConfig
		} else {
			var err error
			if awsCfg, err = awsconfig.LoadDefaultConfig(ctx); err != nil {
				return nil, err
			}
		}
		gcat, err := glue.NewCatalog(glue.WithAwsConfig(awsCfg), glue.WithAwsProperties(glue.AwsProperties(props)))
		if err != nil {
			return nil, err
		}
		return &Warehouse{loc: loc, st: st, cat: gcat, ns: cfg.glueDatabase}, nil
	}
	cat, err := hadoop.NewCatalog("auditlake", loc, props)
	if err != nil {
		return nil, err
	}
	return &Warehouse{loc: loc, st: st, cat: cat, ns: lake.Namespace, verify: store.IsS3(loc)}, nil
}

// Store is the lake root as a store.
func (w *Warehouse) Store() store.Store { return w.st }

// Location is the lake root.
func (w *Warehouse) Location() string { return w.loc }

// URI is the absolute location of a key below the lake root, as Iceberg
// metadata records it.
func (w *Warehouse) URI(key string) string {
	if store.IsS3(w.loc) {
		return w.loc + "/" + key
	}
	return filepath.Join(w.loc, filepath.FromSlash(key))
}

// Key is the key below the lake root of a location Iceberg recorded, or ""
// when it is outside the lake.
func (w *Warehouse) Key(uri string) string {
	if strings.HasPrefix(uri, "file://") {
		if u, err := url.Parse(uri); err == nil {
			uri = u.Path
		}
	}
	root := w.loc + "/"
	if !store.IsS3(w.loc) {
		root = w.loc + string(filepath.Separator)
	}
	if !strings.HasPrefix(uri, root) {
		return ""
	}
	return filepath.ToSlash(strings.TrimPrefix(uri, root))
}

func (w *Warehouse) ident(name string) table.Identifier { return table.Identifier{w.ns, name} }

// Table loads a table, or returns catalog.ErrNoSuchTable.
func (w *Warehouse) Table(ctx context.Context, name string) (*table.Table, error) {
	return w.cat.LoadTable(ctx, w.ident(name))
}

// ensure loads a table, creating it from its schemas/ file when missing.
// Two committers creating a table at once race: the loser may find the
// winner's table folder before its first metadata file (the filesystem
// catalog on S3 is not atomic); it then waits for the file.
func (w *Warehouse) ensure(ctx context.Context, name string) (*table.Table, error) {
	var t *table.Table
	var err error
	for attempt := 0; attempt < 40; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
		t, err = w.ensureOnce(ctx, name)
		if err == nil || !(errors.Is(err, catalog.ErrNoSuchTable) || strings.Contains(err.Error(), "no metadata files found")) {
			return t, err
		}
	}
	return t, err
}

func (w *Warehouse) ensureOnce(ctx context.Context, name string) (*table.Table, error) {
	t, err := w.Table(ctx, name)
	if err == nil || !errors.Is(err, catalog.ErrNoSuchTable) {
		return t, err
	}
	tbl, err := schemas.Load(name)
	if err != nil {
		return nil, err
	}
	def, err := Definition(tbl)
	if err != nil {
		return nil, err
	}
	if ok, err := w.cat.CheckNamespaceExists(ctx, table.Identifier{w.ns}); err != nil {
		return nil, err
	} else if !ok {
		if err := w.cat.CreateNamespace(ctx, table.Identifier{w.ns}, nil); err != nil && !errors.Is(err, catalog.ErrNamespaceAlreadyExists) && !strings.Contains(err.Error(), "AlreadyExists") {
			return nil, err
		}
	}
	t, err = w.cat.CreateTable(ctx, w.ident(name), def.Schema,
		catalog.WithPartitionSpec(&def.Spec), catalog.WithSortOrder(def.Order), catalog.WithProperties(def.Properties),
		catalog.WithLocation(w.URI(lake.TableDir(name))))
	if errors.Is(err, catalog.ErrTableAlreadyExists) {
		return w.Table(ctx, name) // created by a concurrent committer
	}
	return t, err
}

// Def is an Iceberg table definition generated from schemas/.
type Def struct {
	Schema     *iceberg.Schema
	Spec       iceberg.PartitionSpec
	Order      table.SortOrder
	Properties iceberg.Properties
}

// Definition generates the Iceberg schema, partition spec (day(column) for
// each `day(column)` partition), sort order and properties of a schemas/
// table (derived tables' fields are all optional). Field ids are the
// columns' positions from 1: schemas/ only ever
// appends columns, so ids never change meaning.
func Definition(tbl *schemas.Table) (*Def, error) {
	fields := make([]iceberg.NestedField, len(tbl.Columns))
	ids := map[string]int{}
	for i, c := range tbl.Columns {
		var typ iceberg.Type
		switch c.Type {
		case schemas.String:
			typ = iceberg.PrimitiveTypes.String
		case schemas.Int64:
			typ = iceberg.PrimitiveTypes.Int64
		case schemas.Bool:
			typ = iceberg.PrimitiveTypes.Bool
		case schemas.Timestamp:
			typ = iceberg.PrimitiveTypes.TimestampTz
		default:
			return nil, fmt.Errorf("%s.%s: type %q has no Iceberg type", tbl.Name, c.Name, c.Type)
		}
		// DuckDB, which writes the derived tables, marks every Parquet
		// column optional: so are their Iceberg fields.
		required := c.Required && !schemas.IsDerived(tbl.Name)
		fields[i] = iceberg.NestedField{ID: i + 1, Name: c.Name, Type: typ, Required: required, Doc: c.Doc}
		ids[c.Name] = i + 1
	}
	d := &Def{Schema: iceberg.NewSchema(0, fields...), Properties: iceberg.Properties{
		table.PropertyFormatVersion:      "2",
		table.ParquetCompressionKey:      "zstd",
		"write.metadata.metrics.default": "truncate(16)",
		"auditlake.schema-version":       fmt.Sprint(tbl.Version),
	}}
	var parts []iceberg.PartitionField
	for i, p := range tbl.Partitions {
		col, ok := strings.CutPrefix(p, "day(")
		col, ok2 := strings.CutSuffix(col, ")")
		if !ok || !ok2 || ids[col] == 0 {
			return nil, fmt.Errorf("%s: partition %q: want day(<column>)", tbl.Name, p)
		}
		parts = append(parts, iceberg.PartitionField{SourceIDs: []int{ids[col]}, FieldID: 1000 + i, Name: col + "_day", Transform: iceberg.DayTransform{}})
	}
	d.Spec = iceberg.NewPartitionSpec(parts...)
	var sf []table.SortField
	for _, c := range tbl.Sort {
		if ids[c] == 0 {
			return nil, fmt.Errorf("%s: sort column %q not in the schema", tbl.Name, c)
		}
		sf = append(sf, table.SortField{SourceIDs: []int{ids[c]}, Transform: iceberg.IdentityTransform{}, Direction: table.SortASC, NullOrder: table.NullsFirst})
	}
	order, err := table.NewSortOrder(1, sf)
	if err != nil {
		return nil, err
	}
	d.Order = order
	return d, nil
}

// Tables are the tables a commit request may add files to.
var Tables = lake.TableNames

// commitAttempts bounds the retries of one table's commit on conflict.
const commitAttempts = 20

// Commit turns every pending commit request in the lake into one Iceberg
// commit per table, then records the requests' objects in the ledger and
// removes the requests. A request another committer committed meanwhile
// is not committed again (each snapshot names the requests it committed),
// and conflicts are retried on the new table state. It implements
// pipeline.Committer.
func (w *Warehouse) Commit(ctx context.Context) error {
	_, err := w.CommitPending(ctx)
	return err
}

// CommitStats says what CommitPending did.
type CommitStats struct {
	Requests  int              // requests committed and recorded
	Files     int              // data files added
	Dropped   int              // requests dropped: every object they carry was ingested already
	Snapshots map[string]int64 // table → snapshot made
}

// CommitPending is Commit with statistics.
func (w *Warehouse) CommitPending(ctx context.Context) (*CommitStats, error) {
	stats := &CommitStats{Snapshots: map[string]int64{}}
	if err := lake.MarkLedger(ctx, w.st); err != nil {
		return stats, err
	}
	states, err := lake.ReadTableStates(ctx, w.st, Tables)
	if err != nil {
		return stats, err
	}
	pending, err := lake.Recover(ctx, w.st, states)
	if err != nil || len(pending) == 0 {
		return stats, err
	}
	pending, dropped, err := w.covered(ctx, pending)
	if err != nil {
		return stats, err
	}
	for _, name := range Tables {
		var reqs []*lake.CommitRequest
		for _, r := range pending {
			for _, f := range r.Files {
				if f.Table == name {
					reqs = append(reqs, r)
					break
				}
			}
		}
		if len(reqs) == 0 {
			continue
		}
		n, snap, err := w.commitTable(ctx, name, reqs)
		if err != nil {
			return stats, fmt.Errorf("%s: %w", name, err)
		}
		stats.Files += n
		if snap != 0 {
			stats.Snapshots[name] = snap
		}
	}
	failpoint.Hit("commit-before-ledger")
	for _, r := range pending {
		if err := lake.FinishRequest(ctx, w.st, r); err != nil {
			return stats, err
		}
		stats.Requests++
	}
	if err := w.drop(ctx, dropped); err != nil {
		return stats, err
	}
	stats.Dropped = len(dropped)
	return stats, nil
}

// covered splits pending requests into those to commit and those whose
// every object is ingested already: in the ledger, or in an older request
// of the same batch. The second kind comes from an S3 notification
// delivered twice (SQS redelivers a message whose function timed out; S3
// may send a notification more than once) while the first copy's request
// was still pending: committing it would add the object's rows twice.
func (w *Warehouse) covered(ctx context.Context, pending []*lake.CommitRequest) (keep, dropped []*lake.CommitRequest, err error) {
	seen := map[string]bool{}
	for _, r := range pending {
		all := len(r.Objects) > 0
		for _, m := range r.Objects {
			if seen[m.ObjectID] {
				continue
			}
			done, err := lake.HasManifest(ctx, w.st, m.ObjectID)
			if err != nil {
				return nil, nil, err
			}
			if !done {
				all = false
			}
		}
		for _, m := range r.Objects {
			seen[m.ObjectID] = true
		}
		if all {
			dropped = append(dropped, r)
		} else {
			keep = append(keep, r)
		}
	}
	return keep, dropped, nil
}

// drop removes the requests that covered found to repeat ingested
// objects. Their data files stay: names are content hashes, so a repeat
// often wrote the very file a committed request or the table holds, and a
// request written after PendingRequests listed the lake may name it too.
// A repeat with different bytes leaves an unreferenced file behind.
func (w *Warehouse) drop(ctx context.Context, dropped []*lake.CommitRequest) error {
	for _, r := range dropped {
		if err := w.st.Delete(ctx, lake.RequestKey(r.ID)); err != nil {
			return err
		}
	}
	return nil
}

func (w *Warehouse) commitTable(ctx context.Context, name string, reqs []*lake.CommitRequest) (int, int64, error) {
	var last error
	for attempt := 0; attempt < commitAttempts; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(50*attempt) * time.Millisecond)
		}
		t, err := w.ensure(ctx, name)
		if err != nil {
			return 0, 0, err
		}
		if tbl, err := schemas.Load(name); err == nil && len(t.Schema().Fields()) < len(tbl.Columns) {
			// The writer has columns the table lacks (schemas/ appended
			// some since it was created): add them first.
			if err := w.Evolve(ctx, name); err != nil {
				return 0, 0, err
			}
			if t, err = w.ensure(ctx, name); err != nil {
				return 0, 0, err
			}
		}
		done := committedRequests(t)
		var todo []*lake.CommitRequest
		for _, r := range reqs {
			if !done[r.ID] {
				todo = append(todo, r)
			}
		}
		if len(todo) == 0 {
			return 0, 0, nil
		}
		var current int64
		if s := t.CurrentSnapshot(); s != nil {
			current = s.SnapshotID
		}
		var files []lake.DataFile
		ids := make([]string, 0, len(todo))
		unchecked := map[string]bool{}
		for _, d := range uncheckedDays(t) {
			unchecked[d] = true
		}
		// A day may hold a key twice when a request was written on a
		// snapshot older than the one it is committed on top of, or when
		// requests of two runs committed together both write into it.
		newUnchecked := false
		dayRuns := map[string]string{}
		for _, r := range todo {
			ids = append(ids, r.ID)
			stale := r.Base[name] != current && foreignSince(t, r.Base[name], r.Run)
			for _, f := range r.Files {
				if f.Table != name {
					continue
				}
				files = append(files, f)
				overlap := stale
				if run, ok := dayRuns[f.Day]; ok && (run != r.Run || r.Run == "") {
					overlap = true
				}
				dayRuns[f.Day] = r.Run
				if overlap && !unchecked[f.Day] {
					unchecked[f.Day], newUnchecked = true, true
				}
			}
		}
		present, err := w.present(ctx, t, files)
		if err != nil {
			return 0, 0, err
		}
		fs, err := t.FS(ctx)
		if err != nil {
			return 0, 0, err
		}
		var dfs []iceberg.DataFile
		seen := map[string]bool{}
		for _, f := range files {
			uri := w.URI(f.Path)
			if present[uri] || seen[uri] {
				continue // the same bytes are in the table already (file names are content hashes)
			}
			seen[uri] = true
			df, err := table.FileToDataFile(ctx, fs, uri, t.Schema(), t.Spec(), t.SortOrder().OrderID(), t.Properties())
			if err != nil {
				return 0, 0, fmt.Errorf("%s: %w", f.Path, err)
			}
			dfs = append(dfs, df)
		}
		tx := t.NewTransaction()
		if newUnchecked {
			if err := tx.SetProperties(iceberg.Properties{lake.PropUncheckedDays: joinDays(unchecked)}); err != nil {
				return 0, 0, err
			}
		}
		runs := map[string]bool{}
		for _, r := range todo {
			runs[r.Run] = true
		}
		props := iceberg.Properties{lake.SummaryRequests: strings.Join(ids, ","), SummaryRuns: joinDays(runs)}
		if len(dfs) > 0 {
			err = tx.AddDataFiles(ctx, dfs, props, table.WithoutDuplicateCheck())
		} else {
			// Nothing new to add (the same bytes are in the table): an
			// empty append still records the requests as committed.
			err = tx.AddFiles(ctx, nil, props, true)
		}
		if err != nil {
			return 0, 0, err
		}
		nt, err := tx.Commit(ctx)
		if conflict(err) {
			last = err
			continue
		}
		if err != nil {
			return 0, 0, err
		}
		failpoint.Hit("commit-after-" + name)
		// On S3 the catalog's rename is not atomic: a concurrent commit can
		// replace this one. Only a commit the table now shows counts.
		if w.verify {
			check, err := w.Table(ctx, name)
			if err != nil {
				return 0, 0, err
			}
			have := committedRequests(check)
			lost := false
			for _, id := range ids {
				lost = lost || !have[id]
			}
			if lost {
				last = errors.New("the commit was overwritten by a concurrent one")
				continue
			}
		}
		var snap int64
		if s := nt.CurrentSnapshot(); s != nil {
			snap = s.SnapshotID
		}
		return len(dfs), snap, nil
	}
	return 0, 0, fmt.Errorf("gave up after %d conflicting commits: %w", commitAttempts, last)
}

// SummaryRuns is the snapshot summary property naming the ingest runs whose
// requests a snapshot committed.
const SummaryRuns = "auditlake.runs"

// foreignSince reports whether a snapshot after base (up to the current
// one) may hold event ids that run's duplicate check did not see: one that
// another run (or anything but compaction) committed, or a history that no
// longer reaches base. A run's own earlier commits are not foreign: its
// index holds their ids.
func foreignSince(t *table.Table, base int64, run string) bool {
	for s := t.CurrentSnapshot(); s != nil; {
		if s.SnapshotID == base {
			return false
		}
		var props iceberg.Properties
		if s.Summary != nil {
			props = s.Summary.Properties
		}
		if props[compactedDay] == "" && (run == "" || props[SummaryRuns] != run) {
			return true
		}
		if s.ParentSnapshotID == nil {
			return base != 0
		}
		s = t.SnapshotByID(*s.ParentSnapshotID)
	}
	return true
}

// conflict reports whether a commit failed because the table changed under
// it (nothing was committed; retry on the new state): a lost optimistic
// race, or a requirement the new state no longer meets — among them a
// table UUID that changed because two committers created the table at once
// on S3, where the filesystem catalog's rename is not atomic (seen in
// TestConcurrentIngestProcessesS3).
func conflict(err error) bool {
	return err != nil && (errors.Is(err, table.ErrCommitFailed) || strings.Contains(strings.ToLower(err.Error()), "requirement failed"))
}

// present lists which of the files' locations the table's current snapshot
// already holds, looking only at their days.
func (w *Warehouse) present(ctx context.Context, t *table.Table, files []lake.DataFile) (map[string]bool, error) {
	out := map[string]bool{}
	if t.CurrentSnapshot() == nil || len(files) == 0 {
		return out, nil
	}
	days := map[string]bool{}
	for _, f := range files {
		days[f.Day] = true
	}
	list, err := w.files(ctx, t, t.CurrentSnapshot().SnapshotID, days)
	if err != nil {
		return nil, err
	}
	for _, f := range list {
		out[f.URI] = true
	}
	return out, nil
}

// committedRequests are the commit requests named by the table's snapshots.
func committedRequests(t *table.Table) map[string]bool {
	out := map[string]bool{}
	for _, s := range t.Metadata().Snapshots() {
		if s.Summary == nil {
			continue
		}
		for _, id := range strings.Split(s.Summary.Properties[lake.SummaryRequests], ",") {
			if id != "" {
				out[id] = true
			}
		}
	}
	return out
}

func uncheckedDays(t *table.Table) []string {
	v := t.Properties()[lake.PropUncheckedDays]
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

func joinDays(days map[string]bool) string {
	out := make([]string, 0, len(days))
	for d, ok := range days {
		if ok {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// File is one data file of a snapshot.
type File struct {
	URI  string // as Iceberg records it
	Key  string // below the lake root
	Day  string // partition day, YYYY-MM-DD
	Rows int64
	Size int64
	Seq  int64 // data sequence number: the order files were committed in

	df iceberg.DataFile
}

// Snapshot is one table's state as a reader sees it.
type Snapshot struct {
	Table     string
	ID        int64     // 0 when the table has no snapshot (or does not exist)
	Time      time.Time // when it was committed
	Files     []File
	Unchecked []string // days whose files may hold an id twice
}

// epochDay is day 0 of Iceberg's date type.
var epochDay = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// files lists the data files of a snapshot, only of the given days when
// days is not nil.
func (w *Warehouse) files(ctx context.Context, t *table.Table, snapshotID int64, days map[string]bool) ([]File, error) {
	snap := t.SnapshotByID(snapshotID)
	if snap == nil {
		return nil, fmt.Errorf("no snapshot %d", snapshotID)
	}
	fs, err := t.FS(ctx)
	if err != nil {
		return nil, err
	}
	manifests, err := snap.Manifests(fs)
	if err != nil {
		return nil, err
	}
	var out []File
	for _, m := range manifests {
		if m.ManifestContent() != iceberg.ManifestContentData {
			continue
		}
		entries, err := m.FetchEntries(fs, true)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			df := e.DataFile()
			if df.ContentType() != iceberg.EntryContentData {
				continue
			}
			day := ""
			for _, v := range df.Partition() {
				if d, ok := dayValue(v); ok {
					day = d
				}
			}
			if days != nil && !days[day] {
				continue
			}
			out = append(out, File{URI: df.FilePath(), Key: w.Key(df.FilePath()), Day: day, Rows: df.Count(), Size: df.FileSizeBytes(),
				Seq: e.SequenceNum(), df: df})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Day != out[j].Day {
			return out[i].Day < out[j].Day
		}
		if out[i].Seq != out[j].Seq {
			return out[i].Seq < out[j].Seq
		}
		return out[i].URI < out[j].URI
	})
	return out, nil
}

// dayValue reads a day(...) partition value (days since 1970).
func dayValue(v any) (string, bool) {
	var n int64
	switch x := v.(type) {
	case iceberg.Date:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case int:
		n = int64(x)
	default:
		return "", false
	}
	return epochDay.AddDate(0, 0, int(n)).Format("2006-01-02"), true
}

// AsOf names a snapshot: by id, or the one current at a time; the zero
// value is the current snapshot.
type AsOf struct {
	ID   int64
	Time time.Time
}

// ParseAsOf reads --as-of: a snapshot id, or a time (RFC 3339 or a date).
func ParseAsOf(s string) (AsOf, error) {
	if s == "" {
		return AsOf{}, nil
	}
	var id int64
	if _, err := fmt.Sscanf(s, "%d", &id); err == nil && fmt.Sprint(id) == s {
		return AsOf{ID: id}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return AsOf{Time: t.UTC()}, nil
		}
	}
	return AsOf{}, fmt.Errorf("invalid --as-of %q: want a snapshot id or a time (2026-07-01T12:00:00Z)", s)
}

// Snapshot lists the data files a reader of table sees: at the current
// snapshot, or at the one as names. A snapshot id of another table means
// the snapshot of this table current when that one was committed, so that
// one id pins every table. days, when not nil, limits the files to those
// days.
func (w *Warehouse) Snapshot(ctx context.Context, name string, as AsOf, days map[string]bool) (*Snapshot, error) {
	out := &Snapshot{Table: name}
	t, err := w.Table(ctx, name)
	if errors.Is(err, catalog.ErrNoSuchTable) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	snap := t.CurrentSnapshot()
	switch {
	case as.ID != 0:
		snap = t.SnapshotByID(as.ID)
		if snap == nil {
			at, err := w.snapshotTime(ctx, as.ID)
			if err != nil {
				return nil, err
			}
			snap = t.SnapshotAsOf(at.UnixMilli(), true)
		}
	case !as.Time.IsZero():
		snap = t.SnapshotAsOf(as.Time.UnixMilli(), true)
	}
	if snap == nil {
		return out, nil
	}
	out.ID, out.Time = snap.SnapshotID, time.UnixMilli(snap.TimestampMs).UTC()
	if out.Files, err = w.files(ctx, t, snap.SnapshotID, days); err != nil {
		return nil, err
	}
	out.Unchecked = uncheckedDays(t)
	return out, nil
}

// snapshotTime finds a snapshot id in any table and returns its time.
func (w *Warehouse) snapshotTime(ctx context.Context, id int64) (time.Time, error) {
	for _, name := range Tables {
		t, err := w.Table(ctx, name)
		if err != nil {
			continue
		}
		if s := t.SnapshotByID(id); s != nil {
			return time.UnixMilli(s.TimestampMs).UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("no table of the lake has snapshot %d", id)
}

// MetadataKey is the key of a table's current metadata file, for readers
// (DuckDB's iceberg_scan, Athena's CREATE TABLE … LOCATION) to be told.
func (w *Warehouse) MetadataKey(ctx context.Context, name string) (string, error) {
	t, err := w.Table(ctx, name)
	if err != nil {
		return "", err
	}
	return w.Key(t.MetadataLocation()), nil
}

// Rows reads every row of a table's current snapshot into memory, with the
// snapshot's data files: for tests and small tables (the report reads
// tables through DuckDB). A table not created yet has no rows.
func Rows[R any](ctx context.Context, w *Warehouse, table string) ([]R, []File, error) {
	snap, err := w.Snapshot(ctx, table, AsOf{}, nil)
	if err != nil {
		return nil, nil, err
	}
	var rows []R
	for _, f := range snap.Files {
		b, err := store.ReadAll(ctx, w.Store(), f.Key)
		if err != nil {
			return nil, nil, err
		}
		rs, err := lake.Read[R](b)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.Key, err)
		}
		rows = append(rows, rs...)
	}
	return rows, snap.Files, nil
}
