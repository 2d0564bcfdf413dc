// Package cloudtrail reads AWS CloudTrail logs and normalizes each record
// into one lake.Event.
//
// Reader streams records out of trail log files ({"Records":[…]}), single
// records, NDJSON, JSON arrays, LookupEvents output, CloudWatch Logs
// subscription payloads and EventBridge events (also as Firehose
// concatenates them), one record at a time. Normalizer maps a record to the events schema: the caller's
// identity and Studio profile, and the fields each audited service puts in
// its own place (Lake Formation credential vending, Athena queries, S3 data
// events, SageMaker and EMR calls). Credentials found in records are
// redacted before anything is stored.
package cloudtrail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/valyala/fastjson"

	"github.com/auditlake/auditlake/pipeline/arns"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/row"
)

// Kind says what a record turned out to be.
type Kind int

const (
	KindEvent   Kind = iota // an event, to be written
	KindInsight             // a CloudTrail Insights record: skipped and counted
	KindControl             // a CloudWatch Logs control message (no record): skipped and counted
)

// Errors that send a record to quarantine. The message is the reason.
var (
	ErrNotJSON   = errors.New("record is not valid JSON")
	ErrNotObject = errors.New("record is not a JSON object")
	ErrNoTime    = errors.New("record has no eventTime")
	ErrBadTime   = errors.New("record has an unreadable eventTime")
	ErrNotEvent  = errors.New("object is not a CloudTrail record (no eventName)")
	ErrNotTrail  = errors.New("EventBridge event that is not from CloudTrail")
)

// controlPrefix begins the message of a CloudWatch Logs subscription's
// control message ("CWL CONTROL MESSAGE: Checking health of destination …").
const controlPrefix = "CWL CONTROL MESSAGE"

// Normalizer turns raw records into events. It is not safe for concurrent
// use; make one per goroutine. It keeps no state between records but its
// buffers: learning Studio profiles from SageMaker events and resolving a
// record's profile are ingest's, in record order (identity.Profiles).
type Normalizer struct {
	p, inner fastjson.Parser
	in       interner
}

// Normalize fills ev from one raw record read from object (its location).
// On error the record belongs in quarantine with err as the reason.
func (n *Normalizer) Normalize(rec Record, object string, ev *lake.Event) (Kind, error) {
	v, err := n.p.ParseBytes(rec.Raw)
	if err != nil {
		return 0, ErrNotJSON
	}
	if v.Type() != fastjson.TypeObject {
		return 0, ErrNotObject
	}
	// A record can come wrapped: LookupEvents puts it in a string
	// ({"EventId":…,"CloudTrailEvent":"{…}"}), a CloudWatch Logs
	// subscription in a log event's message ({"id":…,"timestamp":…,
	// "message":"{…}"}), EventBridge in an event's detail ({"detail-type":
	// "AWS API Call via CloudTrail",…,"detail":{…}}). The record is the
	// inner one; LookupEvents' EventId backs up a missing eventID.
	raw, outerID := rec.Raw, ""
	if v.Get("eventTime") == nil {
		var inner []byte
		switch {
		case v.Get("CloudTrailEvent") != nil && v.Get("CloudTrailEvent").Type() == fastjson.TypeString:
			outerID = str(v.Get("EventId"))
			inner = v.Get("CloudTrailEvent").GetStringBytes()
		case v.Get("message") != nil && v.Get("message").Type() == fastjson.TypeString && v.Get("timestamp") != nil:
			inner = v.Get("message").GetStringBytes()
			if rec.Control || bytes.HasPrefix(inner, []byte(controlPrefix)) {
				return KindControl, nil
			}
		case v.Get("detail-type") != nil && v.Get("detail") != nil:
			if t := str(v.Get("detail-type")); !strings.HasSuffix(t, "via CloudTrail") {
				return 0, fmt.Errorf("%w (detail-type %q)", ErrNotTrail, t)
			}
			d := v.Get("detail")
			if d.Type() != fastjson.TypeObject {
				return 0, ErrNotObject
			}
			// The record is detail, parsed already; its text is kept as
			// the event's raw text, verbatim.
			if raw = memberText(rec.Raw, "detail"); raw == nil {
				return 0, ErrNotJSON
			}
			v = d
		}
		if inner != nil {
			raw = inner
			v, err = n.inner.ParseBytes(raw)
			if err != nil {
				return 0, ErrNotJSON
			}
			if v.Type() != fastjson.TypeObject {
				return 0, ErrNotObject
			}
		}
	}
	*ev = lake.Event{LogSource: lake.SourceCloudTrail, SourceObject: object, SourceOffset: rec.Offset}
	var m [len(topNames)]*fastjson.Value
	members(v, topNames[:], m[:])

	ev.EventType = n.in.str(m[tEventType])
	if ev.EventType == "AwsCloudTrailInsight" || get(v, "insightDetails") != nil {
		return KindInsight, nil
	}
	ev.EventSource = n.in.str(m[tEventSource])
	ev.EventName = n.in.str(m[tEventName])
	if ev.EventName == "" {
		return 0, ErrNotEvent
	}
	ts := str(m[tEventTime])
	if ts == "" {
		// Copies that passed through Logstash or Panther moved the time.
		ts = firstStr(v, []string{"@timestamp"}, []string{"p_event_time"})
	}
	if ts == "" {
		return 0, ErrNoTime
	}
	t, ok := parseTime(ts)
	if !ok {
		return 0, ErrBadTime
	}
	ev.EventTime = t

	// Raw is the record as read unless a credential had to be redacted. One
	// scan of its text finds the JSON columns and whether redaction could
	// change anything at all (it rarely can; the walk is then skipped).
	if rec.Owned && len(raw) > 0 && &raw[0] == &rec.Raw[0] {
		ev.Raw = unsafe.String(&raw[0], len(raw)) // never modified again (Record.Owned)
	} else {
		ev.Raw = string(raw)
	}
	sc := scanRecord(ev.Raw)
	if sc.secrets && redact(v) {
		ev.Raw = string(appendJSON(nil, v))
		sc = scanRecord(ev.Raw)
	}

	ev.EventID = str(m[tEventID])
	if ev.EventID == "" {
		ev.EventID = outerID
	}
	ev.Category = n.in.str(m[tEventCategory])
	ev.NetworkView = ev.Category == "NetworkActivity" || strings.HasPrefix(ev.EventType, "AwsVpceEvent")
	ev.ReadOnly = boolPtr(m[tReadOnly])
	ev.ErrorCode = n.in.str(m[tErrorCode])
	ev.ErrorMessage = str(m[tErrorMessage])
	ev.Region = n.in.str(m[tAWSRegion])
	ev.SourceIP = n.in.str(m[tSourceIP])
	ev.UserAgent = n.in.str(m[tUserAgent])
	ev.VPCEndpointID = n.in.str(m[tVPCEndpointID])
	ev.RequestID = str(m[tRequestID])

	req, resp, add := m[tRequestParameters], m[tResponseElements], m[tAdditionalEventData]
	// The JSON columns are slices of Raw (no copy) when the scan allows it.
	ev.RequestParameters = blobText(req, ev.Raw, sc.spans[0], sc.ok)
	ev.ResponseElements = blobText(resp, ev.Raw, sc.spans[1], sc.ok)
	ev.AdditionalEventData = blobText(add, ev.Raw, sc.spans[2], sc.ok)
	ev.Outcome = outcome(ev.ErrorCode, ev.EventName, resp)
	if tls := m[tTLSDetails]; tls != nil {
		ev.TLSVersion = n.in.str(get(tls, "tlsVersion"))
		ev.CipherSuite = n.in.str(get(tls, "cipherSuite"))
		ev.HostHeader = n.in.str(get(tls, "clientProvidedHostHeader"))
	}

	identityOf(&n.in, m[tUserIdentity], ev)
	ev.AccountID = n.in.str(m[tRecipientAccountID])
	if ev.AccountID == "" {
		ev.AccountID = ev.PrincipalAccountID
	}

	switch ev.EventSource {
	case "lakeformation.amazonaws.com":
		lakeFormation(ev, req, add)
	case "athena.amazonaws.com":
		athena(ev, req, resp)
	case "s3.amazonaws.com":
		s3Data(&n.in, ev, m[tResources], req, add)
	case "sagemaker.amazonaws.com":
		sagemaker(ev, req)
	case "elasticmapreduce.amazonaws.com":
		ev.ResourceName = str(get(req, "clusterId"))
		ev.TargetRoleARN = str(get(req, "executionRoleArn"))
	case "sts.amazonaws.com":
		ev.TargetRoleARN = str(get(req, "roleArn"))
		ev.ResourceName = str(get(req, "roleSessionName"))
	case "glue.amazonaws.com":
		ev.DatabaseName = firstStr(req, []string{"databaseName"}, []string{"DatabaseName"})
		ev.TableName = firstStr(req, []string{"tableInput", "name"}, []string{"name"}, []string{"tableName"})
	}
	// S3 reads made with Lake Formation-vended credentials run as an AWSLF-… session.
	if ev.LFSession == "" && strings.HasPrefix(ev.SessionName, "AWSLF-") {
		ev.LFSession = ev.SessionName
	}

	if ev.EventID == "" {
		sum := sha256.Sum256([]byte(ev.Raw))
		ev.EventID = "x-" + hex.EncodeToString(sum[:16])
	}
	validUTF8(ev)
	return KindEvent, nil
}

// sessionOf is the role session name of an assumed-role ARN, else the part
// of the principal id after ':' (a federated user's).
func sessionOf(arn, principalID string) string {
	if s := arns.SessionName(arn); s != "" {
		return s
	}
	if i := strings.IndexByte(principalID, ':'); i >= 0 {
		return principalID[i+1:]
	}
	return ""
}

// identityOf maps userIdentity to the principal columns.
func identityOf(in *interner, u *fastjson.Value, ev *lake.Event) {
	if u == nil || u.Type() != fastjson.TypeObject {
		return
	}
	var m [len(identityNames)]*fastjson.Value
	members(u, identityNames[:], m[:])
	ev.PrincipalType = in.str(m[iType])
	ev.PrincipalID = in.str(m[iPrincipalID])
	ev.PrincipalAccountID = in.str(m[iAccountID])
	ev.InvokedBy = in.str(m[iInvokedBy])
	arn := in.str(m[iARN])
	var c [len(sessionNames)]*fastjson.Value
	members(m[iSessionContext], sessionNames[:], c[:])
	ev.SourceIdentity = in.str(c[sSourceIdentity])
	issuer := c[sSessionIssuer]

	switch ev.PrincipalType {
	case "AssumedRole":
		ev.PrincipalARN = arn
		ev.RoleARN = in.str(getCI(issuer, "arn"))
		if ev.RoleARN == "" {
			ev.RoleARN = arns.RoleOfSession(arn)
		}
		ev.SessionName = sessionOf(arn, ev.PrincipalID)
	case "Role":
		ev.PrincipalARN = arn
		ev.RoleARN = arn
	case "AWSService":
		ev.PrincipalARN = ev.InvokedBy
	case "IdentityCenterUser":
		obo := m[iOnBehalfOf]
		ev.UserName = str(getCI(obo, "userId"))
		ev.PrincipalARN = arn
		if ev.PrincipalARN == "" && ev.UserName != "" {
			ev.PrincipalARN = "arn:aws:identitystore:::user/" + ev.UserName
		}
	case "AWSAccount", "Unknown", "SAMLUser", "WebIdentityUser", "Directory":
		ev.PrincipalARN = arn
		ev.UserName = in.str(m[iUserName])
		if i := strings.LastIndexByte(ev.PrincipalID, ':'); i >= 0 && ev.PrincipalType == "AWSAccount" {
			ev.SessionName = ev.PrincipalID[i+1:]
		}
	default: // IAMUser, Root, FederatedUser and types yet to come
		ev.PrincipalARN = arn
		ev.UserName = in.str(m[iUserName])
		if ev.PrincipalType == "FederatedUser" {
			ev.SessionName = sessionOf(arn, ev.PrincipalID)
		}
	}
}

// outcome classifies a call: denied for authorization failures, error for
// any other error, success otherwise.
func outcome(code, eventName string, resp *fastjson.Value) string {
	if code == "" {
		// Sign-in events report failure in the response: {"ConsoleLogin":"Failure"},
		// {"ExternalIdPDirectoryLogin":"Failure"}, …
		if eventName != "" && str(get(resp, eventName)) == "Failure" {
			return lake.OutcomeDenied
		}
		return lake.OutcomeSuccess
	}
	if row.IsDeniedCode(code) {
		return lake.OutcomeDenied
	}
	return lake.OutcomeError
}

var queryIDPattern = regexp.MustCompile(`(?i)queryId"?\s*:\s*"?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`)
var auditField = regexp.MustCompile(`"?(platformType|jobIdentifier)"?\s*:\s*"?([^",}\s]+)`)

// lakeFormation extracts GetDataAccess / GetTemporaryGlue*Credentials and
// the permission-management calls.
func lakeFormation(ev *lake.Event, req, add *fastjson.Value) {
	switch ev.EventName {
	case "GetDataAccess", "GetTemporaryGlueTableCredentials", "GetTemporaryGluePartitionCredentials":
		ev.DatabaseName, ev.TableName = arns.GlueTable(str(get(req, "tableArn")))
		if ev.TableName == "" {
			if locs := get(req, "dataLocations"); locs != nil {
				if a, _ := locs.Array(); len(a) > 0 {
					ev.S3Bucket, ev.S3Key = arns.S3Object(str(a[0]))
				}
			}
		}
		if ctx := str(get(req, "auditContext", "additionalAuditContext")); ctx != "" {
			if m := queryIDPattern.FindStringSubmatch(ctx); m != nil {
				ev.QueryID = strings.ToLower(m[1])
			}
			for _, m := range auditField.FindAllStringSubmatch(ctx, -1) {
				if m[1] == "platformType" {
					ev.LFPlatformType = m[2]
				} else {
					ev.LFJobID = m[2]
				}
			}
		}
		if ev.QueryID == "" {
			if q := str(get(req, "querySessionContext", "queryId")); q != "" && q != "NULL" {
				ev.QueryID = q
			}
		}
		ev.LFSession = str(get(add, "lakeFormationRoleSessionName"))
		ev.LFPrincipal = str(get(add, "lakeFormationPrincipal"))
		ev.LFRequesterService = str(get(add, "requesterService"))
	case "GrantPermissions", "RevokePermissions":
		ev.TargetRoleARN = str(get(req, "principal", "dataLakePrincipalIdentifier"))
		ev.DatabaseName, ev.TableName = lfResource(get(req, "resource"))
	case "BatchGrantPermissions", "BatchRevokePermissions":
		if entries := get(req, "entries"); entries != nil {
			if a, _ := entries.Array(); len(a) == 1 {
				ev.TargetRoleARN = str(get(a[0], "principal", "dataLakePrincipalIdentifier"))
				ev.DatabaseName, ev.TableName = lfResource(get(a[0], "resource"))
			}
		}
	}
}

// lfResource reads database and table out of a Lake Formation resource.
func lfResource(r *fastjson.Value) (db, table string) {
	switch {
	case get(r, "tableWithColumns") != nil:
		return str(get(r, "tableWithColumns", "databaseName")), str(get(r, "tableWithColumns", "name"))
	case get(r, "table") != nil:
		t := get(r, "table")
		name := str(get(t, "name"))
		if name == "" && get(t, "tableWildcard") != nil {
			name = "*"
		}
		return str(get(t, "databaseName")), name
	case get(r, "dataCellsFilter") != nil:
		return str(get(r, "dataCellsFilter", "databaseName")), str(get(r, "dataCellsFilter", "tableName"))
	case get(r, "database") != nil:
		return str(get(r, "database", "name")), ""
	}
	return "", ""
}

const omitted = "***OMITTED***"

// athena extracts StartQueryExecution and the calls that name a query.
func athena(ev *lake.Event, req, resp *fastjson.Value) {
	ev.QueryID = firstStr(resp, []string{"queryExecutionId"})
	if ev.QueryID == "" {
		ev.QueryID = str(get(req, "queryExecutionId"))
	}
	ev.DatabaseName = str(get(req, "queryExecutionContext", "database"))
	ev.Workgroup = firstStr(req, []string{"workGroup"}, []string{"workgroup"})
	if q := firstStr(req, []string{"queryString"}, []string{"query"}); q != omitted {
		ev.QueryText = q
	}
}

// s3Data extracts S3 data events (and the management calls on buckets).
func s3Data(in *interner, ev *lake.Event, resources, req, add *fastjson.Value) {
	ev.S3Bucket = in.str(get(req, "bucketName"))
	ev.S3Key = str(get(req, "key"))
	if ev.S3Key == "" {
		ev.S3Key = str(get(req, "prefix"))
	}
	if ev.S3Key == "" || ev.S3Bucket == "" {
		if resources != nil {
			a, _ := resources.Array()
			for _, r := range a {
				t := str(getCI(r, "type"))
				if t != "AWS::S3::Object" && t != "AWS::S3::Bucket" {
					continue
				}
				arn := str(getCI(r, "ARN"))
				if arn == "" {
					arn = str(getCI(r, "ARNPrefix"))
				}
				b, k := arns.S3Object(arn)
				if ev.S3Bucket == "" {
					ev.S3Bucket = b
				}
				if ev.S3Key == "" && t == "AWS::S3::Object" {
					ev.S3Key = k
				}
			}
		}
	}
	bytesIn, okIn := int64Of(get(add, "bytesTransferredIn"))
	bytesOut, okOut := int64Of(get(add, "bytesTransferredOut"))
	if okIn || okOut {
		total := bytesIn + bytesOut
		ev.Bytes = &total
	}
	ev.S3HostID = str(get(add, "x-amz-id-2"))
	ev.SignatureVersion = in.str(get(add, "SignatureVersion"))
	ev.AuthType = in.str(get(add, "AuthenticationMethod"))
	if ev.CipherSuite == "" {
		ev.CipherSuite = in.str(get(add, "CipherSuite"))
	}
	if ev.HostHeader == "" {
		ev.HostHeader = in.str(get(req, "Host"))
	}
}

// sagemaker extracts the guardrail fields of SageMaker calls.
func sagemaker(ev *lake.Event, req *fastjson.Value) {
	ev.ResourceName = firstStr(req,
		[]string{"trainingJobName"}, []string{"processingJobName"}, []string{"transformJobName"},
		[]string{"hyperParameterTuningJobName"}, []string{"autoMLJobName"}, []string{"notebookInstanceName"},
		[]string{"modelName"}, []string{"endpointConfigName"}, []string{"endpointName"},
		[]string{"userProfileName"}, []string{"spaceName"}, []string{"domainName"}, []string{"domainId"})
	if ev.EventName == "CreateHyperParameterTuningJob" {
		// A tuning job's training settings (role, instances, KMS, VPC,
		// isolation) are in its training job definition(s), not at the
		// top level.
		if d := get(req, "trainingJobDefinition"); d != nil {
			req = d
		} else if ds := get(req, "trainingJobDefinitions"); ds != nil {
			if a, _ := ds.Array(); len(a) > 0 {
				req = a[0]
			}
		}
	}
	ev.TargetRoleARN = firstStr(req, []string{"roleArn"}, []string{"executionRoleArn"},
		[]string{"userSettings", "executionRole"}, []string{"defaultUserSettings", "executionRole"})
	ev.InstanceType = firstStr(req,
		[]string{"resourceConfig", "instanceType"}, []string{"processingResources", "clusterConfig", "instanceType"},
		[]string{"transformResources", "instanceType"}, []string{"instanceType"}, []string{"resourceSpec", "instanceType"})
	if ev.InstanceType == "" {
		if pv := get(req, "productionVariants"); pv != nil {
			if a, _ := pv.Array(); len(a) > 0 {
				ev.InstanceType = str(get(a[0], "instanceType"))
			}
		}
	}
	ev.KMSKeyID = firstStr(req,
		[]string{"resourceConfig", "volumeKmsKeyId"}, []string{"processingResources", "clusterConfig", "volumeKmsKeyId"},
		[]string{"transformResources", "volumeKmsKeyId"}, []string{"outputDataConfig", "kmsKeyId"},
		[]string{"processingOutputConfig", "kmsKeyId"}, []string{"transformOutput", "kmsKeyId"}, []string{"kmsKeyId"})
	if !strings.HasPrefix(ev.EventName, "Create") || ev.EventName == "CreatePresignedDomainUrl" ||
		ev.EventName == "CreateUserProfile" || ev.EventName == "CreateApp" || ev.EventName == "CreateSpace" {
		return
	}
	var inVPC bool
	switch ev.EventName {
	case "CreateDomain":
		inVPC = str(get(req, "appNetworkAccessType")) == "VpcOnly"
	case "CreateNotebookInstance":
		inVPC = str(get(req, "subnetId")) != "" && str(get(req, "directInternetAccess")) != "Enabled"
	default:
		inVPC = hasSubnets(get(req, "vpcConfig")) || hasSubnets(get(req, "networkConfig", "vpcConfig"))
	}
	ev.InVPC = &inVPC
	iso := boolPtr(get(req, "enableNetworkIsolation"))
	if iso == nil {
		iso = boolPtr(get(req, "networkConfig", "enableNetworkIsolation"))
	}
	if iso == nil {
		f := false
		iso = &f
	}
	ev.NetworkIsolation = iso
}

func hasSubnets(vpc *fastjson.Value) bool {
	s := get(vpc, "subnets")
	if s == nil {
		return false
	}
	a, _ := s.Array()
	return len(a) > 0
}

// validUTF8 replaces invalid UTF-8 in every text column: Parquet strings
// must be UTF-8, and log content is attacker-controlled.
func validUTF8(ev *lake.Event) {
	for _, p := range []*string{&ev.EventID, &ev.EventSource, &ev.EventName, &ev.EventType, &ev.Category,
		&ev.ErrorCode, &ev.ErrorMessage, &ev.AccountID, &ev.Region, &ev.PrincipalType, &ev.PrincipalID,
		&ev.PrincipalARN, &ev.PrincipalAccountID, &ev.UserName, &ev.RoleARN, &ev.SessionName,
		&ev.SourceIdentity, &ev.StudioProfile, &ev.InvokedBy, &ev.SourceIP, &ev.UserAgent, &ev.VPCEndpointID,
		&ev.DatabaseName, &ev.TableName, &ev.S3Bucket, &ev.S3Key, &ev.S3HostID, &ev.QueryID, &ev.QueryText,
		&ev.Workgroup, &ev.LFSession, &ev.LFPrincipal, &ev.LFRequesterService, &ev.LFPlatformType, &ev.LFJobID,
		&ev.TargetRoleARN, &ev.ResourceName, &ev.InstanceType, &ev.KMSKeyID, &ev.RequestID,
		&ev.S3Operation, &ev.RequestURI, &ev.Referer, &ev.VersionID, &ev.BucketOwner, &ev.SignatureVersion,
		&ev.AuthType, &ev.TLSVersion, &ev.CipherSuite, &ev.HostHeader, &ev.AccessPointARN} {
		if !utf8.ValidString(*p) {
			*p = strings.ToValidUTF8(*p, "\uFFFD")
		}
	}
	// The JSON columns are slices of Raw at member boundaries, or JSON that
	// appendJSON wrote (always valid): they need a look only when Raw does.
	if utf8.ValidString(ev.Raw) {
		return
	}
	for _, p := range []*string{&ev.RequestParameters, &ev.ResponseElements, &ev.AdditionalEventData, &ev.Raw} {
		if !utf8.ValidString(*p) {
			*p = strings.ToValidUTF8(*p, "\uFFFD")
		}
	}
}

// memberText returns the text of a top-level member of the JSON object
// raw, as it is written there (nil when there is none).
func memberText(raw []byte, name string) []byte {
	d := jsontext.NewDecoder(bytes.NewReader(raw), decoderOptions...)
	if tok, err := d.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil
	}
	for d.PeekKind() == '"' {
		tok, err := d.ReadToken()
		if err != nil {
			return nil
		}
		if tok.String() == name {
			v, err := d.ReadValue()
			if err != nil {
				return nil
			}
			return v // the decoder's own buffer, discarded with it: the event copies the text
		}
		if err := d.SkipValue(); err != nil {
			return nil
		}
	}
	return nil
}
