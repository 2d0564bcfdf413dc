// Package lake defines the on-disk contract of the auditlake lake: the row
// types of its tables, the Hive-style layout under a lake root, and the
// writers for Parquet files, the quarantine and the ingestion manifest.
//
//	events/dt=YYYY-MM-DD/profile=<studio profile or _none>/<object id>-<part>.parquet
//	athena_queries/dt=YYYY-MM-DD/<object id>-<part>.parquet
//	_quarantine/<object id>.ndjson          records that could not be normalized
//	_manifest/<object id>.json              one entry per ingested object
//	_index/<table>/dt=YYYY-MM-DD/<object id>.ids   ids written, for lake-wide dedupe
//
// The column set of each row type is its schemas/<table>.yaml; a test keeps
// them equal.
package lake

import "time"

// LogSource values.
const (
	SourceCloudTrail  = "cloudtrail"
	SourceS3AccessLog = "s3_access_log"
)

// Outcome values.
const (
	OutcomeSuccess = "success"
	OutcomeDenied  = "denied"
	OutcomeError   = "error"
)

// Event is one row of the events table. String fields are written as NULL
// when empty; pointer fields are NULL when nil.
type Event struct {
	EventID             string    `parquet:"event_id"`
	EventTime           time.Time `parquet:"event_time,timestamp(microsecond)"`
	LogSource           string    `parquet:"log_source"`
	EventSource         string    `parquet:"event_source,optional"`
	EventName           string    `parquet:"event_name,optional"`
	EventType           string    `parquet:"event_type,optional"`
	Category            string    `parquet:"category,optional"`
	NetworkView         bool      `parquet:"network_view"`
	ReadOnly            *bool     `parquet:"read_only,optional"`
	Outcome             string    `parquet:"outcome"`
	ErrorCode           string    `parquet:"error_code,optional"`
	ErrorMessage        string    `parquet:"error_message,optional"`
	AccountID           string    `parquet:"account_id,optional"`
	Region              string    `parquet:"region,optional"`
	PrincipalType       string    `parquet:"principal_type,optional"`
	PrincipalID         string    `parquet:"principal_id,optional"`
	PrincipalARN        string    `parquet:"principal_arn,optional"`
	PrincipalAccountID  string    `parquet:"principal_account_id,optional"`
	UserName            string    `parquet:"user_name,optional"`
	RoleARN             string    `parquet:"role_arn,optional"`
	SessionName         string    `parquet:"session_name,optional"`
	SourceIdentity      string    `parquet:"source_identity,optional"`
	StudioProfile       string    `parquet:"studio_profile,optional"`
	ProfileSource       string    `parquet:"profile_source,optional"`
	InvokedBy           string    `parquet:"invoked_by,optional"`
	SourceIP            string    `parquet:"source_ip,optional"`
	UserAgent           string    `parquet:"user_agent,optional"`
	VPCEndpointID       string    `parquet:"vpc_endpoint_id,optional"`
	DatabaseName        string    `parquet:"database_name,optional"`
	TableName           string    `parquet:"table_name,optional"`
	S3Bucket            string    `parquet:"s3_bucket,optional"`
	S3Key               string    `parquet:"s3_key,optional"`
	Bytes               *int64    `parquet:"bytes,optional"`
	S3HostID            string    `parquet:"s3_host_id,optional"`
	S3Operation         string    `parquet:"s3_operation,optional"`
	HTTPStatus          *int64    `parquet:"http_status,optional"`
	ObjectSize          *int64    `parquet:"object_size,optional"`
	TotalTimeMs         *int64    `parquet:"total_time_ms,optional"`
	TurnaroundTimeMs    *int64    `parquet:"turnaround_time_ms,optional"`
	RequestURI          string    `parquet:"request_uri,optional"`
	Referer             string    `parquet:"referer,optional"`
	VersionID           string    `parquet:"version_id,optional"`
	BucketOwner         string    `parquet:"bucket_owner,optional"`
	SignatureVersion    string    `parquet:"signature_version,optional"`
	AuthType            string    `parquet:"auth_type,optional"`
	TLSVersion          string    `parquet:"tls_version,optional"`
	CipherSuite         string    `parquet:"cipher_suite,optional"`
	HostHeader          string    `parquet:"host_header,optional"`
	AccessPointARN      string    `parquet:"access_point_arn,optional"`
	ACLRequired         *bool     `parquet:"acl_required,optional"`
	QueryID             string    `parquet:"query_id,optional"`
	QueryText           string    `parquet:"query_text,optional"`
	Workgroup           string    `parquet:"workgroup,optional"`
	LFSession           string    `parquet:"lf_session,optional"`
	LFPrincipal         string    `parquet:"lf_principal,optional"`
	LFRequesterService  string    `parquet:"lf_requester_service,optional"`
	LFPlatformType      string    `parquet:"lf_platform_type,optional"`
	LFJobID             string    `parquet:"lf_job_id,optional"`
	TargetRoleARN       string    `parquet:"target_role_arn,optional"`
	ResourceName        string    `parquet:"resource_name,optional"`
	InstanceType        string    `parquet:"instance_type,optional"`
	InVPC               *bool     `parquet:"in_vpc,optional"`
	KMSKeyID            string    `parquet:"kms_key_id,optional"`
	NetworkIsolation    *bool     `parquet:"network_isolation,optional"`
	RequestID           string    `parquet:"request_id,optional"`
	RequestParameters   string    `parquet:"request_parameters,optional"`
	ResponseElements    string    `parquet:"response_elements,optional"`
	AdditionalEventData string    `parquet:"additional_event_data,optional"`
	Raw                 string    `parquet:"raw,optional"`
	SourceObject        string    `parquet:"source_object,optional"`
	SourceOffset        int64     `parquet:"source_offset"`
}

// Events is the events table: partitioned by day(event_time),
// deduplicated on event_id, sorted by studio_profile, source_identity,
// event_time, event_id.
var Events = &Table[Event]{
	Name:           EventsDir,
	ID:             func(e *Event) string { return e.EventID },
	Day:            (*Event).Day,
	PartitionField: "event_time_day",
	Less:           Less,
	Size:           (*Event).size,
}

// Day is the partition value of the event: the UTC day of event_time.
func (e *Event) Day() string { return dayOf(e.EventTime) }

// dayOf formats t's UTC date as YYYY-MM-DD (as time.Format would, at a
// fraction of its cost: it runs for every row).
func dayOf(t time.Time) string {
	y, m, d := t.UTC().Date()
	if y < 0 || y > 9999 {
		return t.UTC().Format("2006-01-02")
	}
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:])
}

// size estimates the memory an event holds, for flush budgeting.
func (e *Event) size() int {
	return 512 + len(e.EventID) + len(e.PrincipalARN) + len(e.RoleARN) + len(e.UserAgent) +
		len(e.RequestParameters) + len(e.ResponseElements) + len(e.AdditionalEventData) +
		len(e.Raw) + len(e.S3Key) + len(e.QueryText) + len(e.ErrorMessage) + len(e.RequestURI) + len(e.Referer)
}

// Less orders events within a file: studio_profile, source_identity,
// event_time, event_id (schemas/events.yaml `sort`), so that row groups of
// one profile can be skipped by their statistics.
func Less(a, b *Event) bool {
	if a.StudioProfile != b.StudioProfile {
		return a.StudioProfile < b.StudioProfile
	}
	if a.SourceIdentity != b.SourceIdentity {
		return a.SourceIdentity < b.SourceIdentity
	}
	if !a.EventTime.Equal(b.EventTime) {
		return a.EventTime.Before(b.EventTime)
	}
	return a.EventID < b.EventID
}
