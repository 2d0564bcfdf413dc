package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/athena"
	"github.com/auditlake/auditlake/pipeline/cloudtrail"
	"github.com/auditlake/auditlake/pipeline/lake"
)

// SkipQueryNotFinal counts Athena executions that were still queued or
// running: a later fetch stores them once they are final.
const SkipQueryNotFinal = "query-not-final"

// athenaFile streams the query executions of an AWS CLI JSON file into w.
func (in *ingester) athenaFile(ctx context.Context, body io.Reader, w *lake.Writer[lake.AthenaQuery], m *lake.Manifest) error {
	notFinal, err := athena.ReadFile(body, m.Object, func(q *lake.AthenaQuery, offset int64) error {
		m.Read++
		return in.addQuery(ctx, w, q, m, offset)
	})
	if notFinal > 0 {
		m.Read += int64(notFinal)
		m.Skipped[SkipQueryNotFinal] += int64(notFinal)
	}
	var bad athena.RecordErrors
	if errors.As(err, &bad) {
		for _, e := range bad {
			m.Read++
			reason := e.Reason
			if e.Unreadable {
				reason = "unreadable from here to the end of the object: " + reason
			}
			w.Quarantine(e.Offset, reason, e.Raw)
		}
		return nil
	}
	return err
}

// addQuery writes one query execution unless it falls outside the time
// window or is already in the lake; one submitted at an implausible time
// is quarantined (offset: in the file, or the position in the API's
// answers).
func (in *ingester) addQuery(ctx context.Context, w *lake.Writer[lake.AthenaQuery], q *lake.AthenaQuery, m *lake.Manifest, offset int64) error {
	if why := in.implausible(q.SubmittedAt); why != "" {
		w.Quarantine(offset, why+" (query "+q.QueryID+")", nil)
		return nil
	}
	return admit(ctx, in, w, q, q.SubmittedAt, m)
}

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
	var ev lake.Event
	var offset int64
	files, err := write(ctx, in, lake.Events, m, func(w *lake.Writer[lake.Event]) error {
		_, err := cloudtrail.Lookup(ctx, opt.API, cloudtrail.LookupOptions{Start: opt.Since, End: opt.Until, MaxRate: opt.MaxRate},
			func(raw []byte) error {
				m.Read++
				rec := cloudtrail.Record{Raw: raw, Offset: offset}
				offset++ // for API records the offset is the record's position in the response stream
				kind, err := in.norm.Normalize(rec, loc, &ev)
				switch {
				case err != nil:
					w.Quarantine(rec.Offset, err.Error(), raw)
					return nil
				case kind == cloudtrail.KindInsight:
					m.Skipped[SkipInsightRecord]++
					return nil
				}
				if why := in.implausible(ev.EventTime); why != "" {
					w.Quarantine(rec.Offset, why, raw)
					return nil
				}
				return in.addEvent(ctx, w, &ev, m)
			})
		return err
	})
	if err != nil {
		return in.sum, fmt.Errorf("lookup %s: %w", opt.Region, err)
	}
	if err := in.finish(ctx, m, files); err != nil {
		return in.sum, err
	}
	return in.sum, in.done(ctx)
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
	files, err := write(ctx, in, lake.AthenaQueries, m, func(w *lake.Writer[lake.AthenaQuery]) error {
		var n int64
		st, err := athena.Fetch(ctx, opt.API, athena.FetchOptions{WorkGroups: opt.WorkGroups, Since: opt.Since},
			func(q *lake.AthenaQuery) error {
				m.Read++
				q.SourceObject = loc
				n++
				return in.addQuery(ctx, w, q, m, n-1)
			})
		m.Read += int64(st.SkippedNotFinal + st.SkippedOld)
		m.Skipped[SkipQueryNotFinal] += int64(st.SkippedNotFinal)
		m.Skipped[SkipOutsideWindow] += int64(st.SkippedOld)
		if st.HistoryLimited {
			in.log.Warn("Athena keeps 45 days of query history; older queries cannot be fetched", "cutoff", st.Cutoff)
		}
		return err
	})
	if err != nil {
		return in.sum, fmt.Errorf("athena history: %w", err)
	}
	if err := in.finish(ctx, m, files); err != nil {
		return in.sum, err
	}
	return in.sum, in.done(ctx)
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
	files, err := write(ctx, in, lake.AthenaQueries, m, func(w *lake.Writer[lake.AthenaQuery]) error {
		m.Read++
		return in.addQuery(ctx, w, q, m, 0)
	})
	if err != nil {
		return in.sum, err
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
