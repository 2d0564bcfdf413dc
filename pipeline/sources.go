package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/athena"
	"github.com/auditlake/auditlake/pipeline/cloudtrail"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/source"
)

// SkipQueryNotFinal counts Athena executions that were still queued or
// running: a later fetch stores them once they are final.
const SkipQueryNotFinal = source.SkipQueryNotFinal

// apiObject is the manifest of records fetched from an API rather than
// read from an object. Its location names the call, so that fetching the
// same window again rewrites the same files.
func apiObject(loc, format string) *lake.Manifest {
	m := newManifest(loc, lake.ObjectID(loc, ""), 0, "")
	m.Format = format
	return m
}

// LookupOptions configure a CloudTrail LookupEvents backfill.
type LookupOptions struct {
	Options                      // Lake, ProfilesFile, Since, Until, Logger (Inputs is unused)
	Region  string               // the Region to read (LookupEvents is per Region)
	API     cloudtrail.LookupAPI // a CloudTrail client for Region
	MaxRate float64              // requests per second; 0 means CloudTrail's limit of 2
}

// IngestLookup backfills management events from CloudTrail LookupEvents
// over [Since, Until) through the same normalization, dedupe and sink as
// trail files: events already in the lake are not written twice. Data
// events (S3 GetObject) are not available from LookupEvents.
func IngestLookup(ctx context.Context, opt LookupOptions) (*Summary, error) {
	if opt.API == nil || opt.Region == "" {
		return nil, errors.New("lookup: a Region and a CloudTrail client are required")
	}
	in, err := newIngester(ctx, opt.Options)
	if err != nil {
		return nil, err
	}
	loc := fmt.Sprintf("cloudtrail-lookup://%s/%s/%s", opt.Region, stamp(opt.Since), stamp(opt.Until))
	m := apiObject(loc, lake.FormatCloudTrail)
	rd := cloudtrail.NewLookupSource(ctx, opt.API, cloudtrail.LookupOptions{Start: opt.Since, End: opt.Until, MaxRate: opt.MaxRate}, loc)
	return fetched(ctx, in, eventRows, rd, m, "lookup "+opt.Region, nil)
}

// AthenaOptions configure an Athena query-history fetch.
type AthenaOptions struct {
	Options             // Lake, Since, Until, Logger (Inputs is unused)
	Region     string   // for naming the fetch in the manifest
	WorkGroups []string // none means every workgroup
	API        athena.API
}

// IngestAthena stores the final query executions of Athena's history
// (45 days at most) in the athena_queries table.
func IngestAthena(ctx context.Context, opt AthenaOptions) (*Summary, error) {
	if opt.API == nil {
		return nil, errors.New("athena: an Athena client is required")
	}
	in, err := newIngester(ctx, opt.Options)
	if err != nil {
		return nil, err
	}
	loc := fmt.Sprintf("athena-history://%s/%s/%s/%s", opt.Region, strings.Join(opt.WorkGroups, ","), stamp(opt.Since), stamp(opt.Until))
	m := apiObject(loc, lake.FormatAthena)
	rd := athena.NewFetchSource(ctx, opt.API, athena.FetchOptions{WorkGroups: opt.WorkGroups, Since: opt.Since}, loc)
	return fetched(ctx, in, queryRows, rd, m, "athena history", func() {
		if st := rd.Stats(); st.HistoryLimited {
			in.log.Warn("Athena keeps 45 days of query history; older queries cannot be fetched", "cutoff", st.Cutoff)
		}
	})
}

// IngestAthenaEvent handles one EventBridge "Athena Query State Change"
// event: on a final state it fetches the execution and stores it; other
// states are counted as skipped.
func IngestAthenaEvent(ctx context.Context, opt Options, api athena.API, event []byte) (*Summary, error) {
	in, err := newIngester(ctx, opt)
	if err != nil {
		return nil, err
	}
	q, err := athena.HandleStateChange(ctx, api, event)
	if err != nil {
		return in.sum, err
	}
	if q == nil {
		in.sum.Read++
		in.sum.Skipped[SkipQueryNotFinal]++
		return in.sum, nil
	}
	loc := "athena-eventbridge://" + q.QueryID
	m := apiObject(loc, lake.FormatAthena)
	q.SourceObject = loc
	rd := source.Pull(func(emit func(*lake.AthenaQuery, error) bool) error {
		emit(q, nil)
		return nil
	})
	return fetched(ctx, in, queryRows, rd, m, "athena event", nil)
}

// fetched ends a run that read the records of one API fetch (m) from rd:
// the same loop as objects, then the run's commit request (and commit).
func fetched[R any](ctx context.Context, in *ingester, k *rows[R], rd source.Reader[R], m *lake.Manifest, what string, after func()) (*Summary, error) {
	files, err := readRows(ctx, in, k, rd, m, nil)
	if err != nil {
		return in.sum, fmt.Errorf("%s: %w", what, err)
	}
	if after != nil {
		after()
	}
	if err := in.finish(ctx, m, files); err != nil {
		return in.sum, err
	}
	return in.sum, in.done(ctx)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
