package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/store"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

// v2Lake writes the scenario's rows in layout v2 (one file per profile and
// day), as the previous version left a lake.
func v2Lake(t *testing.T) (string, []lake.Event) {
	t.Helper()
	src := t.TempDir()
	ingest(t, Options{Inputs: []string{scenario}, Lake: src})
	events, _ := committedRows[lake.Event](t, src, lake.Events.Name)
	queries, _ := committedRows[lake.AthenaQuery](t, src, lake.AthenaQueries.Name)
	dir := t.TempDir()
	byProfile := map[string][]lake.Event{}
	for _, e := range events {
		p := e.StudioProfile
		if p == "" {
			p = "_none"
		}
		byProfile[p] = append(byProfile[p], e)
	}
	for p, rows := range byProfile {
		b, err := lake.Encode(lake.Events, rows)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, "events", "dt=2026-07-01", "profile="+p, "0123456789abcdef01234567-0000.parquet")
		os.MkdirAll(filepath.Dir(f), 0o755)
		os.WriteFile(f, b, 0o644)
	}
	b, _ := lake.Encode(lake.AthenaQueries, queries)
	f := filepath.Join(dir, "athena_queries", "dt=2026-07-01", "0123456789abcdef01234567-0000.parquet")
	os.MkdirAll(filepath.Dir(f), 0o755)
	os.WriteFile(f, b, 0o644)
	return dir, events
}

func TestMigrateV2LakeOnceLosingNothing(t *testing.T) {
	ctx := context.Background()
	dir, want := v2Lake(t)
	if _, err := Ingest(ctx, Options{Inputs: []string{scenario}, Lake: dir}); !errors.Is(err, lake.ErrLegacyLayout) {
		t.Fatalf("ingest into a v2 lake = %v, want ErrLegacyLayout naming ingest migrate", err)
	}
	w, err := warehouse.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	// A migration that stopped after its commit, before moving the v2 files…
	st, _ := store.NewDir(dir)
	var legacy []store.Object
	st.List(ctx, "events/", func(o store.Object) error { legacy = append(legacy, o); return nil })
	if err := migrateRows(ctx, st, legacy, &MigrateStats{}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// …is finished by the next run, which commits nothing twice.
	stats, err := Migrate(ctx, dir, w)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Committed || stats.Moved != 7 {
		t.Errorf("resumed migration = %+v, want no second commit and the 7 v2 files moved", stats)
	}
	got, _ := committedRows[lake.Event](t, dir, lake.Events.Name)
	if len(got) != len(want) {
		t.Errorf("migrated lake holds %d events, want %d", len(got), len(want))
	}
	ids := map[string]bool{}
	for _, e := range got {
		ids[e.EventID] = true
	}
	for _, e := range want {
		if !ids[e.EventID] {
			t.Errorf("event %s lost in the migration", e.EventID)
		}
	}
	if err := lake.CheckLayout(ctx, st); err != nil {
		t.Errorf("after migration: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, LegacyDir, "events", "dt=2026-07-01", "*", "*.parquet")); len(m) != 6 {
		t.Errorf("v2 files kept in %s: %v", LegacyDir, m)
	}
	again, err := Migrate(ctx, dir, w)
	if err != nil || again.Files != 0 || again.Moved != 0 {
		t.Errorf("migrating a migrated lake = %+v, %v; want nothing done", again, err)
	}
}

// A fresh migration carries the Athena table too.
func TestMigrateV2Lake(t *testing.T) {
	ctx := context.Background()
	dir, want := v2Lake(t)
	w, _ := warehouse.Open(ctx, dir)
	stats, err := Migrate(ctx, dir, w)
	if err != nil {
		t.Fatal(err)
	}
	if !stats.Committed || stats.Files != 7 || stats.Rows != int64(len(want))+5 || stats.Quarantined != 0 {
		t.Errorf("migration = %+v, want 7 files, %d rows (events and 5 queries) committed", stats, len(want)+5)
	}
	qs, _ := committedRows[lake.AthenaQuery](t, dir, lake.AthenaQueries.Name)
	if len(qs) != 5 {
		t.Errorf("athena_queries holds %d rows after migration, want 5", len(qs))
	}
}
