package lake

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/auditlake/auditlake/pipeline/store"
	"github.com/auditlake/auditlake/schemas"
)

// TestTablesMatchSchemas fails when a Parquet row type and its
// schemas/<table>.yaml drift apart, or a schema has no row type.
func TestTablesMatchSchemas(t *testing.T) {
	rows := map[string]any{Events.Name: Event{}, AthenaQueries.Name: AthenaQuery{}}
	for _, name := range schemas.Tables() {
		row, ok := rows[name]
		if !ok {
			t.Errorf("schemas/%s.yaml has no row type in package lake", name)
			continue
		}
		t.Run(name, func(t *testing.T) { checkSchema(t, schemas.MustLoad(name), row) })
	}
	if len(rows) != len(schemas.Tables()) {
		t.Errorf("%d row types, %d schemas", len(rows), len(schemas.Tables()))
	}
}

func checkSchema(t *testing.T, tbl *schemas.Table, row any) {
	fields := parquet.SchemaOf(row).Fields()
	if len(fields) != len(tbl.Columns) {
		t.Fatalf("writer has %d columns, schemas/events.yaml has %d", len(fields), len(tbl.Columns))
	}
	for i, f := range fields {
		c := tbl.Columns[i]
		if f.Name() != c.Name {
			t.Errorf("column %d: writer %q, schema %q", i, f.Name(), c.Name)
			continue
		}
		if f.Optional() == c.Required {
			t.Errorf("%s: writer optional=%v, schema required=%v", c.Name, f.Optional(), c.Required)
		}
		var want string
		var logical format.LogicalTypeValue
		if lt := f.Type().LogicalType(); lt != nil {
			logical = lt.Value
		}
		switch lt := logical.(type) {
		case *format.StringType:
			want = schemas.String
		case *format.TimestampType:
			want = schemas.Timestamp
			if !lt.IsAdjustedToUTC {
				t.Errorf("%s: timestamp not adjusted to UTC", c.Name)
			}
		case *format.IntType:
			if lt.BitWidth == 64 && lt.IsSigned {
				want = schemas.Int64
			} else {
				want = fmt.Sprintf("int%d", lt.BitWidth)
			}
		case nil:
		default:
			want = fmt.Sprintf("logical %T", lt)
		}
		switch {
		case want != "":
		case f.Type().Kind() == parquet.Int64:
			want = schemas.Int64
		case f.Type().Kind() == parquet.Boolean:
			want = schemas.Bool
		default:
			want = f.Type().String()
		}
		if want != c.Type {
			t.Errorf("%s: writer type %s, schema %s", c.Name, want, c.Type)
		}
	}
}

func TestSortOrdersMatchSchemas(t *testing.T) {
	if got := strings.Join(schemas.MustLoad("events").Sort, ","); got != "studio_profile,source_identity,event_time,event_id" {
		t.Errorf("events sort = %s; Events.Less orders by studio_profile, source_identity, event_time, event_id", got)
	}
	if got := strings.Join(schemas.MustLoad("events").Partitions, ","); got != "day(event_time)" || Events.PartitionField != "event_time_day" {
		t.Errorf("events partitions = %s (%s); Events.Day is the day of event_time", got, Events.PartitionField)
	}
	if got := strings.Join(schemas.MustLoad("athena_queries").Partitions, ","); got != "day(submitted_at)" || AthenaQueries.PartitionField != "submitted_at_day" {
		t.Errorf("athena_queries partitions = %s (%s); AthenaQueries.Day is the day of submitted_at", got, AthenaQueries.PartitionField)
	}
	if got := strings.Join(schemas.MustLoad("athena_queries").Sort, ","); got != "submitted_at,query_id" {
		t.Errorf("athena_queries sort = %s; AthenaQueries.Less orders by submitted_at, query_id", got)
	}
}

func event(id string, sec int, sid, profile string) Event {
	return Event{EventID: id, EventTime: time.Date(2026, 7, 1, 9, 0, sec, 0, time.UTC), LogSource: SourceCloudTrail,
		Outcome: OutcomeSuccess, SourceIdentity: sid, StudioProfile: profile, Raw: strings.Repeat("x", 100)}
}

func readDir(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	return out
}

func TestBufferWritesOneSortedFilePerDayAcrossObjects(t *testing.T) {
	ctx := context.Background()
	write := func(dir string) (map[string][]byte, []DataFile) {
		st, err := store.NewDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		buf := NewBuffer(st, Events)
		idx := NewIndex(st)
		day2 := event("d2", 7, "zed", "zed")
		day2.EventTime = day2.EventTime.Add(24 * time.Hour)
		objects := map[string][]Event{
			"obj1": {event("c", 3, "bob", "bob"), event("a", 9, "alice", "alice"), day2},
			"obj2": {event("b", 1, "alice", "alice"), event("n", 5, "", ""), event("m", 2, "x", "alice")},
		}
		for _, obj := range []string{"obj1", "obj2"} {
			w := NewWriter(buf, idx, obj, "/in/"+obj+".json")
			evs := objects[obj]
			for i := range evs {
				if ok, err := w.Add(ctx, &evs[i]); err != nil || !ok {
					t.Fatalf("Add(%s) = %v, %v", evs[i].EventID, ok, err)
				}
			}
			if ok, _ := w.Add(ctx, &evs[0]); ok {
				t.Error("the same event id was accepted twice")
			}
			if obj == "obj1" {
				w.Quarantine(42, "record has no eventTime", []byte(`{"eventName":"X"}`))
			}
			if _, err := w.Close(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := buf.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		files, err := buf.Take()
		if err != nil {
			t.Fatal(err)
		}
		return readDir(t, dir), files
	}
	a, files := write(t.TempDir())
	b, _ := write(t.TempDir())
	if len(a) != len(b) {
		t.Fatalf("two writes gave %d and %d files", len(a), len(b))
	}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			t.Errorf("%s differs between two writes of the same events", k)
		}
	}
	if len(files) != 2 || files[0].Day != "2026-07-01" || files[1].Day != "2026-07-02" || files[0].Rows != 5 || files[1].Rows != 1 {
		t.Fatalf("data files = %+v, want one for each of the two days (5 and 1 rows)", files)
	}
	for _, f := range files {
		if !strings.HasPrefix(f.Path, "auditlake/events/data/event_time_day="+f.Day+"/") || int64(len(a[f.Path])) != f.Size {
			t.Errorf("data file %+v: wrong folder or size", f)
		}
	}
	rows, err := ReadEvents(a[files[0].Path])
	if err != nil {
		t.Fatal(err)
	}
	// studio_profile, source_identity, event_time, event_id; NULL profile first.
	if got := ids(rows); !slices.Equal(got, []string{"n", "b", "a", "m", "c"}) {
		t.Errorf("day 1 rows = %v, want [n b a m c] (profile, source identity, time)", got)
	}
	q := string(a["_quarantine/obj1.ndjson"])
	if !strings.Contains(q, `"offset":42`) || !strings.Contains(q, "record has no eventTime") || !strings.Contains(q, `"object":"/in/obj1.json"`) {
		t.Errorf("quarantine entry lacks object, offset or reason: %s", q)
	}
	if got := len(a["_index/events/dt=2026-07-01/obj1.ids"]); got != 2*8 {
		t.Errorf("index of obj1 holds %d bytes, want 2 ids", got)
	}
}

// At most maxOpenDays day files are open: rows of a further day close the
// least recently used one, and every file stays sorted and within one day.
func TestBufferBoundsOpenDays(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, _ := store.NewDir(dir)
	buf := NewBuffer(st, Events)
	w := NewWriter(buf, nil, "many-days", "many-days.json")
	const days = maxOpenDays + 2
	for i := 0; i < 120; i++ {
		e := event(fmt.Sprintf("e%03d", i), 59-i%60, "sid", "p")
		e.EventTime = e.EventTime.AddDate(0, 0, i%days) // round robin over the days
		if _, err := w.Add(ctx, &e); err != nil {
			t.Fatal(err)
		}
		if len(buf.days) > maxOpenDays {
			t.Fatalf("%d day files open", len(buf.days))
		}
	}
	if err := buf.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	files, err := buf.Take()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) <= days {
		t.Errorf("%d files for %d interleaved days: no file was closed early", len(files), days)
	}
	total := int64(0)
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(dir, f.Path))
		rows, err := ReadEvents(b)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			if rows[i].Day() != f.Day || i > 0 && Less(&rows[i], &rows[i-1]) {
				t.Fatalf("%s: row %d out of order or of another day", f.Path, i)
			}
		}
		total += f.Rows
	}
	if total != 120 {
		t.Errorf("files hold %d rows, want 120", total)
	}
}

func TestIndexDedupesAcrossObjectsAndCommittedRuns(t *testing.T) {
	ctx := context.Background()
	st, _ := store.NewDir(t.TempDir())
	buf := NewBuffer(st, Events)
	idx := NewIndex(st)
	e := event("dup", 1, "", "")
	w1 := NewWriter(buf, idx, "first", "first")
	if ok, _ := w1.Add(ctx, &e); !ok {
		t.Fatal("first write refused")
	}
	if _, err := w1.Close(ctx); err != nil {
		t.Fatal(err)
	}
	w2 := NewWriter(buf, idx, "second", "second")
	if ok, _ := w2.Add(ctx, &e); ok {
		t.Error("second object wrote an event id the first already wrote")
	}
	// A later run ignores the ids of an object that was never committed
	// (its run crashed before the commit): a re-run must write them.
	w3 := NewWriter(buf, NewIndex(st), "third", "third")
	if ok, _ := w3.Add(ctx, &e); !ok {
		t.Error("a new run refused an event id that no committed object holds")
	}
	// Once "first" is in the ledger, a later run sees its ids.
	if err := WriteManifest(ctx, st, &Manifest{Object: "first", ObjectID: "first"}); err != nil {
		t.Fatal(err)
	}
	w4 := NewWriter(buf, NewIndex(st), "fourth", "fourth")
	if ok, _ := w4.Add(ctx, &e); ok {
		t.Error("a new run wrote an event id a committed object holds")
	}
	// Without an index, duplicates within the object are still dropped.
	w6 := NewWriter(buf, nil, "x", "x")
	if ok, _ := w6.Add(ctx, &e); !ok {
		t.Error("first write without an index refused")
	}
	if ok, _ := w6.Add(ctx, &e); ok {
		t.Error("without an index, the same object wrote an event id twice")
	}
}

func TestEncodeWritesNullsNotEmptyStrings(t *testing.T) {
	// The pattern empty, set, empty is the one parquet-go's batch path gets wrong.
	rows := []Event{event("a", 1, "", ""), event("b", 2, "s", "p"), event("c", 3, "", "")}
	yes := true
	n := int64(5)
	rows[1].Bytes, rows[1].ReadOnly = &n, &yes
	b, err := EncodeEvents(rows)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"source_identity", "studio_profile", "bytes", "read_only"} {
		leaf, ok := f.Schema().Lookup(name)
		if !ok {
			t.Fatalf("no column %s", name)
		}
		chunk := f.RowGroups()[0].ColumnChunks()[leaf.ColumnIndex]
		pages := chunk.Pages()
		p, err := pages.ReadPage()
		if err != nil {
			t.Fatal(err)
		}
		if p.NumNulls() != 2 {
			t.Errorf("%s: %d nulls, want both empty values stored as NULL", name, p.NumNulls())
		}
		pages.Close()
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func ids(rows []Event) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.EventID)
	}
	return out
}

// TestWireRowMatchesEvent: the batch-write twin has Event's Parquet schema
// and carries every field.
func TestWireRowMatchesEvent(t *testing.T) {
	a, b := parquet.SchemaOf(Event{}), eventWireSchema
	if a.String() != b.String() {
		t.Fatalf("eventWire schema differs from Event's:\n%s\n%s", b, a)
	}
	yes, n := true, int64(7)
	e := event("w", 3, "sid", "prof")
	e.ErrorCode, e.Bytes, e.ReadOnly, e.InVPC, e.ACLRequired, e.HTTPStatus = "AccessDenied", &n, &yes, &yes, &yes, &n
	e.AccessPointARN, e.LFJobID, e.SourceObject, e.SourceOffset = "ap", "job", "obj", 42
	got, err := ReadEvents(mustEncode(t, []Event{e}))
	if err != nil || len(got) != 1 {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got[0], e) {
		t.Errorf("round trip through eventWire:\n got %+v\nwant %+v", got[0], e)
	}
}

func mustEncode(t *testing.T, rows []Event) []byte {
	t.Helper()
	b, err := EncodeEvents(rows)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEncodeReusedWriterGivesSameBytes: events encoders are reused between
// files; a reused one must write exactly what a new one writes, whatever it
// wrote before (row counts, NULL patterns, bounds). Reusing parquet-go's
// writer (Reset) failed this: path_in_schema went missing.
func TestEncodeIsDeterministicAndReadsBack(t *testing.T) {
	var big []Event
	for i := range 3000 {
		e := event(fmt.Sprintf("e%04d", i), i, fmt.Sprintf("s%d", i%7), "")
		e.Raw = strings.Repeat("r", i%300)
		if i%5 == 0 {
			n := int64(i)
			e.Bytes = &n
		}
		big = append(big, e)
	}
	first, err := Encode(Events, slices.Clone(big))
	if err != nil {
		t.Fatal(err)
	}
	again, err := Encode(Events, slices.Clone(big))
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("encoding the same rows twice gave different bytes (%v)", err)
	}
	got, err := ReadEvents(first)
	if err != nil || len(got) != len(big) {
		t.Fatalf("read back %d rows (%v), want %d", len(got), err, len(big))
	}
	byID := map[string]Event{}
	for _, e := range got {
		byID[e.EventID] = e
	}
	if byID["e2999"].Raw != big[2999].Raw || byID["e0005"].Bytes == nil || *byID["e0005"].Bytes != 5 || byID["e0006"].Bytes != nil {
		t.Errorf("read back rows differ from the written ones")
	}
}

// A day larger than the budget is spooled in sorted runs and merged: its
// files are one sorted set (parts cut at keys, in parallel) whose rows are
// sorted as a whole, not row group by row group, with row groups of
// disjoint profile ranges and bloom filters on the lookup columns.
func TestBufferSortsTheWholeDay(t *testing.T) {
	ctx := context.Background()
	defer func(g, p, b int64) { groupRows, partRows, spoolBlockBytes = int(g), p, int(b) }(int64(groupRows), partRows, int64(spoolBlockBytes))
	groupRows, partRows, spoolBlockBytes = 40, 250, 2<<10 // blocks of a few rows
	write := func(dir string) ([]DataFile, map[string][]byte) {
		st, _ := store.NewDir(dir)
		buf := NewBuffer(st, Events)
		buf.SetBudget(20 << 10) // about 30 rows a run
		w := NewWriter(buf, nil, "o", "o")
		for i := 0; i < 1000; i++ {
			e := wholeDayEvent(i)
			if _, err := w.Add(ctx, &e); err != nil {
				t.Fatal(err)
			}
		}
		if len(buf.days["2026-07-01"].runs) < 10 {
			t.Fatalf("%d runs spooled, want many", len(buf.days["2026-07-01"].runs))
		}
		if err := buf.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		files, _ := buf.Take()
		if m, _ := filepath.Glob(filepath.Join(dir, SpoolDir, "*")); len(m) != 0 {
			t.Errorf("spool files left behind: %v", m)
		}
		return files, readDir(t, dir)
	}
	dir := t.TempDir()
	files, got := write(dir)
	if _, again := write(t.TempDir()); !reflect.DeepEqual(got, again) {
		t.Error("two writes of the same rows gave different files")
	}
	var names []string
	var all []Event
	var prevMax string
	for _, f := range files {
		names = append(names, f.Path)
		pf, err := parquet.OpenFile(bytes.NewReader(got[f.Path]), int64(len(got[f.Path])))
		if err != nil {
			t.Fatal(err)
		}
		prof, _ := pf.Schema().Lookup("studio_profile")
		id, _ := pf.Schema().Lookup("event_id")
		for i, rg := range pf.RowGroups() {
			if rg.NumRows() > int64(groupRows) {
				t.Errorf("%s: row group %d holds %d rows, more than %d", f.Path, i, rg.NumRows(), groupRows)
			}
			cc := rg.ColumnChunks()[prof.ColumnIndex]
			ci, err := cc.ColumnIndex()
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := ci.MinValue(0).String(), ci.MaxValue(ci.NumPages()-1).String()
			if lo < prevMax {
				t.Errorf("%s: row group %d starts at profile %s, before the previous group's end %s", f.Path, i, lo, prevMax)
			}
			prevMax = hi
			if rg.ColumnChunks()[id.ColumnIndex].BloomFilter() == nil {
				t.Errorf("%s: row group %d has no bloom filter on event_id", f.Path, i)
			}
		}
		rows, err := ReadEvents(got[f.Path])
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, rows...)
	}
	if len(files) != 4 || !SortedSet(names) {
		t.Errorf("files %v: want one sorted set of 4 parts (1000 rows, 250 a part)", names)
	}
	if len(all) != 1000 {
		t.Fatalf("%d rows written, want 1000", len(all))
	}
	for i := range all {
		var n int
		fmt.Sscanf(all[i].EventID, "e%04d", &n)
		if want := wholeDayEvent(n); !reflect.DeepEqual(all[i], want) {
			t.Fatalf("row %d read back as\n%+v\nwant\n%+v", i, all[i], want)
		}
	}
	for i := 1; i < len(all); i++ {
		if !Less(&all[i-1], &all[i]) {
			t.Fatalf("row %d (%s) is not after row %d (%s): the day is not sorted as a whole", i, all[i].EventID, i-1, all[i-1].EventID)
		}
	}
}

// wholeDayEvent is event i of TestBufferSortsTheWholeDay: 23 profiles,
// three source identities, a record text of its own.
func wholeDayEvent(i int) Event {
	id := fmt.Sprintf("e%04d", i)
	e := event(id, i%60, fmt.Sprint("sid", i%3), fmt.Sprintf("p%02d", i*7%23))
	e.Raw = strings.Repeat(id+" ", 20+i%50)
	e.Bytes = new(int64)
	*e.Bytes = int64(i)
	return e
}

// The spool codec gives back every column of every table's row: set and
// unset, empty and not, pointers nil and not, times of any year.
func TestSpoolCodecRoundTrips(t *testing.T) {
	check := func(name string, in any, enc func([]byte) []byte, dec func(*spoolDecoder) any) {
		t.Helper()
		b := enc(nil)
		d := spoolDecoder{s: string(b)}
		out := dec(&d)
		if d.err != nil || d.i != len(b) {
			t.Fatalf("%s: decode: %v (read %d of %d bytes)", name, d.err, d.i, len(b))
		}
		if !reflect.DeepEqual(in, out) {
			t.Errorf("%s: round trip changed the row:\n in %+v\nout %+v", name, in, out)
		}
		// Every shorter prefix is an error, never a panic.
		for n := 0; n < len(b); n++ {
			d := spoolDecoder{s: string(b[:n])}
			dec(&d)
			if d.err == nil {
				t.Fatalf("%s: a row cut to %d of %d bytes decoded without an error", name, n, len(b))
			}
		}
	}
	for k, ev := range []Event{{}, fillAll(Event{}, 1), fillAll(Event{}, -7)} {
		check(fmt.Sprint("event ", k), ev, func(b []byte) []byte { return appendEvent(b, &ev) },
			func(d *spoolDecoder) any { var e Event; readEvent(d, &e); return e })
	}
	for k, q := range []AthenaQuery{{}, fillAll(AthenaQuery{}, 2)} {
		check(fmt.Sprint("query ", k), q, func(b []byte) []byte { return appendAthenaQuery(b, &q) },
			func(d *spoolDecoder) any { var r AthenaQuery; readAthenaQuery(d, &r); return r })
	}
}

// fillAll sets every field of a row struct to a value derived from seed.
func fillAll[R any](r R, seed int) R {
	v := reflect.ValueOf(&r).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		n := int64(seed * (i + 1))
		switch p := f.Addr().Interface().(type) {
		case *string:
			*p = fmt.Sprintf("%s=%d \u00e9\x00", v.Type().Field(i).Name, n)
		case *int64:
			*p = n << 40
		case *bool:
			*p = n%2 != 0
		case *time.Time:
			*p = time.Unix(n*1e8, n*1000+7).UTC()
		case **int64:
			*p = &n
		case **bool:
			b := n%2 == 0
			*p = &b
		case **time.Time:
			tm := time.Date(int(1900+n), 2, 3, 4, 5, 6, 7, time.UTC)
			*p = &tm
		default:
			panic(fmt.Sprintf("fillAll: field %s of type %s", v.Type().Field(i).Name, f.Type()))
		}
	}
	return r
}

// Strings that are parts of the raw record text are spooled as their
// place in it, and read back as parts of the read record text: a spooled
// event holds its text once, as the event did.
func TestSpoolKeepsPartsOfTheRecordText(t *testing.T) {
	raw := `{"eventName":"GetObject","requestParameters":{"bucketName":"b","key":"k"},"responseElements":null}`
	ev := Event{EventID: "e", Raw: raw, EventName: raw[14:23], RequestParameters: raw[45:71], UserAgent: "elsewhere"}
	b := appendEvent(nil, &ev)
	if len(b) > len(raw)+200 {
		t.Errorf("spooled %d bytes for a %d-byte record: its parts were copied", len(b), len(raw))
	}
	d := spoolDecoder{s: string(b)}
	var got Event
	readEvent(&d, &got)
	if d.err != nil || !reflect.DeepEqual(got, ev) {
		t.Fatalf("read back %+v (%v), want %+v", got, d.err, ev)
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(got.Raw)))
	if p := uintptr(unsafe.Pointer(unsafe.StringData(got.RequestParameters))); p < start || p >= start+uintptr(len(got.Raw)) {
		t.Error("the read request parameters are a copy, not a part of the read record text")
	}
	for n := range len(b) {
		d := spoolDecoder{s: string(b[:n])}
		readEvent(&d, &got)
		if d.err == nil {
			t.Fatalf("cut to %d of %d bytes: no error", n, len(b))
		}
	}
}

func TestSortedSet(t *testing.T) {
	for _, c := range []struct {
		names []string
		want  bool
	}{
		{[]string{"a/b/0123abcd-1-1.parquet"}, true},
		{[]string{"a/b/0123abcd.parquet"}, false}, // written before sets were named: sorted by row group only
		{[]string{"d/aa11-1-2.parquet", "d/aa11-2-2.parquet"}, true},
		{[]string{"d/aa11-2-2.parquet", "d/aa11-1-2.parquet"}, true},
		{[]string{"d/aa11-1-3.parquet", "d/aa11-2-3.parquet"}, false}, // a part missing
		{[]string{"d/aa11-1-2.parquet", "d/bb22-2-2.parquet"}, false}, // two sets
		{[]string{"d/aa11-1-2.parquet", "d/aa11-1-2.parquet"}, false},
		{[]string{"d/0123abcd.parquet", "d/4567ef.parquet"}, false}, // two runs' files
		{[]string{"d/0123abcd-1-1.parquet", "d/4567ef-1-1.parquet"}, false},
	} {
		if got := SortedSet(c.names); got != c.want {
			t.Errorf("SortedSet(%v) = %v, want %v", c.names, got, c.want)
		}
	}
}

func TestDayOf(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 7, 1, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 12, 31, 23, 0, 0, 0, time.FixedZone("x", -3600)), // 2027-01-01 in UTC
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 3, 4, 0, 0, 0, 0, time.UTC),
		{},
	} {
		if got, want := dayOf(tm), tm.UTC().Format("2006-01-02"); got != want {
			t.Errorf("dayOf(%v) = %q, want %q", tm, got, want)
		}
	}
}

// TestLongTextKeepsNoStatistics: parquet-go writes whole values as min/max
// bounds and page statistics; for the columns that hold records, documents
// or free text (attacker-controlled, any length) none are kept, so a long
// value is stored once, not seven times (a 3 MiB error message made a
// 22 MB file).
func TestLongTextKeepsNoStatistics(t *testing.T) {
	long := make([]byte, 3<<20)
	for i := range long {
		long[i] = byte('a' + (i*7919)%26)
	}
	for _, set := range []func(*Event){
		func(e *Event) { e.Raw = string(long) },
		func(e *Event) { e.ErrorMessage = string(long) },
		func(e *Event) { e.UserAgent = string(long) },
		func(e *Event) { e.RequestParameters = string(long) },
	} {
		e := event("a", 1, "", "")
		set(&e)
		b, err := EncodeEvents([]Event{e})
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > len(long) {
			t.Errorf("a %d-byte value made a %d-byte file", len(long), len(b))
		}
		got, err := ReadEvents(b)
		if err != nil || len(got) != 1 {
			t.Fatalf("read back %d rows: %v", len(got), err)
		}
		g := got[0]
		if g.Raw != e.Raw || g.ErrorMessage != e.ErrorMessage || g.UserAgent != e.UserAgent || g.RequestParameters != e.RequestParameters {
			t.Errorf("long value did not read back")
		}
	}
}

// TestIndexTrimForgetsAndReloads: a trimmed day is read from the lake again
// when needed, and gives the same answers.
func TestIndexTrimForgetsAndReloads(t *testing.T) {
	ctx := context.Background()
	st, _ := store.NewDir(t.TempDir())
	idx := NewIndex(st)
	buf := NewBuffer(st, Events)
	at := func(id string, day int) Event {
		e := event(id, 0, "", "")
		e.EventTime = time.Date(2026, 7, day, 9, 0, 0, 0, time.UTC)
		return e
	}
	write := func(obj string, evs ...Event) []bool {
		t.Helper()
		w := NewWriter(buf, idx, obj, obj)
		var ok []bool
		for i := range evs {
			added, err := w.Add(ctx, &evs[i])
			if err != nil {
				t.Fatal(err)
			}
			ok = append(ok, added)
		}
		if _, err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	write("a", at("a1", 1), at("a2", 1), at("a3", 2))
	write("b", at("b1", 3), at("b2", 3))
	if idx.Len() != 5 {
		t.Fatalf("Len = %d, want 5", idx.Len())
	}
	idx.Trim(2) // every day was used since the start: all stay
	if idx.Len() != 5 {
		t.Fatalf("after a first Trim(2): Len = %d, want 5 (all days in use)", idx.Len())
	}
	write("b", at("b1", 3)) // only day 3 in use since
	idx.Trim(2)             // days 1 and 2 were used least recently, and not since the last Trim
	if idx.Len() != 2 {
		t.Fatalf("after Trim(2): Len = %d, want 2 (day 3 only)", idx.Len())
	}
	if got := write("c", at("a1", 1), at("b1", 3), at("c1", 2), at("c1", 2)); !slices.Equal(got, []bool{false, false, true, false}) {
		t.Errorf("after a trim: added %v, want [false false true false]", got)
	}
	// Days read again after a trim hold the ids this process wrote, committed or not.
	if got := write("d", at("a1", 1), at("a3", 2)); !slices.Equal(got, []bool{false, false}) {
		t.Errorf("after a trim: added %v, want the run's own uncommitted ids still known", got)
	}
}

// Compaction sorts in spooled runs and merges them: with tiny runs the
// result is the same sorted, duplicate-free day.
func TestCompactSortsSpooledRuns(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, _ := store.NewDir(dir)
	old := compactRunBudget
	compactRunBudget = 8 << 10 // runs of about 12 rows
	defer func() { compactRunBudget = old }()
	var inputs []string
	want := map[string]bool{}
	for f := 0; f < 3; f++ { // three files, each repeating some ids of the one before
		buf := NewBuffer(st, Events)
		w := NewWriter(buf, nil, fmt.Sprint("o", f), "o")
		for i := 0; i < 60; i++ {
			id := fmt.Sprintf("e%03d", f*40+i)
			want[id] = true
			e := event(id, (i*7)%60, fmt.Sprint("s", i%5), fmt.Sprintf("p%02d", (f*40+i)%9))
			if _, err := w.Add(ctx, &e); err != nil {
				t.Fatal(err)
			}
		}
		buf.Flush(ctx)
		files, _ := buf.Take()
		inputs = append(inputs, files[0].Path)
	}
	out, stats, err := Compact(ctx, st, Events, "2026-07-01", inputs, 0)
	if err != nil {
		t.Fatal(err)
	}
	if stats.RowsIn != 180 || stats.Duplicates != 40 || stats.RowsOut != int64(len(want)) || len(out) != 1 {
		t.Fatalf("stats %+v, files %+v; want 180 in, 40 duplicates, %d out in one file", stats, out, len(want))
	}
	b, _ := os.ReadFile(filepath.Join(dir, out[0].Path))
	rows, err := ReadEvents(b)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := range rows {
		if seen[rows[i].EventID] || !want[rows[i].EventID] {
			t.Errorf("row %s twice or unexpected", rows[i].EventID)
		}
		seen[rows[i].EventID] = true
		if i > 0 && Less(&rows[i], &rows[i-1]) {
			t.Fatalf("row %d out of order", i)
		}
		// e045 is in files 0 and 1, at second 15 and 35: the first file's row stays.
		if rows[i].EventID == "e045" && rows[i].EventTime.Second() != 15 {
			t.Errorf("e045 kept from a later file (second %d)", rows[i].EventTime.Second())
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, SpoolDir, "*")); len(m) != 0 {
		t.Errorf("spool files left behind: %v", m)
	}
}

func TestCleanSpoolRemovesOnlyStaleFiles(t *testing.T) {
	dir := t.TempDir()
	st, _ := store.NewDir(dir)
	os.MkdirAll(filepath.Join(dir, SpoolDir), 0o755)
	stale, fresh := filepath.Join(dir, SpoolDir, "spool-1.parquet"), filepath.Join(dir, SpoolDir, "spool-2.parquet")
	os.WriteFile(stale, []byte("x"), 0o600)
	os.WriteFile(fresh, []byte("y"), 0o600)
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(stale, old, old)
	n, err := CleanSpool(st, time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("CleanSpool = %d, %v; want the stale file removed", n, err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("stale spool file kept")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("a spool file being written was removed")
	}
}

// listCounter is a real local store that records the prefixes listed.
type listCounter struct {
	*store.Dir
	prefixes []string
}

func (l *listCounter) List(ctx context.Context, prefix string, fn func(store.Object) error) error {
	l.prefixes = append(l.prefixes, prefix)
	return l.Dir.List(ctx, prefix, fn)
}

// TestIndexReadsADayWithoutTheLedger: once the committer marks committed
// objects' days (FinishRequest; MarkLedger for what was committed before),
// loading a day lists that day only, not the whole ledger, and counts the
// marked object's ids; an unmarked object's ids (a crashed or still
// pending run's) are ignored.
func TestIndexReadsADayWithoutTheLedger(t *testing.T) {
	ctx := context.Background()
	dir, _ := store.NewDir(t.TempDir())
	buf := NewBuffer(dir, Events)
	e := event("dup", 1, "", "")
	for _, obj := range []string{"committed", "crashed"} {
		w := NewWriter(buf, NewIndex(dir), obj, obj)
		other := event("only-"+obj, 1, "", "")
		w.Add(ctx, &e)
		w.Add(ctx, &other)
		if _, err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	day := Events.Day(&e)
	r := &CommitRequest{ID: "r1", Files: []DataFile{{Table: Events.Name, Day: day, Path: "x.parquet"}}, Objects: []*Manifest{{Object: "committed", ObjectID: "committed"}}}
	if err := WriteRequest(ctx, dir, r); err != nil {
		t.Fatal(err)
	}
	if err := FinishRequest(ctx, dir, r); err != nil {
		t.Fatal(err)
	}
	if err := MarkLedger(ctx, dir); err != nil {
		t.Fatal(err)
	}
	lc := &listCounter{Dir: dir}
	idx := NewIndex(lc)
	w := NewWriter(NewBuffer(dir, Events), idx, "new", "new")
	if ok, _ := w.Add(ctx, &e); ok {
		t.Error("an event id the committed object holds was written again")
	}
	crashed := event("only-crashed", 1, "", "")
	if ok, _ := w.Add(ctx, &crashed); !ok {
		t.Error("an event id only a crashed run wrote was refused")
	}
	for _, p := range lc.prefixes {
		if strings.HasPrefix(p, ManifestDir) {
			t.Errorf("the index listed the ledger (%q) although the day is marked", p)
		}
	}
	if len(lc.prefixes) != 1 {
		t.Errorf("listed %v, want the day's index folder once", lc.prefixes)
	}
}

// TestMarkLedgerKeepsOlderCommits: a lake committed before markers
// existed keeps deduplicating against its committed objects once marked.
func TestMarkLedgerKeepsOlderCommits(t *testing.T) {
	ctx := context.Background()
	dir, _ := store.NewDir(t.TempDir())
	e := event("old", 1, "", "")
	w := NewWriter(NewBuffer(dir, Events), NewIndex(dir), "old", "old")
	w.Add(ctx, &e)
	if _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := WriteManifest(ctx, dir, &Manifest{Object: "old", ObjectID: "old"}); err != nil { // committed the old way
		t.Fatal(err)
	}
	if err := MarkLedger(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if ok, _ := NewWriter(NewBuffer(dir, Events), NewIndex(dir), "new", "new").Add(ctx, &e); ok {
		t.Error("after MarkLedger, an event id an older commit holds was written again")
	}
}

// A day is cut into one part per partRows rows, rounded up to a multiple
// of the cores, so that the last part is not written while a core waits.
func TestPartsFor(t *testing.T) {
	for _, c := range []struct{ total, cores, want int64 }{
		{1, 2, 1},
		{partRows, 2, 1},       // one part: nothing to balance
		{partRows + 1, 2, 2},   // two parts
		{2*partRows + 1, 2, 4}, // three parts → four, two per core
		{2*partRows + 1, 1, 3}, // one core: no rounding
		{2*partRows + 1, 3, 3}, // already a multiple
		{4*partRows + 1, 2, 6}, // maxParts is applied by the caller
		{2*partRows + 1, 16, 16},
	} {
		if got := partsFor(c.total, c.cores); got != c.want {
			t.Errorf("partsFor(%d, %d) = %d, want %d", c.total, c.cores, got, c.want)
		}
	}
}
