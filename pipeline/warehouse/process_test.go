package warehouse_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/internal/trailgen"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/store"
	"github.com/auditlake/auditlake/pipeline/testsupport/s3test"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

// These tests run the real ingest binary, several at once and killed with
// SIGKILL at named points (package failpoint) and at random moments, and
// check the lake from outside: readable at every point, nothing lost,
// nothing duplicated in what a reader sees, and a re-run completes it.

var ingestBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "auditlake-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ingestBin = filepath.Join(dir, "ingest")
	build := exec.Command("go", "build", "-o", ingestBin, "../../cmd/ingest")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building cmd/ingest:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// inputs writes trail files seeds from..to (300 records each, 20 Studio
// profiles, two days) into a new folder.
func inputs(t *testing.T, from, to int) string {
	t.Helper()
	trailgen.Cast(20, 12, 2)
	trailgen.MaxRecords = 300
	dir := t.TempDir()
	for s := from; s <= to; s++ {
		if _, _, err := trailgen.WriteGzip(filepath.Join(dir, fmt.Sprintf("trail-%02d.json.gz", s)), int64(s), 8<<20); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// expected is the set of event ids a clean, single run over dirs stores.
func expected(t *testing.T, dirs ...string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	ref := t.TempDir()
	w := open(t, ref)
	if _, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: dirs, Lake: ref, Committer: w}); err != nil {
		t.Fatal(err)
	}
	ids, _ := visible(t, ref)
	return ids
}

// visible reads the events a reader of the lake sees (the views' rule: days
// marked unchecked are deduplicated) and fails when a day not marked holds
// an id twice. It also returns the number of stored rows.
func visible(t *testing.T, loc string) (map[string]bool, int) {
	t.Helper()
	ctx := context.Background()
	w := open(t, loc)
	snap, err := w.Snapshot(ctx, lake.Events.Name, warehouse.AsOf{}, nil)
	if err != nil {
		t.Fatalf("lake not readable: %v", err)
	}
	unchecked := map[string]bool{}
	for _, d := range snap.Unchecked {
		unchecked[d] = true
	}
	ids := map[string]bool{}
	stored := 0
	for _, f := range snap.Files {
		b, err := store.ReadAll(ctx, w.Store(), f.Key)
		if err != nil {
			t.Fatalf("data file of the snapshot: %v", err)
		}
		rows, err := lake.ReadEvents(b)
		if err != nil {
			t.Fatalf("%s: %v", f.Key, err)
		}
		for _, e := range rows {
			stored++
			if ids[e.EventID] && !unchecked[e.Day()] {
				t.Errorf("event %s twice on %s, a day not marked for deduplication", e.EventID, e.Day())
			}
			ids[e.EventID] = true
		}
	}
	return ids, stored
}

func same(t *testing.T, what string, got, want map[string]bool) {
	t.Helper()
	var lost, extra []string
	for id := range want {
		if !got[id] {
			lost = append(lost, id)
		}
	}
	for id := range got {
		if !want[id] {
			extra = append(extra, id)
		}
	}
	if len(lost)+len(extra) > 0 {
		sort.Strings(lost)
		sort.Strings(extra)
		t.Errorf("%s: %d events lost %v, %d unexpected %v", what, len(lost), head(lost), len(extra), head(extra))
	}
}

func head(s []string) []string {
	if len(s) > 3 {
		return s[:3]
	}
	return s
}

// ingestCmd is the ingest binary with args, in the test's environment
// plus env.
func ingestCmd(env []string, args ...string) *exec.Cmd {
	c := exec.Command(ingestBin, args...)
	c.Env = append(os.Environ(), env...)
	return c
}

func runIngest(t *testing.T, env []string, args ...string) {
	t.Helper()
	out, err := ingestCmd(env, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ingest %v: %v\n%s", args, err, out)
	}
}

// killed runs the binary and expects it to die of SIGKILL.
func killed(t *testing.T, env []string, args ...string) {
	t.Helper()
	out, err := ingestCmd(env, args...).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("ingest %v with %v: %v, want killed by SIGKILL\n%s", args, env, err, out)
	}
}

func concurrentIngests(t *testing.T, lakeLoc string) {
	a, b := inputs(t, 1, 8), inputs(t, 5, 12) // files 5–8 in both, under other names
	want := expected(t, a, b)
	var cmds []*exec.Cmd
	for _, in := range []string{a, b, a} {
		c := ingestCmd(nil, in, "--lake", lakeLoc)
		var out strings.Builder
		c.Stdout, c.Stderr = &out, &out
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
		defer func() {
			if t.Failed() {
				t.Log(out.String())
			}
		}()
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("concurrent ingest: %v", err)
		}
	}
	got, stored := visible(t, lakeLoc)
	same(t, "after three concurrent ingests", got, want)
	t.Logf("%d events visible, %d rows stored", len(got), stored)
	runIngest(t, nil, "compact", "--lake", lakeLoc)
	got, stored = visible(t, lakeLoc)
	same(t, "after compaction", got, want)
	if stored != len(want) {
		t.Errorf("after compaction %d rows stored, want %d (the stored table is unique)", stored, len(want))
	}
}

func TestConcurrentIngestProcessesLocal(t *testing.T) {
	concurrentIngests(t, t.TempDir())
}

func TestConcurrentIngestProcessesS3(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	srv.CreateBucket(t, "lake")
	concurrentIngests(t, "s3://lake/audit")
}

// An ingest killed at any point leaves a readable lake with no partial
// run visible; a re-run stores exactly the expected events.
func TestIngestKilledThenRerun(t *testing.T) {
	in := inputs(t, 1, 6)
	// The scenario's Athena history too, so that both tables commit.
	b, err := os.ReadFile("../../testdata/scenario/logs/athena/batch-get-query-execution-primary-2026-07-01.json")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(in, "athena.json"), b, 0o644)
	want := expected(t, in)
	for _, fp := range []string{"ingest-after-data-files", "ingest-after-request", "commit-after-athena_queries", "commit-after-events", "commit-before-ledger"} {
		t.Run(fp, func(t *testing.T) {
			lk := t.TempDir()
			killed(t, []string{"AUDITLAKE_FAILPOINT=" + fp}, in, "--lake", lk)
			got, _ := visible(t, lk)
			if len(got) != 0 && len(got) != len(want) {
				t.Errorf("after the kill a reader sees %d of %d events: a partial run is visible", len(got), len(want))
			}
			runIngest(t, nil, in, "--lake", lk)
			got, _ = visible(t, lk)
			same(t, "after the re-run", got, want)
			if reqs, _ := lake.PendingRequests(context.Background(), open(t, lk).Store()); len(reqs) != 0 {
				t.Errorf("%d commit requests left pending after the re-run", len(reqs))
			}
			// A third run adds nothing.
			out, err := ingestCmd(nil, in, "--lake", lk, "--json").Output()
			if err != nil || !strings.Contains(string(out), `"events_written":0`) {
				t.Errorf("third run: %v %s", err, out)
			}
		})
	}
	// Killed at moments of the clock's choosing.
	for _, after := range []time.Duration{30 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond} {
		t.Run(fmt.Sprint("after-", after), func(t *testing.T) {
			lk := t.TempDir()
			c := ingestCmd(nil, in, "--lake", lk)
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(after)
			c.Process.Signal(syscall.SIGKILL)
			c.Wait()
			visible(t, lk)
			runIngest(t, nil, in, "--lake", lk)
			got, _ := visible(t, lk)
			same(t, "after the re-run", got, want)
		})
	}
}

// A compaction killed before or after its commit leaves the lake readable
// with exactly the expected events; a re-run finishes it.
func TestCompactionKilledThenRerun(t *testing.T) {
	a, b := inputs(t, 1, 4), inputs(t, 3, 6)
	want := expected(t, a, b)
	for _, fp := range []string{"compact-after-files", "compact-after-commit"} {
		t.Run(fp, func(t *testing.T) {
			lk := t.TempDir()
			runIngest(t, nil, a, "--lake", lk)
			runIngest(t, nil, b, "--lake", lk)
			killed(t, []string{"AUDITLAKE_FAILPOINT=" + fp}, "compact", "--lake", lk)
			got, _ := visible(t, lk)
			same(t, "after the killed compaction", got, want)
			runIngest(t, nil, "compact", "--lake", lk)
			got, stored := visible(t, lk)
			same(t, "after the re-run", got, want)
			snap, err := open(t, lk).Snapshot(context.Background(), lake.Events.Name, warehouse.AsOf{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			days := map[string]int{}
			for _, f := range snap.Files {
				days[f.Day]++
			}
			for d, n := range days {
				if n != 1 {
					t.Errorf("%s: %d files after compaction, want 1", d, n)
				}
			}
			if stored != len(want) {
				t.Errorf("%d rows stored after compaction, want %d", stored, len(want))
			}
		})
	}
}
