package queue

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	direct := `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventName":"ObjectCreated:Put",
		"s3":{"bucket":{"name":"trail-bucket"},"object":{"key":"AWSLogs/1/CloudTrail/a+b%3Ac.json.gz","size":12,"eTag":"abc"}}},
		{"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"trail-bucket"},"object":{"key":"gone"}}}]}`
	sns, _ := json.Marshal(map[string]string{"Type": "Notification", "Message": direct})
	snsTest, _ := json.Marshal(map[string]string{"Type": "Notification", "Message": `{"Service":"Amazon S3","Event":"s3:TestEvent"}`})
	eb := `{"version":"0","detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"logs.example"},"object":{"key":"a+b c.log","size":5,"etag":"e"}}}`
	want := []Object{{Bucket: "trail-bucket", Key: "AWSLogs/1/CloudTrail/a b:c.json.gz", Size: 12, ETag: "abc"}}
	for _, tc := range []struct {
		name string
		body string
		want []Object
		err  bool
	}{
		{"direct, key decoded, removal ignored", direct, want, false},
		{"through SNS", string(sns), want, false},
		{"EventBridge, key as it is", eb, []Object{{Bucket: "logs.example", Key: "a+b c.log", Size: 5, ETag: "e"}}, false},
		{"EventBridge, other detail type", `{"detail-type":"Object Deleted","source":"aws.s3","detail":{}}`, nil, false},
		{"test event", `{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"}`, nil, false},
		{"test event through SNS", string(snsTest), nil, false},
		{"empty Records", `{"Records":[]}`, nil, false},
		{"not JSON", "hello", nil, true},
		{"other JSON", `{"a":1}`, nil, true},
		{"SNS with a message that is not JSON", `{"Type":"Notification","Message":"hi"}`, nil, true},
		{"a record from another service", `{"Records":[{"eventSource":"aws:sqs"}]}`, nil, true},
		{"bad escape", `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"bkt"},"object":{"key":"a%zz"}}}]}`, nil, true},
		{"no key", `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"bkt"},"object":{}}}]}`, nil, true},
		{"bucket that shapes a URL", `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b/../x"},"object":{"key":"k"}}}]}`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.body)
			if tc.err {
				if !errors.Is(err, ErrNotNotification) {
					t.Fatalf("Parse = %v, %v; want an error wrapping ErrNotNotification", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("Parse = %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("object %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
	if l := want[0].Location(); l != "s3://trail-bucket/AWSLogs/1/CloudTrail/a b:c.json.gz" {
		t.Errorf("Location = %q", l)
	}
}

// FuzzParse: any body gives objects that name a valid bucket and a key, or
// an error; never a panic.
func FuzzParse(f *testing.F) {
	f.Add(`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"bkt"},"object":{"key":"k%20"}}}]}`)
	f.Add(`{"Type":"Notification","Message":"{\"Records\":[]}"}`)
	f.Add(`{"detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"bkt"},"object":{"key":"k"}}}`)
	f.Fuzz(func(t *testing.T, body string) {
		objs, err := Parse(body)
		if err != nil {
			return
		}
		for _, o := range objs {
			if o.Key == "" || o.valid() != nil {
				t.Fatalf("Parse(%q) gave %+v", body, o)
			}
		}
	})
}
