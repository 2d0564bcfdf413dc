package warehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/auditlake/auditlake/schemas"
)

// Replace commits, as one snapshot of table name (created from schemas/
// when missing), the removal of its current data files that drop selects
// and the addition of the data files at keys (below the lake root, already
// written). It is how `report build` swaps the days of a derived table it
// rebuilt: readers see the old days or the new ones, never a mix. props
// are recorded in the snapshot summary. It returns the table's snapshot
// after the commit (its current one when there was nothing to change).
func (w *Warehouse) Replace(ctx context.Context, name string, drop func(File) bool, keys []string, props map[string]string) (int64, error) {
	if err := w.Evolve(ctx, name); err != nil {
		return 0, err
	}
	for attempt := 0; attempt < commitAttempts; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(50*attempt) * time.Millisecond)
		}
		t, err := w.ensure(ctx, name)
		if err != nil {
			return 0, err
		}
		adding := map[string]bool{}
		for _, k := range keys {
			adding[w.URI(k)] = true
		}
		present := map[string]bool{} // a file rebuilt byte for byte (so under its old name) stays
		var del []iceberg.DataFile
		current := int64(0)
		if s := t.CurrentSnapshot(); s != nil {
			current = s.SnapshotID
			files, err := w.files(ctx, t, s.SnapshotID, nil)
			if err != nil {
				return 0, err
			}
			for _, f := range files {
				switch {
				case adding[f.URI]:
					present[f.URI] = true
				case drop(f):
					del = append(del, f.df)
				}
			}
		}
		if len(del) == 0 && len(present) == len(adding) {
			return current, nil
		}
		fs, err := t.FS(ctx)
		if err != nil {
			return 0, err
		}
		add := make([]iceberg.DataFile, 0, len(keys))
		for _, k := range keys {
			if present[w.URI(k)] {
				continue
			}
			df, err := table.FileToDataFile(ctx, fs, w.URI(k), t.Schema(), t.Spec(), t.SortOrder().OrderID(), t.Properties())
			if err != nil {
				return 0, fmt.Errorf("%s: %w", k, err)
			}
			add = append(add, df)
		}
		tx := t.NewTransaction()
		if err := tx.ReplaceDataFilesWithDataFiles(ctx, del, add, iceberg.Properties(props)); err != nil {
			return 0, err
		}
		nt, err := tx.Commit(ctx)
		if conflict(err) {
			continue
		}
		if err != nil {
			return 0, err
		}
		return nt.CurrentSnapshot().SnapshotID, nil
	}
	return 0, fmt.Errorf("%s: gave up after %d conflicting commits", name, commitAttempts)
}

// Evolve adds to table name the columns its schemas/ file gained since the
// table was created (schemas/ only ever appends columns, so each new
// column gets the next field id, its position), in one commit of its own.
func (w *Warehouse) Evolve(ctx context.Context, name string) error {
	tbl, err := schemas.Load(name)
	if err != nil {
		return err
	}
	def, err := Definition(tbl)
	if err != nil {
		return err
	}
	for attempt := 0; attempt < commitAttempts; attempt++ {
		t, err := w.ensure(ctx, name)
		if err != nil {
			return err
		}
		have := t.Schema()
		var missing []iceberg.NestedField
		for _, f := range def.Schema.Fields() {
			if _, ok := have.FindFieldByName(f.Name); !ok {
				missing = append(missing, f)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		tx := t.NewTransaction()
		up := tx.UpdateSchema(true, false)
		for _, f := range missing {
			up = up.AddColumn([]string{f.Name}, f.Type, f.Doc, false, nil)
		}
		if err := up.Commit(); err != nil {
			return fmt.Errorf("%s: add columns: %w", name, err)
		}
		nt, err := tx.Commit(ctx)
		if conflict(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: add columns: %w", name, err)
		}
		for _, f := range missing {
			if got, ok := nt.Schema().FindFieldByName(f.Name); !ok || got.ID != f.ID {
				return fmt.Errorf("%s: column %s got field id %d, want %d (its position in schemas/)", name, f.Name, got.ID, f.ID)
			}
		}
		return nil
	}
	return fmt.Errorf("%s: gave up adding columns after %d conflicting commits", name, commitAttempts)
}
