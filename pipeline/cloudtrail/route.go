package cloudtrail

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/auditlake/auditlake/pipeline/lake"
)

// Route says what to do with an object, judged by its key alone.
type Route int

const (
	RouteUnknown Route = iota // not a trail path: decide by content
	RouteLog                  // …/CloudTrail/…: event log file
	RouteDigest               // …/CloudTrail-Digest/…: integrity digest, recorded for completeness
	RouteInsight              // …/CloudTrail-Insight/…: Insights events, skipped
)

// RouteKey routes a trail bucket key on its exact path segment (the folder
// is CloudTrail-Insight, singular; matching "Insights" would miss it).
func RouteKey(key string) Route {
	k := "/" + key
	switch {
	case strings.Contains(k, "/CloudTrail-Digest/"):
		return RouteDigest
	case strings.Contains(k, "/CloudTrail-Insight/"):
		return RouteInsight
	case strings.Contains(k, "/CloudTrail/"):
		return RouteLog
	}
	return RouteUnknown
}

// ParseDigest reads a (decompressed) CloudTrail digest file.
func ParseDigest(r io.Reader) (*lake.Digest, error) {
	var d struct {
		AWSAccountID           string `json:"awsAccountId"`
		DigestStartTime        string `json:"digestStartTime"`
		DigestEndTime          string `json:"digestEndTime"`
		PreviousDigestS3Bucket string `json:"previousDigestS3Bucket"`
		PreviousDigestS3Object string `json:"previousDigestS3Object"`
		LogFiles               []struct {
			S3Bucket string `json:"s3Bucket"`
			S3Object string `json:"s3Object"`
		} `json:"logFiles"`
	}
	if err := json.NewDecoder(r).Decode(&d); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	if d.DigestStartTime == "" || d.DigestEndTime == "" {
		return nil, fmt.Errorf("digest: no digestStartTime/digestEndTime")
	}
	out := &lake.Digest{AccountID: d.AWSAccountID, Start: d.DigestStartTime, End: d.DigestEndTime, LogFiles: []string{}}
	for _, f := range d.LogFiles {
		out.LogFiles = append(out.LogFiles, "s3://"+f.S3Bucket+"/"+f.S3Object)
	}
	if d.PreviousDigestS3Object != "" {
		out.PreviousFile = "s3://" + d.PreviousDigestS3Bucket + "/" + d.PreviousDigestS3Object
	}
	return out, nil
}
