package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	"github.com/auditlake/auditlake/pipeline/athena"
	"github.com/auditlake/auditlake/pipeline/cloudtrail"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/s3access"
	"github.com/auditlake/auditlake/pipeline/source"
)

// format is one kind of input object ingest reads: how it is recognised
// by its first bytes (decompressed), and how its records are read.
type format struct {
	name   string // lake.Format…, recorded in the object's ledger entry
	detect func(head []byte) bool
	// read writes the object's rows from body; failed reports a read
	// error of the object's store (not of its content), which fails the
	// object instead of its records.
	read func(ctx context.Context, in *ingester, body io.Reader, m *lake.Manifest, failed func() error) ([]string, error)
}

// formats are the sources of input objects, tried in this order. Objects
// are routed by key first (cloudtrail.RouteKey: digests and Insights).
var formats = []format{
	{lake.FormatAthena, athena.Detect, func(ctx context.Context, in *ingester, body io.Reader, m *lake.Manifest, failed func() error) ([]string, error) {
		return readRows(ctx, in, queryRows, athena.NewFileSource(body, m.Object), m, failed)
	}},
	{lake.FormatCloudTrailDigest, isDigest, readDigest},
	{lake.FormatCloudTrail, isJSON, func(ctx context.Context, in *ingester, body io.Reader, m *lake.Manifest, failed func() error) ([]string, error) {
		return readRows(ctx, in, eventRows, cloudtrail.NewSource(body, m.Object), m, failed)
	}},
	{lake.FormatS3AccessLog, s3access.Detect, func(ctx context.Context, in *ingester, body io.Reader, m *lake.Manifest, failed func() error) ([]string, error) {
		return readRows(ctx, in, eventRows, s3access.NewSource(body, m.Object), m, failed)
	}},
}

// formatsKnown names the formats detect recognises, for error messages.
const formatsKnown = "not CloudTrail JSON, Athena query executions or an S3 server access log"

// unknownFormat quarantines an object no format recognises, whole.
var unknownFormat = format{lake.FormatUnknown, nil, func(ctx context.Context, in *ingester, body io.Reader, m *lake.Manifest, failed func() error) ([]string, error) {
	head := make([]byte, 64)
	n, _ := io.ReadFull(body, head)
	if err := failed(); err != nil {
		return nil, err
	}
	m.Read = 1
	w := lake.NewWriter(in.events, in.idx, m.ObjectID, m.Object)
	w.Quarantine(0, "unrecognized format: "+formatsKnown, head[:n])
	m.Quarantined = 1
	return w.Close(ctx)
}}

// detect decides an object's format from its first bytes.
func detect(r *bufio.Reader) format {
	head, _ := r.Peek(512)
	head = bytes.TrimLeft(head, " \t\r\n\ufeff") // blanks and a byte-order mark, in any order
	for _, f := range formats {
		if f.detect(head) {
			return f
		}
	}
	return unknownFormat
}

func formatNamed(name string) format {
	for _, f := range formats {
		if f.name == name {
			return f
		}
	}
	return unknownFormat
}

func isJSON(head []byte) bool { return len(head) > 0 && (head[0] == '{' || head[0] == '[') }

// isDigest recognises a CloudTrail digest file by its first member.
func isDigest(head []byte) bool {
	return isJSON(head) && bytes.Contains(head, []byte(`"digestStartTime"`)) && !bytes.Contains(head, []byte(`"Records"`))
}

// readDigest records a CloudTrail digest file in the object's ledger entry
// (the completeness checks read it); it holds no rows.
func readDigest(ctx context.Context, in *ingester, body io.Reader, m *lake.Manifest, failed func() error) ([]string, error) {
	w := lake.NewWriter(in.events, in.idx, m.ObjectID, m.Object)
	d, err := cloudtrail.ParseDigest(body)
	if ferr := failed(); ferr != nil {
		return nil, ferr
	}
	if err != nil {
		m.Read = 1
		w.Quarantine(0, err.Error(), nil)
		m.Quarantined = 1
	} else {
		m.Digest = d
		in.sum.Digests++
	}
	return w.Close(ctx)
}

// rows is what the loop needs to know of a table's rows.
type rows[R any] struct {
	buffer  func(*ingester) *lake.Buffer[R]
	at      func(*R) time.Time                  // the time the window and the plausible range apply to
	record  func(*R) (offset int64, raw string) // for the quarantine
	resolve func(*ingester, *R)                 // fills what ingest adds (the Studio profile)
}

var eventRows = &rows[lake.Event]{
	buffer: func(in *ingester) *lake.Buffer[lake.Event] { return in.events },
	at:     func(e *lake.Event) time.Time { return e.EventTime },
	record: func(e *lake.Event) (int64, string) { return e.SourceOffset, e.Raw },
	// The one place Studio profiles are learned (from SageMaker calls, in
	// record order) and resolved: from sourceIdentity, else the execution
	// role (access logs carry no sourceIdentity).
	resolve: func(in *ingester, e *lake.Event) {
		if e.LogSource == lake.SourceCloudTrail && e.Outcome == lake.OutcomeSuccess {
			in.profiles.LearnCall(e.EventSource, e.EventName, e.RequestParameters, e.ResponseElements)
		}
		e.StudioProfile, e.ProfileSource = in.profiles.Resolve(e.SourceIdentity, e.RoleARN)
	},
}

var queryRows = &rows[lake.AthenaQuery]{
	buffer:  func(in *ingester) *lake.Buffer[lake.AthenaQuery] { return in.queries },
	at:      func(q *lake.AthenaQuery) time.Time { return q.SubmittedAt },
	record:  func(q *lake.AthenaQuery) (int64, string) { return q.SourceOffset, q.Raw },
	resolve: func(*ingester, *lake.AthenaQuery) {},
}

// readRows is ingest's one loop: it reads every record of one object (or
// API fetch) from rd and writes, skips or quarantines it, counting each in
// m, so that m.Read = m.Written + skipped + quarantined. An error that is
// not a record's, or a read error of the object's store (failed, checked
// before anything is kept; nil for API fetches), ends the object: its rows
// are dropped (the writer gives back the ids it claimed) and the run must
// not commit.
func readRows[R any](ctx context.Context, in *ingester, k *rows[R], rd source.Reader[R], m *lake.Manifest, failed func() error) ([]string, error) {
	if c, ok := rd.(interface{ Close() }); ok {
		defer c.Close()
	}
	w := lake.NewWriter(k.buffer(in), in.idx, m.ObjectID, m.Object)
	var row R
	for {
		err := rd.Read(&row)
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *source.ParseError
			var sk *source.Skip
			switch {
			case errors.As(err, &pe):
				m.Read++
				w.Quarantine(pe.Offset, pe.Reason, pe.Record)
				m.BytesSkipped += pe.Skipped
			case errors.As(err, &sk):
				m.Read++
				m.Skipped[sk.Reason]++
			default:
				w.Abort()
				return nil, err
			}
			continue
		}
		m.Read++
		k.resolve(in, &row)
		at := k.at(&row)
		if why := in.implausible(at); why != "" {
			off, raw := k.record(&row)
			w.Quarantine(off, why, []byte(raw))
			continue
		}
		if err := admit(ctx, in, w, &row, at, m); err != nil {
			w.Abort()
			return nil, err
		}
	}
	if failed != nil {
		if err := failed(); err != nil {
			w.Abort()
			return nil, err
		}
	}
	m.Quarantined = int64(w.Quarantined())
	return w.Close(ctx)
}
