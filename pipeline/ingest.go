// Package pipeline ingests audit logs into the lake. Ingest is the one entry
// point that the ingest CLI and the Lambda functions share: it lists the
// input objects, routes each by key and content, streams its records
// through the source's normalizer, and writes Parquet data files, the
// quarantine and a commit request through package lake. A Committer
// (package warehouse, linked by the CLI but not by the ingest Lambda) turns
// the request into Iceberg commits; until then no reader sees the rows.
//
// Every record read is written, skipped with a counted reason, or
// quarantined with the reason and its offset: Summary.Read always equals
// Written + the sum of Skipped + Quarantined.
package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/auditlake/auditlake/pipeline/cloudtrail"
	"github.com/auditlake/auditlake/pipeline/identity"
	"github.com/auditlake/auditlake/pipeline/internal/failpoint"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/progress"
	"github.com/auditlake/auditlake/pipeline/source"
	"github.com/auditlake/auditlake/pipeline/store"
)

// Options configure one ingest run.
type Options struct {
	Inputs       []string  // local files or folders, or s3://bucket/prefix
	Lake         string    // local folder or s3://bucket/prefix
	Since, Until time.Time // when set, events outside [Since, Until) are skipped
	ProfilesFile string    // optional role → Studio profile file (identity.LoadFile)
	Logger       *slog.Logger
	// MemoryLimit, when set, is the Go soft memory limit the run keeps for
	// streaming one object; the run raises the process's limit above it by
	// what the dedupe index holds (runtime/debug.SetMemoryLimit), because a
	// limit below the live heap makes the collector run without pause.
	MemoryLimit int64
	// Committer, when set, commits the run's requests (at the end and
	// every CommitEvery bytes of data files); nil leaves them pending in
	// the lake for a separate committer.
	Committer Committer
	// Progress, when set, is told the objects listed and each one done
	// (the command line draws it on a terminal).
	Progress progress.Meter
	// NotBefore and NotAfter bound the plausible event times (zero: since
	// DefaultNotBefore, until a day after the run started); records outside
	// are quarantined.
	NotBefore, NotAfter time.Time
	// CommitEvery is how many bytes of data files a run writes between
	// two commit requests (0: DefaultCommitEvery), so that a crash loses
	// only what a re-run redoes.
	CommitEvery int64
}

// Committer makes every pending commit request in the lake visible as
// Iceberg commits (warehouse.Warehouse implements it).
type Committer interface {
	Commit(ctx context.Context) error
}

// DefaultCommitEvery is the data written between two commit requests.
const DefaultCommitEvery = 2 << 30

// IndexKeep is how many event ids the dedupe index keeps in memory between
// objects (about 45 bytes each, measured); the least recently used days beyond it are
// read from the lake again when needed.
const IndexKeep = 2 << 20

// indexBytesPerID is the memory an id held by the dedupe index takes,
// growth included, for the memory limit.
const indexBytesPerID = 48

// Reasons for skipping an object or a record.
const (
	SkipAlreadyIngested = "already-ingested"
	SkipZeroByte        = "zero-byte"
	SkipFolderMarker    = "folder-marker"
	SkipInsightObject   = "insight-object"
	SkipInsideLake      = "inside-lake"
	SkipDuplicate       = "duplicate-event"
	SkipInsightRecord   = source.SkipInsightRecord
	SkipControlMessage  = source.SkipControlMessage
	SkipOutsideWindow   = source.SkipOutsideWindow
)

// Summary counts what a run did.
type Summary struct {
	Objects         int              `json:"objects"`          // objects listed
	ObjectsIngested int              `json:"objects_ingested"` // objects whose records were read
	Digests         int              `json:"digests"`          // CloudTrail digest files recorded
	ObjectsSkipped  map[string]int   `json:"objects_skipped"`  // reason → objects
	Read            int64            `json:"records_read"`
	Written         int64            `json:"events_written"`
	Skipped         map[string]int64 `json:"records_skipped"` // reason → records
	Quarantined     int64            `json:"quarantined"`
	Files           int              `json:"files_written"` // data and quarantine files
	DataFiles       int              `json:"data_files"`
	Requests        int              `json:"commit_requests"` // commit requests written
	Committed       bool             `json:"committed"`       // the run's requests are committed
}

func newSummary() *Summary {
	return &Summary{ObjectsSkipped: map[string]int{}, Skipped: map[string]int64{}}
}

// Reconciles reports whether every record read is accounted for.
func (s *Summary) Reconciles() bool {
	n := s.Written + s.Quarantined
	for _, v := range s.Skipped {
		n += v
	}
	return n == s.Read
}

// Merge adds the counts of another run (nil is ignored).
func (s *Summary) Merge(o *Summary) {
	if o == nil {
		return
	}
	s.Objects += o.Objects
	s.ObjectsIngested += o.ObjectsIngested
	s.Digests += o.Digests
	for k, v := range o.ObjectsSkipped {
		s.ObjectsSkipped[k] += v
	}
	s.Read += o.Read
	s.Written += o.Written
	s.Quarantined += o.Quarantined
	for k, v := range o.Skipped {
		s.Skipped[k] += v
	}
	s.Files += o.Files
	s.DataFiles += o.DataFiles
	s.Requests += o.Requests
	s.Committed = s.Committed || o.Committed
}

func (s *Summary) add(m *lake.Manifest) {
	s.Read += m.Read
	s.Written += m.Written
	s.Quarantined += m.Quarantined
	for k, v := range m.Skipped {
		s.Skipped[k] += v
	}
	s.Files += len(m.Files)
}

// IdentityDir holds the learned role → profile map: one file per run that
// learned something (named after the run, so in time order), merged in
// that order when read. ProfilesKey is the single file earlier versions
// kept, read first.
const (
	IdentityDir = "_identity"
	ProfilesKey = IdentityDir + "/profiles.json"
)

// Ingest runs one ingestion.
func Ingest(ctx context.Context, opt Options) (*Summary, error) {
	if len(opt.Inputs) == 0 {
		return nil, errors.New("no input: give at least one file, folder or s3://bucket/prefix")
	}
	in, err := newIngester(ctx, opt)
	if err != nil {
		return nil, err
	}
	for _, input := range opt.Inputs {
		if err := in.input(ctx, input); err != nil {
			return in.sum, err
		}
	}
	return in.sum, in.done(ctx)
}

// newIngester opens the lake and loads the dedupe index and profile map.
func newIngester(ctx context.Context, opt Options) (*ingester, error) {
	if opt.Lake == "" {
		return nil, errors.New("no lake: give --lake DIR or --lake s3://bucket/prefix")
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lk, err := OpenLake(ctx, opt.Lake)
	if err != nil {
		return nil, err
	}
	if err := lake.CheckLayout(ctx, lk); err != nil {
		return nil, err
	}
	// Spools of runs killed mid-write (an hour without a write).
	if _, err := lake.CleanSpool(lk, time.Hour); err != nil {
		return nil, err
	}
	states, err := lake.ReadTableStates(ctx, lk, lake.TableNames)
	if err != nil {
		return nil, err
	}
	// Requests a committer committed but did not record count as ingested.
	if _, err := lake.Recover(ctx, lk, states); err != nil {
		return nil, err
	}
	in := &ingester{opt: opt, log: log, lake: lk, idx: lake.NewIndex(lk), sum: newSummary(), profiles: identity.New(),
		events: lake.NewBuffer(lk, lake.Events), queries: lake.NewBuffer(lk, lake.AthenaQueries),
		inRun: map[string]bool{}, base: map[string]int64{}, run: newRequestID(), started: time.Now()}
	for t, ts := range states {
		in.base[t] = ts.Snapshot
	}
	if err := in.loadProfiles(ctx); err != nil {
		return nil, err
	}
	in.profilesBefore, _ = in.profiles.MarshalJSON()
	return in, nil
}

// done writes the last commit request, commits when the run has a
// committer, and saves what the run learned about Studio profiles.
func (in *ingester) done(ctx context.Context) error {
	if err := in.request(ctx, true); err != nil {
		return err
	}
	if in.opt.Committer != nil && in.sum.Requests > 0 {
		if err := in.opt.Committer.Commit(ctx); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		in.sum.Committed = true
	}
	after, _ := in.profiles.MarshalJSON()
	if bytes.Equal(in.profilesBefore, after) {
		return nil
	}
	// Each run writes what it knows under its own name; readers merge them
	// all, so concurrent runs never overwrite each other's profiles.
	return in.lake.Put(ctx, IdentityDir+"/"+in.run+".json", append(after, '\n'))
}

// request flushes the buffered rows (all of them when final, else only
// once CommitEvery bytes are written) and writes one commit request for
// the data files and the objects finished since the last one.
func (in *ingester) request(ctx context.Context, final bool) error {
	if in.broken != nil {
		// The failed object's rows may be buffered: commit none of them.
		return fmt.Errorf("not committed: %w", in.broken)
	}
	every := in.opt.CommitEvery
	if every <= 0 {
		every = DefaultCommitEvery
	}
	if !final && in.events.Written()+in.queries.Written()+int64(in.events.Buffered()+in.queries.Buffered()) < every {
		return nil
	}
	if err := in.events.Flush(ctx); err != nil {
		return err
	}
	if err := in.queries.Flush(ctx); err != nil {
		return err
	}
	ev, err := in.events.Take()
	if err != nil {
		return err
	}
	qs, err := in.queries.Take()
	if err != nil {
		return err
	}
	files := append(ev, qs...)
	if len(files) == 0 && len(in.pending) == 0 {
		return nil
	}
	failpoint.Hit("ingest-after-data-files")
	r := &lake.CommitRequest{ID: newRequestID(), Run: in.run, Created: time.Now().UTC(), Files: files, Objects: in.pending, Base: in.base}
	if err := lake.WriteRequest(ctx, in.lake, r); err != nil {
		return err
	}
	failpoint.Hit("ingest-after-request")
	in.pending = nil
	in.sum.Requests++
	in.sum.DataFiles += len(files)
	in.sum.Files += len(files)
	if !final && in.opt.Committer != nil {
		if err := in.opt.Committer.Commit(ctx); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
	}
	return nil
}

// newRequestID names a commit request: its time, then random bits.
func newRequestID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405.000000Z") + "-" + hex.EncodeToString(b[:])
}

// OpenLake opens (creating when local) the lake root.
func OpenLake(ctx context.Context, loc string) (store.Store, error) {
	if store.IsS3(loc) {
		st, prefix, err := store.Open(ctx, loc)
		if err != nil {
			return nil, err
		}
		return store.Sub(st, prefix), nil
	}
	return store.NewDir(loc)
}

type ingester struct {
	opt      Options
	log      *slog.Logger
	lake     store.Store
	idx      *lake.Index
	sum      *Summary
	profiles *identity.Profiles

	hour    int64 // hours since 1970 of hourStr (hourKey)
	hourStr string

	events  *lake.Buffer[lake.Event]
	queries *lake.Buffer[lake.AthenaQuery]
	pending []*lake.Manifest // objects finished since the last commit request
	inRun   map[string]bool  // objects this run ingested
	broken  error            // an object failed part-way: the run must not commit
	run     string           // this run's id, in its commit requests
	started time.Time
	base    map[string]int64 // table → snapshot the run's duplicate check started from

	profilesBefore []byte
}

func (in *ingester) loadProfiles(ctx context.Context) error {
	keys := []string{}
	if err := in.lake.List(ctx, IdentityDir+"/", func(o store.Object) error {
		if strings.HasSuffix(o.Key, ".json") && o.Key != ProfilesKey {
			keys = append(keys, o.Key)
		}
		return nil
	}); err != nil {
		return err
	}
	sort.Strings(keys)
	for _, key := range append([]string{ProfilesKey}, keys...) {
		b, err := store.ReadAll(ctx, in.lake, key)
		if errors.Is(err, store.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := in.profiles.Merge(b); err != nil {
			return fmt.Errorf("%s: %w", in.lake.Location(key), err)
		}
	}
	if in.opt.ProfilesFile != "" {
		if err := in.profiles.LoadFile(in.opt.ProfilesFile); err != nil {
			return err
		}
	}
	return nil
}

func (in *ingester) input(ctx context.Context, loc string) error {
	st, prefix, err := store.Open(ctx, loc)
	if err != nil {
		return err
	}
	lakeRoot := in.lakeRoot()
	var objs []store.Object
	if err := st.List(ctx, prefix, func(o store.Object) error {
		objs = append(objs, o)
		return nil
	}); err != nil {
		return fmt.Errorf("list %s: %w", loc, err)
	}
	// Trail files first: their SageMaker events teach the role → profile
	// map that access-log lines (which carry no sourceIdentity) depend on.
	sort.SliceStable(objs, func(i, j int) bool {
		return cloudtrail.RouteKey(objs[i].Key) != cloudtrail.RouteUnknown && cloudtrail.RouteKey(objs[j].Key) == cloudtrail.RouteUnknown
	})
	var size int64
	for _, o := range objs {
		size += o.Size
	}
	progress.Plan(in.opt.Progress, len(objs), size)
	for _, o := range objs {
		if err := in.listed(ctx, st, o, lakeRoot); err != nil {
			return err
		}
		progress.Done(in.opt.Progress, 1, o.Size, o.Key)
	}
	return nil
}

// listed counts one object of an input and ingests it unless it is to be
// skipped (not a regular file, or inside a local lake folder).
func (in *ingester) listed(ctx context.Context, st store.Store, o store.Object, lakeRoot string) error {
	in.sum.Objects++
	if o.Skip != "" {
		in.sum.ObjectsSkipped[o.Skip]++
		in.log.Warn("skipped", "object", st.Location(o.Key), "reason", o.Skip)
		return nil
	}
	if lakeRoot != "" && strings.HasPrefix(st.Location(o.Key), lakeRoot) {
		in.sum.ObjectsSkipped[SkipInsideLake]++
		return nil
	}
	if err := in.object(ctx, st, o); err != nil {
		return fmt.Errorf("%s: %w", st.Location(o.Key), err)
	}
	return nil
}

// lakeRoot is the local lake folder with a trailing separator ("" for an
// S3 lake): inputs inside it are the lake's own files.
func (in *ingester) lakeRoot() string {
	if d, ok := in.lake.(*store.Dir); ok {
		return d.Root() + string(filepath.Separator)
	}
	return ""
}

// betweenObjects bounds the dedupe index and keeps the soft memory limit
// above what it holds. It runs when an object is finished, for every source
// (files, S3, LookupEvents, Athena), when no writer is open.
func (in *ingester) betweenObjects() {
	in.idx.Trim(IndexKeep)
	if in.opt.MemoryLimit > 0 {
		debug.SetMemoryLimit(in.opt.MemoryLimit + int64(in.idx.Len())*indexBytesPerID)
	}
}

// object ingests one object. A failure leaves the run broken: the object's
// rows may already be buffered, so the run commits nothing and a re-run
// redoes it.
func (in *ingester) object(ctx context.Context, st store.Store, o store.Object) error {
	if err := in.readObject(ctx, st, o); err != nil {
		in.broken = err
		in.events.Discard()
		in.queries.Discard()
		return err
	}
	return nil
}

func (in *ingester) readObject(ctx context.Context, st store.Store, o store.Object) error {
	route := cloudtrail.RouteKey(o.Key)
	switch {
	case strings.HasSuffix(o.Key, "/") && o.Size == 0:
		in.sum.ObjectsSkipped[SkipFolderMarker]++
		return nil
	case o.Size == 0:
		in.sum.ObjectsSkipped[SkipZeroByte]++
		return nil
	case route == cloudtrail.RouteInsight:
		in.sum.ObjectsSkipped[SkipInsightObject]++
		return nil
	}
	loc := st.Location(o.Key)
	tag, err := contentTag(ctx, st, o)
	if err != nil {
		return err
	}
	id := lake.ObjectID(loc, tag)
	done, err := lake.HasManifest(ctx, in.lake, id)
	if err != nil {
		return err
	}
	if done || in.inRun[id] {
		in.sum.ObjectsSkipped[SkipAlreadyIngested]++
		return nil
	}
	rc, _, err := st.Open(ctx, o.Key)
	if err != nil {
		return err
	}
	defer rc.Close()
	src := &trackingReader{r: rc}
	body, err := decompress(src)
	if err != nil {
		return err
	}
	m := newManifest(loc, id, o.Size, tag)
	f := detect(body)
	if route == cloudtrail.RouteDigest {
		f = formatNamed(lake.FormatCloudTrailDigest)
	}
	m.Format = f.name
	files, err := f.read(ctx, in, body, m, src.failed)
	if err != nil {
		return err
	}
	return in.finish(ctx, m, files)
}

func newManifest(loc, id string, size int64, tag string) *lake.Manifest {
	return &lake.Manifest{Object: loc, ObjectID: id, Size: size, ContentTag: tag,
		Skipped: map[string]int64{}, Hours: map[string]int64{}}
}

// finish records the manifest of an ingested object for the next commit
// request (the ledger entry becomes visible with its rows) and adds it to
// the summary.
func (in *ingester) finish(ctx context.Context, m *lake.Manifest, files []string) error {
	m.Files = files
	for k, v := range m.Skipped {
		if v == 0 {
			delete(m.Skipped, k)
		}
	}
	if len(m.Skipped) == 0 {
		m.Skipped = nil
	}
	if len(m.Hours) == 0 {
		m.Hours = nil
	}
	in.pending = append(in.pending, m)
	in.inRun[m.ObjectID] = true
	if err := in.request(ctx, false); err != nil {
		return err
	}
	in.betweenObjects()
	in.sum.ObjectsIngested++
	in.sum.add(m)
	in.log.Info("ingested", "object", m.Object, "format", m.Format, "read", m.Read, "written", m.Written, "quarantined", m.Quarantined)
	return nil
}

// trackingReader remembers the first error of the underlying object reader,
// so that a failed read (a dropped connection, a disk error) fails the object
// without a manifest, and the next run retries it, instead of the bytes
// that could not be read being taken for bad content.
type trackingReader struct {
	r   io.Reader
	err error
}

func (t *trackingReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

func (t *trackingReader) failed() error {
	if t.err != nil {
		return fmt.Errorf("read: %w", t.err)
	}
	return nil
}

// admit writes one row of any table unless its time falls outside the run's
// window or its id is already in the lake, and counts what happened in m.
func admit[R any](ctx context.Context, in *ingester, w *lake.Writer[R], row *R, at time.Time, m *lake.Manifest) error {
	if in.outside(at) {
		m.Skipped[SkipOutsideWindow]++
		return nil
	}
	ok, err := w.Add(ctx, row)
	if err != nil {
		return err
	}
	if !ok {
		m.Skipped[SkipDuplicate]++
		return nil
	}
	m.Written++
	m.Hours[in.hourKey(at)]++
	return nil
}

// hourKey is the manifest's key for the hour of t (2006-01-02T15), kept
// from row to row: formatting it for every row cost more than the lookup.
func (in *ingester) hourKey(t time.Time) string {
	h := t.Unix() / 3600
	if t.Unix() < 0 && t.Unix()%3600 != 0 {
		h-- // floor, for times before 1970
	}
	if h != in.hour || in.hourStr == "" {
		in.hour, in.hourStr = h, t.UTC().Format("2006-01-02T15")
	}
	return in.hourStr
}

// DefaultNotBefore is the earliest plausible event time: CloudTrail was
// launched in November 2013, S3 server access logs are older but not
// before 2006.
var DefaultNotBefore = time.Date(2006, 1, 1, 0, 0, 0, 0, time.UTC)

// DefaultFutureSlack is how far past the run's clock an event time may be.
const DefaultFutureSlack = 24 * time.Hour

// implausible says why an event time cannot be a real one (before
// Options.NotBefore or more than a day in the future), or "". Such records
// are quarantined: kept with their place, but out of the tables, where one
// record dated 9999 would stretch every time series.
func (in *ingester) implausible(t time.Time) string {
	lo, hi := in.opt.NotBefore, in.opt.NotAfter
	if lo.IsZero() {
		lo = DefaultNotBefore
	}
	if hi.IsZero() {
		hi = in.started.Add(DefaultFutureSlack)
	}
	if t.Before(lo) || t.After(hi) {
		return fmt.Sprintf("implausible event time %s (outside %s … %s)", t.UTC().Format(time.RFC3339), lo.Format("2006-01-02"), hi.Format(time.RFC3339))
	}
	return ""
}

// outside reports whether t is outside the run's --since/--until window.
func (in *ingester) outside(t time.Time) bool {
	return !in.opt.Since.IsZero() && t.Before(in.opt.Since) || !in.opt.Until.IsZero() && !t.Before(in.opt.Until)
}

// contentTag identifies an object's content: its ETag, or for local files
// a SHA-256 of the bytes.
func contentTag(ctx context.Context, st store.Store, o store.Object) (string, error) {
	if o.ETag != "" {
		return o.ETag, nil
	}
	rc, _, err := st.Open(ctx, o.Key)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// decompress sniffs the gzip magic bytes (not the name) and returns a
// buffered reader over the decompressed bytes. Concatenated gzip members
// (Firehose delivering CloudWatch Logs payloads, each gzipped) read as one
// stream; gzip inside gzip (the same with Firehose's own compression on) is
// unwrapped too.
func decompress(r io.Reader) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	for level := 0; level < 2; level++ {
		magic, _ := br.Peek(2)
		if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
			break
		}
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		br = bufio.NewReaderSize(zr, 256<<10)
	}
	return br, nil
}

// SortedKeys returns the keys of a count map in order, for printing.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ParseTime reads a --since/--until value: RFC 3339, a date (YYYY-MM-DD),
// or a duration before now ("24h", "90m", "7d").
func ParseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if strings.HasSuffix(s, "d") {
		var days int
		if _, err := fmt.Sscanf(s, "%dd", &days); err == nil && days >= 0 {
			return now.Add(-time.Duration(days) * 24 * time.Hour).UTC(), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("invalid time %q: want RFC 3339 (2026-07-01T00:00:00Z), a date (2026-07-01) or a duration (24h, 7d)", s)
}

// WriteText prints the summary for people.
func (s *Summary) WriteText(w io.Writer, lakeLoc string) {
	fmt.Fprintf(w, "objects: %d listed, %d ingested, %d digest files recorded", s.Objects, s.ObjectsIngested, s.Digests)
	if len(s.ObjectsSkipped) > 0 {
		fmt.Fprint(w, "; skipped:")
		for _, k := range SortedKeys(s.ObjectsSkipped) {
			fmt.Fprintf(w, " %s %d", k, s.ObjectsSkipped[k])
		}
	}
	var skipped int64
	for _, v := range s.Skipped {
		skipped += v
	}
	fmt.Fprintf(w, "\nrecords: %d read = %d written + %d skipped", s.Read, s.Written, skipped)
	if len(s.Skipped) > 0 {
		fmt.Fprint(w, " (")
		for i, k := range SortedKeys(s.Skipped) {
			if i > 0 {
				fmt.Fprint(w, ", ")
			}
			fmt.Fprintf(w, "%s %d", k, s.Skipped[k])
		}
		fmt.Fprint(w, ")")
	}
	fmt.Fprintf(w, " + %d quarantined\n", s.Quarantined)
	fmt.Fprintf(w, "files: %d written to %s\n", s.Files, lakeLoc)
	if s.Quarantined > 0 {
		fmt.Fprintf(w, "quarantine: reasons and offsets are in %s/\n", strings.TrimSuffix(lakeLoc, "/")+"/"+lake.QuarantineDir)
	}
}
