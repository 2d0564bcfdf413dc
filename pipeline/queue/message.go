// Package queue turns SQS messages that announce new S3 objects into
// ingest runs: the ingest Lambda's logic, kept out of lambda/ so that it is
// tested like the rest of the pipeline.
//
// A message body may be an S3 event notification (S3 → SQS), the same
// notification wrapped in an SNS envelope (S3 → SNS → SQS, with or without
// raw message delivery), or an EventBridge "Object Created" event (S3 →
// EventBridge → SQS). Keys in S3 notifications are URL-encoded (form
// style: '+' for a space); keys in EventBridge events are not
// (ARCHITECTURE reference §11).
package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Object is one S3 object a message announces.
type Object struct {
	Bucket string
	Key    string // decoded
	Size   int64
	ETag   string
}

// Location is the object's s3:// URL.
func (o Object) Location() string { return "s3://" + o.Bucket + "/" + o.Key }

// maxMessage bounds the body parsed: SQS messages are at most 256 KiB
// (S3 notifications at most 64 KB, ARCHITECTURE reference §11); anything
// larger did not come from S3.
const maxMessage = 1 << 20

// ErrNotNotification says a message is none of the forms this package
// reads. Such a message cannot succeed on a retry.
var ErrNotNotification = errors.New("not an S3 event notification (direct, through SNS, or an EventBridge Object Created event)")

// Parse reads the objects a message body announces. Messages that carry
// no object but are expected (the s3:TestEvent S3 sends when a
// notification is configured, events other than object creation) give no
// objects and no error.
func Parse(body string) ([]Object, error) {
	if len(body) > maxMessage {
		return nil, fmt.Errorf("message of %d bytes: %w", len(body), ErrNotNotification)
	}
	var probe struct {
		Records    json.RawMessage `json:"Records"`
		Event      string          `json:"Event"`
		Type       string          `json:"Type"`
		Message    *string         `json:"Message"`
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Detail     json.RawMessage `json:"detail"`
	}
	if err := json.Unmarshal([]byte(body), &probe); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotNotification, err)
	}
	switch {
	case probe.Records != nil:
		return parseS3(probe.Records)
	case probe.Event == "s3:TestEvent":
		return nil, nil
	case probe.Type == "Notification" && probe.Message != nil:
		// SNS: the S3 notification is the Message string. Nested SNS
		// envelopes do not occur; one level is read.
		var inner struct {
			Records json.RawMessage `json:"Records"`
			Event   string          `json:"Event"`
		}
		if err := json.Unmarshal([]byte(*probe.Message), &inner); err != nil {
			return nil, fmt.Errorf("%w: SNS message: %v", ErrNotNotification, err)
		}
		if inner.Event == "s3:TestEvent" {
			return nil, nil
		}
		if inner.Records == nil {
			return nil, fmt.Errorf("%w: SNS message without Records", ErrNotNotification)
		}
		return parseS3(inner.Records)
	case probe.Source == "aws.s3" && probe.Detail != nil:
		if probe.DetailType != "Object Created" {
			return nil, nil
		}
		return parseEventBridge(probe.Detail)
	}
	return nil, ErrNotNotification
}

func parseS3(raw json.RawMessage) ([]Object, error) {
	var recs []struct {
		EventSource string `json:"eventSource"`
		EventName   string `json:"eventName"`
		S3          struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key  string `json:"key"`
				Size int64  `json:"size"`
				ETag string `json:"eTag"`
			} `json:"object"`
		} `json:"s3"`
	}
	if err := json.Unmarshal(raw, &recs); err != nil {
		return nil, fmt.Errorf("%w: Records: %v", ErrNotNotification, err)
	}
	var out []Object
	for i, r := range recs {
		if r.EventSource != "aws:s3" {
			return nil, fmt.Errorf("%w: record %d has eventSource %q", ErrNotNotification, i, r.EventSource)
		}
		if !strings.HasPrefix(r.EventName, "ObjectCreated:") {
			continue // removals, restores, replication: nothing new to read
		}
		key, err := url.QueryUnescape(r.S3.Object.Key)
		if err != nil {
			return nil, fmt.Errorf("%w: record %d: key %q: %v", ErrNotNotification, i, r.S3.Object.Key, err)
		}
		o := Object{Bucket: r.S3.Bucket.Name, Key: key, Size: r.S3.Object.Size, ETag: r.S3.Object.ETag}
		if err := o.valid(); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		out = append(out, o)
	}
	return out, nil
}

func parseEventBridge(raw json.RawMessage) ([]Object, error) {
	var d struct {
		Bucket struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key  string `json:"key"`
			Size int64  `json:"size"`
			ETag string `json:"etag"`
		} `json:"object"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("%w: detail: %v", ErrNotNotification, err)
	}
	o := Object{Bucket: d.Bucket.Name, Key: d.Object.Key, Size: d.Object.Size, ETag: d.Object.ETag}
	if err := o.valid(); err != nil {
		return nil, err
	}
	return []Object{o}, nil
}

// valid rejects objects that name no bucket or no key, and bucket names
// that could not have come from S3 (the name becomes part of a URL).
func (o Object) valid() error {
	if o.Key == "" {
		return fmt.Errorf("%w: no object key", ErrNotNotification)
	}
	if len(o.Bucket) < 3 || len(o.Bucket) > 63 {
		return fmt.Errorf("%w: bucket name %q", ErrNotNotification, o.Bucket)
	}
	for _, c := range o.Bucket {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return fmt.Errorf("%w: bucket name %q", ErrNotNotification, o.Bucket)
		}
	}
	return nil
}
