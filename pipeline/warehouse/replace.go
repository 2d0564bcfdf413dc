package warehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
)

// Replace commits, as one snapshot of table name (created from schemas/
// when missing), the removal of its current data files that drop selects
// and the addition of the data files at keys (below the lake root, already
// written). It is how `report build` swaps the days of a derived table it
// rebuilt: readers see the old days or the new ones, never a mix. props
// are recorded in the snapshot summary. It returns the table's snapshot
// after the commit (its current one when there was nothing to change).
func (w *Warehouse) Replace(ctx context.Context, name string, drop func(File) bool, keys []string, props map[string]string) (int64, error) {
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
