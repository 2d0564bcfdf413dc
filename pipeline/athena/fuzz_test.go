package athena_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/auditlake/auditlake/pipeline/athena"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/source"
)

// FuzzFileSource reads arbitrary bytes as the AWS CLI's query-execution
// JSON: every Read ends in a row, a parse error with an offset inside the
// input, a skip, or io.EOF; never a panic, a hang or another error; rows
// are final executions with an id; nothing is read after a final error.
func FuzzFileSource(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		f.Add(b)
	}
	f.Add([]byte(`{"QueryExecutions":[{"QueryExecutionId":"x","Status":{"State":"SUCCEEDED","SubmissionDateTime":1}}]}`))
	f.Add([]byte(`[{"QueryExecution":{}},42,"s",{"QueryExecutionId":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd := athena.NewFileSource(bytes.NewReader(data), "fuzz")
		defer rd.Close()
		final := false
		for i := 0; ; i++ {
			if i > len(data)+10 {
				t.Fatalf("more results (%d) than bytes", i)
			}
			var q lake.AthenaQuery
			err := rd.Read(&q)
			var pe *source.ParseError
			var sk *source.Skip
			switch {
			case err == io.EOF:
				return
			case final:
				t.Fatalf("a result after a final parse error: %v", err)
			case errors.As(err, &pe):
				if pe.Offset < 0 || pe.Offset > int64(len(data)) || pe.Reason == "" {
					t.Fatalf("parse error %+v for %d bytes", pe, len(data))
				}
				final = pe.Final
			case errors.As(err, &sk):
			case err != nil:
				t.Fatalf("unexpected error %v", err)
			default:
				if q.QueryID == "" || !lake.IsFinalQueryState(q.State) || q.SourceObject != "fuzz" {
					t.Fatalf("row %+v", q)
				}
			}
		}
	})
}
