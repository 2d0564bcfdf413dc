package cloudtrail

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/valyala/fastjson"

	"github.com/auditlake/auditlake/pipeline/lake"
)

// fuzzReaderSeeds are hand-written inputs for FuzzReader: every form the
// Reader accepts and the ways it breaks.
var fuzzReaderSeeds = []string{
	// CloudWatch Logs payloads (a control message among them) and
	// EventBridge events, concatenated as Firehose writes them.
	`{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1,"message":"{\"eventVersion\":\"1.08\",\"eventTime\":\"2026-07-01T00:00:00Z\",\"eventName\":\"X\"}"}]}{"messageType":"CONTROL_MESSAGE","logEvents":[{"id":"2","timestamp":2,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`,
	`{"version":"0","id":"e","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","detail":{"eventVersion":"1.08","eventTime":"2026-07-01T00:00:00Z","eventName":"X"}}{"version":"0","detail-type":"AWS API Call via CloudTrail","detail":{}}`,
	``,
	`{"Records":[{"eventName":"a"},{"eventName":"b"}]}`,
	`{"Records":[]}`,
	`{"x":1,"Records":[{"a":1}],"y":[{"b":2}]}`,
	`{"eventName":"a"}` + "\n\n" + `{"eventName":"b"}` + "\r\n",
	`[{"a":1},{"b":2}]`,
	`{"Events":[{"EventId":"e","CloudTrailEvent":"{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventName\":\"X\"}"}],"NextToken":"t"}`,
	`{"Records":[{"a":1}]}{"Records":[{"b":2}]}`,
	`{"Records":[1,"x",null,[{"a":1}],{"b":2},true]}`,
	`{"Records":[{"a":1},{"b":`,
	`{"Records":[{"a":1}]`,
	"\ufeff{\"Records\":[{\"a\":1}]}",
	"{\"a\":\"\xff\xfe\",\"\xc3\":1}",
	`{"a":1} xyz`,
	`[[[[{"a":1}]]]]`,
	`{"Records":{"Records":[{"a":1}]}}`,
	`"just a string" 12 null true`,
}

// corpusSeeds returns up to max record files of the corpus (each cut to
// limit bytes), or nil when the corpus is missing.
func corpusSeeds(limit, max int) [][]byte {
	var out [][]byte
	filepath.WalkDir(conformanceDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isRecordFile(d.Name()) || len(out) >= max {
			return nil
		}
		if b, err := os.ReadFile(p); err == nil {
			if len(b) > limit {
				b = b[:limit] // a cut file is a truncation seed
			}
			out = append(out, b)
		}
		return nil
	})
	return out
}

func FuzzReader(f *testing.F) {
	for _, s := range fuzzReaderSeeds {
		f.Add([]byte(s))
	}
	// Small seeds keep the fuzzer fast (it minimizes every new input).
	for _, b := range corpusSeeds(4<<10, 100) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		whole := fuzzRead(t, data, bytes.NewReader(data))
		// Chunking must not change anything.
		bytewise := fuzzRead(t, data, iotest.OneByteReader(bytes.NewReader(data)))
		if len(whole) != len(bytewise) {
			t.Fatalf("whole reads gave %d results, one-byte reads %d", len(whole), len(bytewise))
		}
		for i := range whole {
			if whole[i] != bytewise[i] {
				t.Fatalf("result %d: whole %v, one-byte %v", i, whole[i], bytewise[i])
			}
		}
		// The size limit's paths (a value or a blank run too large), with
		// a limit small inputs reach.
		defer func(l int64) { recordLimit = l }(recordLimit)
		recordLimit = 24
		fuzzRead(t, data, bytes.NewReader(data))
		fuzzRead(t, data, iotest.OneByteReader(bytes.NewReader(data)))
	})
}

// fuzzRead drains a Reader over data and checks each result against the
// input: offsets in bounds and increasing, records start with '{', values
// are the input's bytes.
func fuzzRead(t *testing.T, data []byte, r io.Reader) []step {
	rd := NewReader(r)
	var out []step
	prev := int64(-1)
	for i := 0; ; i++ {
		if i > len(data)+1 { // every result consumes at least one byte
			t.Fatalf("no progress after %d results", i)
		}
		rec, err := rd.Next()
		var ve *ValueError
		var se *SyntaxError
		var sk *SkipError
		switch {
		case err == io.EOF:
			return out
		case err == nil:
			// (A top-level record is re-assembled, and an invalid UTF-8 member
			// name becomes U+FFFD, so Raw may be longer than its input.)
			if rec.Offset <= prev || rec.Offset >= int64(len(data)) || len(rec.Raw) < 2 {
				t.Fatalf("record offset %d (previous %d), %d bytes, input %d bytes", rec.Offset, prev, len(rec.Raw), len(data))
			}
			if data[rec.Offset] != '{' || rec.Raw[0] != '{' || rec.Raw[len(rec.Raw)-1] != '}' {
				t.Fatalf("record at %d is not an object: %q", rec.Offset, rec.Raw)
			}
			if !jsontext.Value(rec.Raw).IsValid(jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)) {
				t.Fatalf("record at %d is not valid JSON: %q", rec.Offset, rec.Raw)
			}
			prev = rec.Offset
			out = append(out, step{"rec", rec.Offset, string(rec.Raw)})
		case errors.As(err, &ve):
			if ve.Offset <= prev || ve.Offset+int64(len(ve.Raw)) > int64(len(data)) || len(ve.Raw) == 0 ||
				!bytes.Equal(data[ve.Offset:ve.Offset+int64(len(ve.Raw))], ve.Raw) {
				t.Fatalf("ValueError offset %d (previous %d), raw %q, input %d bytes", ve.Offset, prev, ve.Raw, len(data))
			}
			prev = ve.Offset
			out = append(out, step{"value", ve.Offset, string(ve.Raw)})
		case errors.As(err, &sk):
			if sk.Offset <= prev || sk.End < sk.Offset || sk.End > int64(len(data)) {
				t.Fatalf("SkipError %d..%d (previous %d), input %d bytes", sk.Offset, sk.End, prev, len(data))
			}
			prev = sk.Offset
			out = append(out, step{"skip", sk.Offset, ""})
		case errors.As(err, &se):
			if se.Offset < 0 || se.Offset > int64(len(data)) || se.Offset < prev {
				t.Fatalf("SyntaxError offset %d (previous %d), input %d bytes", se.Offset, prev, len(data))
			}
			return append(out, step{"syntax", se.Offset, ""})
		default:
			t.Fatalf("Next: %T %v", err, err)
		}
	}
}

// fuzzNormalizeSeeds are hand-written single records for FuzzNormalize.
var fuzzNormalizeSeeds = []string{
	`{"id":"1","timestamp":1,"message":"{\"eventVersion\":\"1.08\",\"eventTime\":\"2026-07-01T00:00:00Z\",\"eventName\":\"X\"}"}`,
	`{"id":"2","timestamp":2,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}`,
	`{"version":"0","detail-type":"AWS API Call via CloudTrail","detail":{"eventVersion":"1.08","eventTime":"2026-07-01T00:00:00Z","eventName":"X"}}`,
	`{"version":"0","detail-type":"Athena Query State Change","detail":{"currentState":"SUCCEEDED"}}`,
	``, `null`, `[]`, `{}`, `"x"`, `{"eventName":`,
	`{"eventTime":"2024-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","requestParameters":{"bucketName":"b","key":"k\u0001"},"additionalEventData":{"bytesTransferredOut":"1e400"}}`,
	`{"eventTime":"2025-02-19 20:13:49","eventName":"X","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/R/S","sessioncontext":{"sessionissuer":{"arn":1}}}}`,
	`{"@timestamp":"2020-09-14T01:19:40.123Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","responseElements":{"credentials":{"sessionToken":"T","password":"P"}}}`,
	`{"EventId":"e","CloudTrailEvent":"{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventName\":\"X\",\"responseElements\":{\"authorizedUrl\":\"https://h/a?token=t\"}}"}`,
	`{"eventType":"AwsCloudTrailInsight","insightDetails":{}}`,
	`{"eventTime":"2024-01-01T00:00:00Z","eventSource":"lakeformation.amazonaws.com","eventName":"GetDataAccess","requestParameters":{"tableArn":"arn:aws:glue:r:1:table/db","auditContext":{"additionalAuditContext":"{queryId: 33333333-4444-5555-6666-777777777777, platformType:}"},"dataLocations":[1]},"additionalEventData":{"lakeFormationRoleSessionName":"AWSLF-x"}}`,
	`{"eventTime":"2024-01-01T00:00:00Z","eventSource":"sagemaker.amazonaws.com","eventName":"CreateDomain","requestParameters":{"appNetworkAccessType":"VpcOnly","productionVariants":[{}],"vpcConfig":{"subnets":{}}},"responseElements":{"domainArn":"arn:aws:sagemaker:r:1:domain/d-1"}}`,
	`{"eventTime":"2024-01-01T00:00:00Z","eventSource":"athena.amazonaws.com","eventName":"StartQueryExecution","requestParameters":{"queryString":"***OMITTED***"},"responseElements":{"queryExecutionId":7}}`,
	"{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventName\":\"\xff\",\"errorMessage\":\"https://h/k?X-Amz-Signature=\xfe&X-Amz-Security-Token=a?b\"}",
}

func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzNormalizeSeeds {
		f.Add([]byte(s))
	}
	// The corpus's one-line records of up to 4 KB.
	for _, b := range corpusSeeds(64<<10, 100) {
		for _, line := range bytes.Split(b, []byte("\n")) {
			if len(line) > 0 && len(line) <= 4<<10 && line[0] == '{' {
				f.Add(bytes.Clone(line))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var n Normalizer
		var ev lake.Event
		kind, err := n.Normalize(Record{Raw: data, Offset: 9}, "s3://bucket/key.json.gz", &ev)
		if err != nil {
			known := false
			for _, q := range quarantineReasons {
				known = known || errors.Is(err, q)
			}
			if !known {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if kind != KindEvent {
			return
		}
		if ev.EventID == "" {
			t.Fatalf("empty EventID")
		}
		switch ev.Outcome {
		case lake.OutcomeSuccess, lake.OutcomeDenied, lake.OutcomeError:
		default:
			t.Fatalf("Outcome %q", ev.Outcome)
		}
		if ev.SourceOffset != 9 || ev.LogSource != lake.SourceCloudTrail {
			t.Fatalf("SourceOffset %d, LogSource %q", ev.SourceOffset, ev.LogSource)
		}
		for name, s := range stringFields(&ev) {
			if !utf8.ValidString(s) {
				t.Fatalf("%s is not valid UTF-8: %q", name, s)
			}
		}
		// For records that are JSON (as the Reader hands them over), the JSON
		// columns are JSON too.
		if jsontext.Value(data).IsValid(jsontext.AllowDuplicateNames(true)) && !bytes.Contains(data, []byte("CloudTrailEvent")) {
			for name, s := range map[string]string{"Raw": ev.Raw, "RequestParameters": ev.RequestParameters,
				"ResponseElements": ev.ResponseElements, "AdditionalEventData": ev.AdditionalEventData} {
				if s != "" && !jsontext.Value(s).IsValid(jsontext.AllowDuplicateNames(true)) {
					t.Fatalf("%s is not valid JSON: %q", name, s)
				}
			}
		}
		// Credentials behind a secret member never survive.
		if strings.Contains(ev.Raw, `"sessionToken":"`) && !strings.Contains(ev.Raw, `"sessionToken":"`+Redacted+`"`) &&
			jsontext.Value(data).IsValid(jsontext.AllowDuplicateNames(true)) {
			t.Fatalf("sessionToken not redacted: %s", ev.Raw)
		}
	})
}

// FuzzScanRecord: members finds the members getCI finds; whenever
// scanRecord vouches for a record, each JSON
// column it finds holds the same value as the parsed member it stands for;
// and when it finds no string that could hold a secret, redaction of the
// parsed record changes nothing.
func FuzzScanRecord(f *testing.F) {
	for _, s := range append(fuzzNormalizeSeeds,
		`{"requestParameters":{"a":"}\"{"},"RESPONSEELEMENTS":[1,{"b":"\\"}],"responseElements":null,"additionalEventData":"x"}`,
		` { "requestParameters" : { "k" : [ 1 , 2 ] } , "x":1 } `,
		`{"request\u0050arameters":1,"requestParameters":2}`,
		`{"requestParameters":1,"requestParameters":2}`,
		`{"EVENTNAME":"a","eventname":"b","eventName":"c","eventName":"d","eventSOURCE":1}`,
		`{"requestParameters":tru}`,
		`{"a":{"b":["x","https://h/k\u003fX-Amz-Signature=s"]}}`,
		`{"a":{"pass\u0077ord":"p"}}`,
		`{"a":[{"SessionToken":"t"}],"Url":"https://h/?token=1"}`,
	) {
		f.Add([]byte(s))
	}
	for _, b := range corpusSeeds(64<<10, 100) {
		for _, line := range bytes.Split(b, []byte("\n")) {
			if len(line) > 0 && len(line) <= 4<<10 && line[0] == '{' {
				f.Add(bytes.Clone(line))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p, q fastjson.Parser
		v, err := p.ParseBytes(data)
		if err != nil || v.Type() != fastjson.TypeObject {
			return
		}
		// members finds what getCI finds, name by name.
		var m [len(topNames)]*fastjson.Value
		members(v, topNames[:], m[:])
		for i, name := range topNames {
			if m[i] != getCI(v, name) {
				t.Fatalf("members and getCI differ for %s", name)
			}
		}
		sc := scanRecord(string(data))
		if !sc.ok {
			return
		}
		spans := sc.spans
		for k, key := range blobKeys {
			want := getCI(v, key)
			if want == nil || want.Type() == fastjson.TypeNull {
				continue
			}
			if spans[k].hi == 0 {
				t.Fatalf("%s: member parsed but no span", key)
			}
			text := string(data[spans[k].lo:spans[k].hi])
			got, err := q.Parse(text)
			if err != nil {
				t.Fatalf("%s: span %q does not parse: %v", key, text, err)
			}
			if g, w := appendJSON(nil, got), appendJSON(nil, want); !bytes.Equal(g, w) {
				t.Fatalf("%s: span holds %s, member is %s", key, g, w)
			}
		}
		if !sc.secrets && redact(v) {
			t.Fatalf("scan found nothing to redact, the walk redacted: %s", appendJSON(nil, v))
		}
	})
}
