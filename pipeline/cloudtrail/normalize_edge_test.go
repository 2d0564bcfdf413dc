package cloudtrail

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/auditlake/auditlake/pipeline/identity"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/row"
)

// ctRecord builds a CloudTrail record: a fixed set of top-level members
// followed by extra (a JSON member list without braces, may be empty). Later
// members do not override earlier ones, so extra only adds members.
func ctRecord(extra string) string {
	s := `{"eventVersion":"1.08","eventTime":"2024-05-06T07:08:09Z","eventSource":"sts.amazonaws.com",` +
		`"eventName":"GetCallerIdentity","awsRegion":"us-east-1","eventID":"0e1f2a3b-0000-4000-8000-000000000001",` +
		`"recipientAccountId":"444455556666"`
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

// normalizeString runs one raw record through a fresh Normalizer.
func normalizeString(t *testing.T, raw string) (lake.Event, Kind, error) {
	t.Helper()
	var ev lake.Event
	kind, err := (&Normalizer{}).Normalize(Record{Raw: []byte(raw), Offset: 42}, "s3://b/k.json.gz", &ev)
	// As ingest resolves every event's profile (no role map: by
	// sourceIdentity only).
	ev.StudioProfile, ev.ProfileSource = identity.New().Resolve(ev.SourceIdentity, ev.RoleARN)
	return ev, kind, err
}

// checkFields compares the named lake.Event fields with want. Values are
// strings, bools (for *bool fields; nil means NULL), int64 (*int64) or
// time.Time.
func checkFields(t *testing.T, ev *lake.Event, want map[string]any) {
	t.Helper()
	v := reflect.ValueOf(ev).Elem()
	for name, w := range want {
		f := v.FieldByName(name)
		if !f.IsValid() {
			t.Fatalf("lake.Event has no field %s", name)
		}
		var got any
		switch f.Kind() {
		case reflect.Pointer:
			if f.IsNil() {
				got = nil
			} else {
				got = f.Elem().Interface()
			}
		default:
			got = f.Interface()
		}
		if gt, ok := got.(time.Time); ok {
			if wt, ok := w.(time.Time); !ok || !gt.Equal(wt) {
				t.Errorf("%s = %v, want %v", name, gt, w)
			}
			continue
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", name, got, w)
		}
	}
}

func TestNormalizeUserIdentity(t *testing.T) {
	tests := []struct {
		name string
		ui   string // the userIdentity member, or "" for none
		want map[string]any
	}{
		{"IAMUser", `"userIdentity":{"type":"IAMUser","principalId":"AIDAJ45Q7YFFAREXAMPLE","arn":"arn:aws:iam::123456789012:user/Alice","accountId":"123456789012","accessKeyId":"","userName":"Alice"}`,
			map[string]any{"PrincipalType": "IAMUser", "PrincipalID": "AIDAJ45Q7YFFAREXAMPLE", "PrincipalARN": "arn:aws:iam::123456789012:user/Alice",
				"PrincipalAccountID": "123456789012", "UserName": "Alice", "RoleARN": "", "SessionName": "", "AccountID": "444455556666"}},
		{"AssumedRole with sessionIssuer (role path kept, sourceIdentity read)",
			`"userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:alice-session","arn":"arn:aws:sts::123456789012:assumed-role/StudioExec/alice-session","accountId":"123456789012","accessKeyId":"ASIAEXAMPLE",` +
				`"sessionContext":{"sourceIdentity":"alice","sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::123456789012:role/service-role/StudioExec","accountId":"123456789012","userName":"StudioExec"},` +
				`"webIdFederationData":{},"attributes":{"creationDate":"2024-05-06T07:00:00Z","mfaAuthenticated":"false"}},"invokedBy":"sagemaker.amazonaws.com"}`,
			map[string]any{"PrincipalType": "AssumedRole", "PrincipalID": "AROAEXAMPLE:alice-session", "PrincipalARN": "arn:aws:sts::123456789012:assumed-role/StudioExec/alice-session",
				"RoleARN": "arn:aws:iam::123456789012:role/service-role/StudioExec", "SessionName": "alice-session", "SourceIdentity": "alice",
				"StudioProfile": "alice", "ProfileSource": "source_identity", "InvokedBy": "sagemaker.amazonaws.com", "UserName": ""}},
		{"AssumedRole without sessionIssuer: role from the session ARN",
			`"userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:s1","arn":"arn:aws:sts::123456789012:assumed-role/Admin/s1","accountId":"123456789012"}`,
			map[string]any{"RoleARN": "arn:aws:iam::123456789012:role/Admin", "SessionName": "s1", "PrincipalARN": "arn:aws:sts::123456789012:assumed-role/Admin/s1"}},
		{"AssumedRole in GovCloud without sessionIssuer",
			`"userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:s2","arn":"arn:aws-us-gov:sts::123456789012:assumed-role/Admin/s2"}`,
			map[string]any{"RoleARN": "arn:aws-us-gov:iam::123456789012:role/Admin", "SessionName": "s2"}},
		{"AssumedRole with empty sessionIssuer object",
			`"userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:s3","arn":"arn:aws:sts::123456789012:assumed-role/R/s3","sessionContext":{"sessionIssuer":{}}}`,
			map[string]any{"RoleARN": "arn:aws:iam::123456789012:role/R", "SessionName": "s3"}},
		{"AssumedRole without arn: session from principalId",
			`"userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:from-principal","accountId":"123456789012"}`,
			map[string]any{"RoleARN": "", "SessionName": "from-principal", "PrincipalARN": ""}},
		{"AssumedRole with Lake Formation sourceIdentity is not a Studio profile",
			`"userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:AWSLF-00-AT-123456789012-abc","arn":"arn:aws:sts::123456789012:assumed-role/LFRole/AWSLF-00-AT-123456789012-abc","sessionContext":{"sourceIdentity":"V2.123456789012.AROAEXAMPLEUSER"}}`,
			map[string]any{"SourceIdentity": "V2.123456789012.AROAEXAMPLEUSER", "StudioProfile": "", "ProfileSource": "",
				"SessionName": "AWSLF-00-AT-123456789012-abc", "LFSession": "AWSLF-00-AT-123456789012-abc"}},
		{"Role", `"userIdentity":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::123456789012:role/Deployer","accountId":"123456789012","userName":"Deployer"}`,
			map[string]any{"PrincipalType": "Role", "PrincipalARN": "arn:aws:iam::123456789012:role/Deployer", "RoleARN": "arn:aws:iam::123456789012:role/Deployer", "SessionName": ""}},
		{"Root", `"userIdentity":{"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012","accessKeyId":"","userName":"my-alias"}`,
			map[string]any{"PrincipalType": "Root", "PrincipalARN": "arn:aws:iam::123456789012:root", "UserName": "my-alias", "PrincipalAccountID": "123456789012", "RoleARN": ""}},
		{"FederatedUser", `"userIdentity":{"type":"FederatedUser","principalId":"123456789012:Bob","arn":"arn:aws:sts::123456789012:federated-user/Bob","accountId":"123456789012",` +
			`"sessionContext":{"sessionIssuer":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::123456789012:user/Alice","accountId":"123456789012","userName":"Alice"}}}`,
			map[string]any{"PrincipalType": "FederatedUser", "PrincipalARN": "arn:aws:sts::123456789012:federated-user/Bob", "SessionName": "Bob", "RoleARN": ""}},
		{"AWSService", `"userIdentity":{"type":"AWSService","invokedBy":"ec2.amazonaws.com"}`,
			map[string]any{"PrincipalType": "AWSService", "PrincipalARN": "ec2.amazonaws.com", "InvokedBy": "ec2.amazonaws.com", "PrincipalAccountID": "", "AccountID": "444455556666"}},
		{"AWSAccount with a session principal", `"userIdentity":{"type":"AWSAccount","principalId":"AROAQGFTBBBGOBWV2EMZA:GlueJobRunnerSession","accountId":"111122223333"}`,
			map[string]any{"PrincipalType": "AWSAccount", "PrincipalAccountID": "111122223333", "SessionName": "GlueJobRunnerSession", "PrincipalARN": "", "AccountID": "444455556666"}},
		{"AWSAccount anonymous", `"userIdentity":{"type":"AWSAccount","principalId":"","accountId":"anonymous"}`,
			map[string]any{"PrincipalType": "AWSAccount", "PrincipalID": "", "PrincipalAccountID": "anonymous", "SessionName": "", "PrincipalARN": "", "AccountID": "444455556666"}},
		{"IdentityCenterUser with onBehalfOf and empty arn",
			`"userIdentity":{"type":"IdentityCenterUser","arn":"","accountId":"123456789012","accessKeyId":"","onBehalfOf":{"userId":"544894e8-80c1-707f-60e3-3ba6510dfac1","identityStoreArn":"arn:aws:identitystore::123456789012:identitystore/d-9067642ac7"},"credentialId":"EXAMPLEcred"}`,
			map[string]any{"PrincipalType": "IdentityCenterUser", "UserName": "544894e8-80c1-707f-60e3-3ba6510dfac1",
				"PrincipalARN": "arn:aws:identitystore:::user/544894e8-80c1-707f-60e3-3ba6510dfac1", "PrincipalAccountID": "123456789012"}},
		{"SAMLUser", `"userIdentity":{"type":"SAMLUser","principalId":"SampleUkh1i4+ExamplexL/jEvs=:SamlExample","userName":"SamlExample","identityProvider":"bdGOnTesti4+ExamplexL/jEvs="}`,
			map[string]any{"PrincipalType": "SAMLUser", "UserName": "SamlExample", "PrincipalID": "SampleUkh1i4+ExamplexL/jEvs=:SamlExample", "PrincipalARN": "", "SessionName": ""}},
		{"WebIdentityUser", `"userIdentity":{"type":"WebIdentityUser","principalId":"accounts.google.com:application-id.apps.googleusercontent.com:user-id","userName":"user-id","identityProvider":"accounts.google.com"}`,
			map[string]any{"PrincipalType": "WebIdentityUser", "UserName": "user-id", "PrincipalID": "accounts.google.com:application-id.apps.googleusercontent.com:user-id", "SessionName": ""}},
		{"Unknown", `"userIdentity":{"type":"Unknown","principalId":"9067642ac7-uuid","accountId":"123456789012","userName":"Jane Doe"}`,
			map[string]any{"PrincipalType": "Unknown", "UserName": "Jane Doe", "PrincipalID": "9067642ac7-uuid", "PrincipalAccountID": "123456789012"}},
		{"type not yet known", `"userIdentity":{"type":"FutureType","principalId":"p","arn":"arn:aws:x::1:y","userName":"u"}`,
			map[string]any{"PrincipalType": "FutureType", "PrincipalARN": "arn:aws:x::1:y", "UserName": "u"}},
		{"missing userIdentity", ``,
			map[string]any{"PrincipalType": "", "PrincipalARN": "", "PrincipalID": "", "RoleARN": "", "AccountID": "444455556666"}},
		{"null userIdentity", `"userIdentity":null`, map[string]any{"PrincipalType": "", "AccountID": "444455556666"}},
		{"userIdentity is a string", `"userIdentity":"IAMUser"`, map[string]any{"PrincipalType": "", "PrincipalARN": ""}},
		{"lower-case keys (re-normalised copies)",
			`"userIdentity":{"type":"AssumedRole","principalid":"ARORJ4ULULLE0EEJAAKDO:alan","arn":"arn:aws:sts::112233445566:assumed-role/TestAdmin/alan","accountid":"112233445566","accesskeyid":"ASIAEXAMPLE",` +
				`"sessioncontext":{"attributes":{"mfaauthenticated":"true"},"sourceidentity":"alan-profile","sessionissuer":{"type":"Role","principalid":"ARORJ4ULULLE0EEJAAKDO","arn":"arn:aws:iam::112233445566:role/path/TestAdmin","accountid":"112233445566","username":"TestAdmin"}}}`,
			map[string]any{"PrincipalType": "AssumedRole", "PrincipalID": "ARORJ4ULULLE0EEJAAKDO:alan", "PrincipalAccountID": "112233445566",
				"RoleARN": "arn:aws:iam::112233445566:role/path/TestAdmin", "SessionName": "alan", "SourceIdentity": "alan-profile"}},
		{"lower-case userIdentity key itself", `"useridentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/x","username":"x"}`,
			map[string]any{"PrincipalType": "IAMUser", "PrincipalARN": "arn:aws:iam::1:user/x", "UserName": "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, kind, err := normalizeString(t, ctRecord(tc.ui))
			if err != nil || kind != KindEvent {
				t.Fatalf("Normalize: %v, %v", kind, err)
			}
			checkFields(t, &ev, tc.want)
		})
	}

	// recipientAccountId absent: AccountID falls back to the caller's account.
	raw := `{"eventTime":"2024-05-06T07:08:09Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","userIdentity":{"type":"IAMUser","accountId":"999988887777"}}`
	ev, _, err := normalizeString(t, raw)
	if err != nil {
		t.Fatal(err)
	}
	checkFields(t, &ev, map[string]any{"AccountID": "999988887777", "PrincipalAccountID": "999988887777"})
}

func TestNormalizeTypeLooseness(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want map[string]any
	}{
		{"readOnly true", ctRecord(`"readOnly":true`), map[string]any{"ReadOnly": true}},
		{"readOnly false", ctRecord(`"readOnly":false`), map[string]any{"ReadOnly": false}},
		{"readOnly as string true", ctRecord(`"readOnly":"true"`), map[string]any{"ReadOnly": true}},
		{"readOnly as string FALSE", ctRecord(`"readOnly":" FALSE "`), map[string]any{"ReadOnly": false}},
		{"readOnly unreadable", ctRecord(`"readOnly":"maybe"`), map[string]any{"ReadOnly": nil}},
		{"readOnly number", ctRecord(`"readOnly":1`), map[string]any{"ReadOnly": nil}},
		{"readOnly absent", ctRecord(``), map[string]any{"ReadOnly": nil}},
		{"enableNetworkIsolation as string",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"sagemaker.amazonaws.com","eventName":"CreateTrainingJob",` +
				`"requestParameters":{"trainingJobName":"tj","roleArn":"arn:aws:iam::1:role/Exec","enableNetworkIsolation":"true","vpcConfig":{"subnets":["subnet-1"]}}}`,
			map[string]any{"NetworkIsolation": true, "InVPC": true, "ResourceName": "tj", "TargetRoleARN": "arn:aws:iam::1:role/Exec"}},
		{"S3 byte counts as float and string",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","requestParameters":{"bucketName":"b","key":"k"},` +
				`"additionalEventData":{"bytesTransferredIn":"10","bytesTransferredOut":2232.0}}`,
			map[string]any{"Bytes": int64(2242), "S3Bucket": "b", "S3Key": "k"}},
		{"numbers rendered as text", ctRecord(`"errorCode":404`), map[string]any{"ErrorCode": "404", "Outcome": "error"}},
		{"leading-zero IPv4 kept verbatim", ctRecord(`"sourceIPAddress":"06.237.252.245"`), map[string]any{"SourceIP": "06.237.252.245"}},
		{"leading-zero IPv4 kept verbatim 2", ctRecord(`"sourceIPAddress":"075.050.255.67"`), map[string]any{"SourceIP": "075.050.255.67"}},
		{"invalid IPv4 kept verbatim", ctRecord(`"sourceIPAddress":"77.88.999.69"`), map[string]any{"SourceIP": "77.88.999.69"}},
		{"service name as source", ctRecord(`"sourceIPAddress":"athena.amazonaws.com"`), map[string]any{"SourceIP": "athena.amazonaws.com"}},
		{"comma list of addresses", ctRecord(`"sourceIPAddress":"81.2.69.142, 192.168.10.10"`), map[string]any{"SourceIP": "81.2.69.142, 192.168.10.10"}},
		{"IPv6", ctRecord(`"sourceIPAddress":"2001:db8::0001"`), map[string]any{"SourceIP": "2001:db8::0001"}},
		{"VPC endpoint event (docs spelling)", ctRecord(`"eventType":"AwsVpceEvents","eventCategory":"NetworkActivity"`), map[string]any{"NetworkView": true}},
		{"VPC endpoint event (fixture spelling)", ctRecord(`"eventType":"AwsVpceEvent"`), map[string]any{"NetworkView": true}},
		{"management event is not a network view", ctRecord(`"eventType":"AwsApiCall","eventCategory":"Management"`), map[string]any{"NetworkView": false, "Category": "Management"}},
		{"null payloads are NULL", ctRecord(`"requestParameters":null,"responseElements":null`),
			map[string]any{"RequestParameters": "", "ResponseElements": "", "AdditionalEventData": ""}},
		{"empty payload objects are kept", ctRecord(`"requestParameters":{},"responseElements":[]`),
			map[string]any{"RequestParameters": "{}", "ResponseElements": "[]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, kind, err := normalizeString(t, tc.raw)
			if err != nil || kind != KindEvent {
				t.Fatalf("Normalize: %v, %v", kind, err)
			}
			checkFields(t, &ev, tc.want)
		})
	}
}

func TestNormalizeEventTime(t *testing.T) {
	rec := func(members string) string {
		return `{"eventSource":"ec2.amazonaws.com","eventName":"RunInstances"` + members + `}`
	}
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name string
		raw  string
		want time.Time
		err  error
	}{
		{"RFC 3339", rec(`,"eventTime":"2023-08-26T21:17:16Z"`), utc("2023-08-26T21:17:16Z"), nil},
		{"RFC 3339 with fraction and offset", rec(`,"eventTime":"2023-08-26T23:17:16.25+02:00"`), utc("2023-08-26T21:17:16.25Z"), nil},
		{"space-separated (Panther)", rec(`,"eventTime":"2025-02-19 20:13:49"`), utc("2025-02-19T20:13:49Z"), nil},
		{"space-separated with millis", rec(`,"eventTime":"2021-01-24 04:55:45.000"`), utc("2021-01-24T04:55:45Z"), nil},
		{"space-separated with Z", rec(`,"eventTime":"2019-01-01 00:20:04.000Z"`), utc("2019-01-01T00:20:04Z"), nil},
		{"no zone", rec(`,"eventTime":"2021-06-04T09:59:53.650807"`), utc("2021-06-04T09:59:53.650807Z"), nil},
		{"compact basic format", rec(`,"eventTime":"20131102T010628Z"`), utc("2013-11-02T01:06:28Z"), nil},
		{"surrounding spaces", rec(`,"eventTime":" 2023-08-26T21:17:16Z "`), utc("2023-08-26T21:17:16Z"), nil},
		{"@timestamp fallback (Logstash)", rec(`,"@timestamp":"2020-09-14T01:19:40.123Z","@version":"1"`), utc("2020-09-14T01:19:40.123Z"), nil},
		{"empty eventTime falls back to @timestamp", rec(`,"eventTime":"","@timestamp":"2020-09-14T01:19:40Z"`), utc("2020-09-14T01:19:40Z"), nil},
		{"p_event_time fallback (Panther)", rec(`,"p_event_time":"2021-08-31 15:46:02.000000000"`), utc("2021-08-31T15:46:02Z"), nil},
		{"eventTime wins over @timestamp", rec(`,"eventTime":"2023-01-01T00:00:00Z","@timestamp":"2020-01-01T00:00:00Z"`), utc("2023-01-01T00:00:00Z"), nil},
		{"missing eventTime", rec(``), time.Time{}, ErrNoTime},
		{"null eventTime", rec(`,"eventTime":null`), time.Time{}, ErrNoTime},
		{"unreadable eventTime", rec(`,"eventTime":"redacted"`), time.Time{}, ErrBadTime},
		{"placeholder eventTime", rec(`,"eventTime":"..."`), time.Time{}, ErrBadTime},
		{"numeric eventTime", rec(`,"eventTime":1700000000`), time.Time{}, ErrBadTime},
		{"human date format", rec(`,"eventTime":"Jul 2, 2026 2:41:00 PM"`), time.Time{}, ErrBadTime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, kind, err := normalizeString(t, tc.raw)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if kind != KindEvent || !ev.EventTime.Equal(tc.want) || ev.EventTime.Location() != time.UTC {
				t.Errorf("EventTime %v (kind %v), want %v in UTC", ev.EventTime, kind, tc.want)
			}
		})
	}
}

func TestNormalizeOutcome(t *testing.T) {
	tests := []struct {
		name   string
		extra  string
		want   string
		denied bool // row.IsDeniedCode(errorCode)
	}{
		{"no error", ``, lake.OutcomeSuccess, false},
		{"AccessDenied", `"errorCode":"AccessDenied","errorMessage":"Access Denied"`, lake.OutcomeDenied, true},
		{"AccessDeniedException", `"errorCode":"AccessDeniedException"`, lake.OutcomeDenied, true},
		{"Client.UnauthorizedOperation", `"errorCode":"Client.UnauthorizedOperation"`, lake.OutcomeDenied, true},
		{"UnauthorizedOperation", `"errorCode":"UnauthorizedOperation"`, lake.OutcomeDenied, true},
		{"VpceAccessDenied", `"errorCode":"VpceAccessDenied"`, lake.OutcomeDenied, true},
		{"NotAuthorizedException", `"errorCode":"NotAuthorizedException"`, lake.OutcomeDenied, true},
		{"Forbidden", `"errorCode":"Forbidden"`, lake.OutcomeDenied, true},
		{"AuthFailure", `"errorCode":"Client.AuthFailure"`, lake.OutcomeDenied, true},
		{"ThrottlingException", `"errorCode":"ThrottlingException"`, lake.OutcomeError, false},
		{"InvalidRequestException", `"errorCode":"InvalidRequestException","responseElements":null`, lake.OutcomeError, false},
		{"EntityTemporarilyUnmodifiable", `"errorCode":"EntityTemporarilyUnmodifiableException"`, lake.OutcomeError, false},
		{"NoSuchBucket", `"errorCode":"NoSuchBucket"`, lake.OutcomeError, false},
		{"HTTP status as errorCode", `"errorCode":"200"`, lake.OutcomeError, false},
		{"empty errorCode", `"errorCode":"","errorMessage":"ignored"`, lake.OutcomeSuccess, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, _, err := normalizeString(t, ctRecord(tc.extra))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Outcome != tc.want {
				t.Errorf("Outcome = %q, want %q", ev.Outcome, tc.want)
			}
			if got := row.IsDeniedCode(ev.ErrorCode); got != tc.denied {
				t.Errorf("IsDeniedCode(%q) = %v, want %v", ev.ErrorCode, got, tc.denied)
			}
		})
	}

	login := func(result, extra string) string {
		return `{"eventTime":"2024-05-06T07:08:09Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","eventType":"AwsConsoleSignIn",` +
			`"userIdentity":{"type":"IAMUser","accountId":"123456789012","accessKeyId":"","userName":"HIDDEN_DUE_TO_SECURITY_REASONS"},` +
			`"responseElements":{"ConsoleLogin":"` + result + `"}` + extra + `}`
	}
	for _, tc := range []struct {
		name, raw, want string
	}{
		{"ConsoleLogin Failure", login("Failure", `,"errorMessage":"Failed authentication","additionalEventData":{"MFAUsed":"No"}`), lake.OutcomeDenied},
		{"ConsoleLogin Success", login("Success", `,"additionalEventData":{"MFAUsed":"Yes"}`), lake.OutcomeSuccess},
		{"a ConsoleLogin member on another event name is ignored",
			strings.Replace(login("Failure", ""), `"eventName":"ConsoleLogin"`, `"eventName":"CheckMfa"`, 1), lake.OutcomeSuccess},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, _, err := normalizeString(t, tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Outcome != tc.want {
				t.Errorf("Outcome = %q, want %q", ev.Outcome, tc.want)
			}
		})
	}
}

func TestNormalizeKindsAndErrors(t *testing.T) {
	insight := `{"eventVersion":"1.07","eventTime":"2019-11-14T00:51:00Z","awsRegion":"us-east-1","eventID":"EXAMPLE8-9621-4d00-b913-beca2EXAMPLE",` +
		`"eventType":"AwsCloudTrailInsight","recipientAccountId":"123456789012","sharedEventID":"EXAMPLE2-1729-42f1-b735-5d8c0EXAMPLE",` +
		`"insightDetails":{"state":"Start","eventSource":"ssm.amazonaws.com","eventName":"UpdateInstanceInformation","insightType":"ApiCallRateInsight",` +
		`"insightContext":{"statistics":{"baseline":{"average":85.4202380952},"insight":{"average":664}}}},"eventCategory":"Insight"}`
	tests := []struct {
		name string
		raw  string
		kind Kind
		err  error
	}{
		{"Insight record", insight, KindInsight, nil},
		{"Insight without eventType", `{"eventTime":"2019-11-14T00:51:00Z","insightDetails":{"state":"End"}}`, KindInsight, nil},
		{"Insight without eventTime is still an Insight", `{"eventType":"AwsCloudTrailInsight"}`, KindInsight, nil},
		{"ordinary event", ctRecord(``), KindEvent, nil},
		{"eventName without eventSource", `{"eventTime":"2024-05-06T07:08:09Z","eventName":"DeleteBucket"}`, KindEvent, nil},
		{"no eventName and no eventSource", `{"eventTime":"2024-05-06T07:08:09Z","awsRegion":"us-east-1"}`, 0, ErrNotEvent},
		{"digest file", `{"awsAccountId":"123456789123","digestStartTime":"2020-09-11T18:36:49Z","digestEndTime":"2020-09-11T19:36:49Z","logFiles":[]}`, 0, ErrNotEvent},
		{"empty object", `{}`, 0, ErrNotEvent},
		{"missing eventTime", `{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}`, 0, ErrNoTime},
		{"not JSON", `{"eventName":`, 0, ErrNotJSON},
		{"empty input", ``, 0, ErrNotJSON},
		{"trailing garbage", `{"eventName":"x"} x`, 0, ErrNotJSON},
		{"array", `[{"eventName":"x"}]`, 0, ErrNotObject},
		{"string", `"x"`, 0, ErrNotObject},
		{"null", `null`, 0, ErrNotObject},
		{"LookupEvents wrapper",
			`{"EventId":"e1","EventName":"AssumeRole","CloudTrailEvent":"{\"eventTime\":\"2024-05-06T07:08:09Z\",\"eventSource\":\"sts.amazonaws.com\",\"eventName\":\"AssumeRole\"}"}`,
			KindEvent, nil},
		{"LookupEvents Insight", `{"EventId":"e1","CloudTrailEvent":"{\"eventType\":\"AwsCloudTrailInsight\",\"eventTime\":\"2019-11-14T00:51:00Z\"}"}`, KindInsight, nil},
		{"LookupEvents with broken CloudTrailEvent", `{"EventId":"e1","CloudTrailEvent":"{\"eventTime\":"}`, 0, ErrNotJSON},
		{"LookupEvents with non-object CloudTrailEvent", `{"EventId":"e1","CloudTrailEvent":"[1]"}`, 0, ErrNotObject},
		{"LookupEvents with empty CloudTrailEvent", `{"EventId":"e1","CloudTrailEvent":""}`, 0, ErrNotJSON},
		{"CloudTrailEvent beside eventTime is an ordinary member", ctRecord(`"CloudTrailEvent":"not json"`), KindEvent, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, kind, err := normalizeString(t, tc.raw)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if err == nil && kind != tc.kind {
				t.Errorf("kind %v, want %v", kind, tc.kind)
			}
		})
	}
}

func TestNormalizeLookupEventsUnwrap(t *testing.T) {
	inner := `{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:SageMaker","arn":"arn:aws:sts::123456789012:assumed-role/Exec/SageMaker",` +
		`"accountId":"123456789012","sessionContext":{"sourceIdentity":"frank","sessionIssuer":{"arn":"arn:aws:iam::123456789012:role/Exec"}}},` +
		`"eventTime":"2026-08-03T22:22:31Z","eventSource":"sagemaker.amazonaws.com","eventName":"CreateApp","awsRegion":"us-west-2",` +
		`"requestParameters":{"domainId":"d-example","spaceName":"frank","appType":"JupyterLab"},"responseElements":{"appArn":"arn:aws:sagemaker:us-west-2:123456789012:app/d-example/frank/jupyterlab/default"},` +
		`"eventID":"5d3b5e4a-0000-4000-8000-00000000abcd","readOnly":false,"recipientAccountId":"123456789012"}`
	quoted, err := json.Marshal(inner)
	if err != nil {
		t.Fatal(err)
	}
	wrapper := `{"EventId":"5d3b5e4a-0000-4000-8000-00000000abcd","EventName":"CreateApp","ReadOnly":"false","EventTime":"2026-08-03T22:22:31+00:00",` +
		`"EventSource":"sagemaker.amazonaws.com","Username":"SageMaker","Resources":[],"CloudTrailEvent":` + string(quoted) + `}`
	ev, kind, err := normalizeString(t, wrapper)
	if err != nil || kind != KindEvent {
		t.Fatalf("Normalize: %v, %v", kind, err)
	}
	checkFields(t, &ev, map[string]any{
		"EventID": "5d3b5e4a-0000-4000-8000-00000000abcd", "EventName": "CreateApp", "EventSource": "sagemaker.amazonaws.com",
		"EventTime": time.Date(2026, 8, 3, 22, 22, 31, 0, time.UTC), "Region": "us-west-2", "ReadOnly": false,
		"PrincipalType": "AssumedRole", "RoleARN": "arn:aws:iam::123456789012:role/Exec", "SessionName": "SageMaker",
		"SourceIdentity": "frank", "StudioProfile": "frank", "ResourceName": "frank", "AccountID": "123456789012",
		"SourceOffset": int64(42), "SourceObject": "s3://b/k.json.gz", "LogSource": lake.SourceCloudTrail,
	})
	assertJSONEqual(t, "RequestParameters", ev.RequestParameters, `{"domainId":"d-example","spaceName":"frank","appType":"JupyterLab"}`)
	assertJSONEqual(t, "ResponseElements", ev.ResponseElements, `{"appArn":"arn:aws:sagemaker:us-west-2:123456789012:app/d-example/frank/jupyterlab/default"}`)
}

// secretFree fails when secret appears in any string column of ev.
func secretFree(t *testing.T, ev *lake.Event, secrets ...string) {
	t.Helper()
	for name, s := range stringFields(ev) {
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Errorf("secret %q is stored in %s: %s", secret, name, s)
			}
		}
	}
}

func TestNormalizeRedaction(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		secrets []string // text that must not be stored anywhere
		keep    []string // text that must survive in Raw
	}{
		{"AssumeRole sessionToken",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"},` +
				`"requestParameters":{"roleArn":"arn:aws:iam::123456789012:role/Exec","roleSessionName":"s1","sourceIdentity":"alice"},` +
				`"responseElements":{"credentials":{"accessKeyId":"ASIAEXAMPLEKEY","sessionToken":"IQoJb3JpZ2luX2VjEXAMPLESECRETTOKEN1","expiration":"Oct 8, 2024, 4:15:32 PM"},` +
				`"assumedRoleUser":{"assumedRoleId":"AROAEXAMPLE:s1","arn":"arn:aws:sts::123456789012:assumed-role/Exec/s1"},"sourceIdentity":"alice"}}`,
			[]string{"IQoJb3JpZ2luX2VjEXAMPLESECRETTOKEN1"}, []string{"ASIAEXAMPLEKEY", `"sessionToken":"` + Redacted + `"`, "Oct 8, 2024, 4:15:32 PM"}},
		{"EMR GetClusterSessionCredentials password",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"elasticmapreduce.amazonaws.com","eventName":"GetClusterSessionCredentials",` +
				`"requestParameters":{"clusterId":"j-EXAMPLE","executionRoleArn":"arn:aws:iam::1:role/EMRRuntime"},` +
				`"responseElements":{"credentials":{"usernamePassword":{"username":"hadoop","password":"EMR-SECRET-PASSWORD-2"}},"expiresAt":"Jul 2, 2026 2:41:00 PM"}}`,
			[]string{"EMR-SECRET-PASSWORD-2"}, []string{`"username":"hadoop"`, `"password":"` + Redacted + `"`}},
		{"SageMaker CreatePresignedDomainUrl authorizedUrl",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"sagemaker.amazonaws.com","eventName":"CreatePresignedDomainUrl",` +
				`"requestParameters":{"domainId":"d-abc","userProfileName":"alice","sessionExpirationDurationInSeconds":43200},` +
				`"responseElements":{"authorizedUrl":"https://d-abc.studio.us-east-1.sagemaker.aws/auth?token=eyJhbGciOiJIUzI1NiJ9.STUDIO-SECRET-3.sig"}}`,
			[]string{"STUDIO-SECRET-3"}, []string{"https://d-abc.studio.us-east-1.sagemaker.aws/auth?token="}},
		{"presigned S3 URL inside a request parameter",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"lambda.amazonaws.com","eventName":"CreateFunction20150331",` +
				`"requestParameters":{"functionName":"f","code":{"location":"https://b.s3.amazonaws.com/k.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20240506%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240506T070809Z&X-Amz-Expires=600&X-Amz-Security-Token=PRESIGN-STS-SECRET-4&X-Amz-SignedHeaders=host&X-Amz-Signature=deadbeefPRESIGNSIG4"}}}`,
			[]string{"PRESIGN-STS-SECRET-4", "deadbeefPRESIGNSIG4", "ASIAEXAMPLE%2F20240506"}, []string{"https://b.s3.amazonaws.com/k.zip?", "X-Amz-Algorithm=AWS4-HMAC-SHA256", `"functionName":"f"`}},
		{"presigned URL in an error message and an array",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","errorCode":"AccessDenied",` +
				`"errorMessage":"Request https://b.s3.amazonaws.com/k?X-Amz-Signature=MSGSIG5&X-Amz-Expires=60 failed",` +
				`"additionalEventData":{"urls":["https://b.s3.amazonaws.com/k2?X-Amz-Security-Token=ARRAYTOKEN5"]}}`,
			[]string{"MSGSIG5", "ARRAYTOKEN5"}, []string{"X-Amz-Expires=60"}},
		{"presigned URL after another question mark",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","errorCode":"AccessDenied",` +
				`"errorMessage":"Why? https://b.s3.amazonaws.com/k?X-Amz-Security-Token=QMARK-TOKEN-11&X-Amz-Signature=QMARKSIG11"}`,
			[]string{"QMARK-TOKEN-11", "QMARKSIG11"}, []string{"https://b.s3.amazonaws.com/k"}},
		{"presigned URL after another URL's query",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"s3.amazonaws.com","eventName":"GetObject",` +
				`"errorMessage":"moved from https://a.example/x?p=1 to https://b.s3.amazonaws.com/k?X-Amz-Security-Token=SECOND-URL-TOKEN-12"}`,
			[]string{"SECOND-URL-TOKEN-12"}, []string{"https://a.example/x?p=1 to https://b.s3.amazonaws.com/k?X-Amz-Security-Token="}},
		{"url member with a signature",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"x.amazonaws.com","eventName":"X","responseElements":{"url":"https://h/p?a=1&Signature=URLSIG6"}}`,
			[]string{"URLSIG6"}, []string{"a=1"}},
		{"secret keys in any case and place",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"rds.amazonaws.com","eventName":"CreateDBInstance",` +
				`"requestParameters":{"masterUserPassword":"RDS-SECRET-7","nested":[{"AdminPassword":"ADMIN-SECRET-7"}],"SecretAccessKey":"SAK-SECRET-7"}}`,
			[]string{"RDS-SECRET-7", "ADMIN-SECRET-7", "SAK-SECRET-7"}, []string{"CreateDBInstance"}},
		{"secretKey member (regression: no byte hint matched it)",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"x.amazonaws.com","eventName":"PutKeys","requestParameters":{"accessKey":"AKIAEXAMPLE","secretKey":"PLAIN-SECRET-KEY-8"}}`,
			[]string{"PLAIN-SECRET-KEY-8"}, []string{"AKIAEXAMPLE"}},
		{"duplicate secret member (regression: only the first copy was redacted)",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"x.amazonaws.com","eventName":"X","requestParameters":{"password":"DUP-ONE-9","password":"DUP-TWO-9"}}`,
			[]string{"DUP-ONE-9", "DUP-TWO-9"}, nil},
		{"LookupEvents wrapper with a session token",
			`{"EventId":"e1","CloudTrailEvent":"{\"eventTime\":\"2024-05-06T07:08:09Z\",\"eventSource\":\"sts.amazonaws.com\",\"eventName\":\"AssumeRole\",` +
				`\"responseElements\":{\"credentials\":{\"accessKeyId\":\"ASIAEXAMPLEKEY\",\"sessionToken\":\"WRAPPED-TOKEN-10\"}}}"}`,
			[]string{"WRAPPED-TOKEN-10"}, []string{"ASIAEXAMPLEKEY"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, kind, err := normalizeString(t, tc.raw)
			if err != nil || kind != KindEvent {
				t.Fatalf("Normalize: %v, %v", kind, err)
			}
			secretFree(t, &ev, tc.secrets...)
			for _, k := range tc.keep {
				if !strings.Contains(ev.Raw, k) {
					t.Errorf("Raw lost %q: %s", k, ev.Raw)
				}
			}
			if !strings.Contains(ev.Raw, "REDACTED") {
				t.Errorf("Raw has no redaction marker: %s", ev.Raw)
			}
			for name, s := range map[string]string{"Raw": ev.Raw, "RequestParameters": ev.RequestParameters,
				"ResponseElements": ev.ResponseElements, "AdditionalEventData": ev.AdditionalEventData} {
				if s != "" && !jsontext.Value(s).IsValid(jsontext.AllowDuplicateNames(true)) {
					t.Errorf("%s is not valid JSON after redaction: %s", name, s)
				}
			}
		})
	}
}

func TestNormalizeNoSecretKeepsRawVerbatim(t *testing.T) {
	// Without anything to redact, Raw is the record as read, byte for byte
	// (escapes, spacing and member order included).
	raw := `{"eventTime":"2024-05-06T07:08:09Z", "eventSource":"s3.amazonaws.com","eventName":"GetObject",` +
		`"requestParameters":{"bucketName":"b","key":"caf\u00e9 \/x"},"userAgent":"[aws-cli/2.17.60]","sessionTokenish":1,"url":"https://h/p?a=1"}`
	ev, _, err := normalizeString(t, raw)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Raw != raw {
		t.Errorf("Raw = %s\nwant %s", ev.Raw, raw)
	}
	if ev.S3Key != "café /x" {
		t.Errorf("S3Key = %q", ev.S3Key)
	}
}

// TestNormalizeJSONColumnsStayJSON: text columns that hold JSON must be
// valid JSON even when strings carry control characters, quotes or invalid
// UTF-8 (regression: fastjson re-quoted touched strings Go-style, "\x01").
func TestNormalizeJSONColumnsStayJSON(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		key  string // expected S3Key
	}{
		{"S3 key with a control character",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","requestParameters":{"bucketName":"b","key":"a\u0001b\"c\u007f"}}`,
			"a\x01b\"c\x7f"},
		{"control characters with a redaction",
			`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userAgent":"ua\u001b[31m\"x\"",` +
				`"requestParameters":{"bucketName":"b","key":"k\u0000\ud83d\ude00","password":"p"}}`,
			"k\x00\U0001F600"},
		{"invalid UTF-8 in a touched string",
			"{\"eventTime\":\"2024-05-06T07:08:09Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"requestParameters\":{\"bucketName\":\"b\",\"key\":\"k\xff\\\"\"}}",
			"k\uFFFD\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, _, err := normalizeString(t, tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			if ev.S3Key != tc.key {
				t.Errorf("S3Key = %q, want %q", ev.S3Key, tc.key)
			}
			for name, s := range map[string]string{"Raw": ev.Raw, "RequestParameters": ev.RequestParameters} {
				if !jsontext.Value(s).IsValid() {
					t.Errorf("%s is not valid JSON: %s", name, s)
				}
			}
			var rp struct{ Key string }
			if err := json.Unmarshal([]byte(ev.RequestParameters), &rp); err != nil || rp.Key != tc.key {
				t.Errorf("RequestParameters key = %q (%v), want %q", rp.Key, err, tc.key)
			}
			assertValidUTF8(t, &ev)
		})
	}
}

func TestNormalizeEventIDFallback(t *testing.T) {
	raw := `{"eventTime":"2024-05-06T07:08:09Z","eventSource":"s3.amazonaws.com","eventName":"GetObject"}`
	a, _, err := normalizeString(t, raw)
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := normalizeString(t, raw)
	c, _, _ := normalizeString(t, strings.Replace(raw, "GetObject", "PutObject", 1))
	if !strings.HasPrefix(a.EventID, "x-") || len(a.EventID) != 2+32 || a.EventID != b.EventID || a.EventID == c.EventID {
		t.Errorf("synthetic ids: %q %q %q; want stable x-<32 hex> per content", a.EventID, b.EventID, c.EventID)
	}
}

func assertJSONEqual(t *testing.T, name, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("%s is not JSON: %v: %s", name, err, got)
		return
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want for %s: %v", name, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %s, want %s", name, got, want)
	}
}

// TestLowerKeyCoversKeyTables: lowerKey's quick filter (length, last
// letter) must let every name of the key tables through, in any case.
func TestLowerKeyCoversKeyTables(t *testing.T) {
	for _, m := range []map[string]bool{secretKeys, urlKeys} {
		for k := range m {
			for _, in := range []string{k, strings.ToUpper(k)} {
				if got := string(lowerKey(nil, []byte(in))); got != k {
					t.Errorf("lowerKey(%q) = %q, want %q", in, got, k)
				}
			}
		}
	}
	if got := lowerKey(nil, []byte("eventName")); len(got) != 0 {
		t.Errorf("lowerKey(eventName) = %q, want nothing", got)
	}
}

// TestNormalizeOwnedRecordIsKept: an Owned record becomes the event's raw
// text without a copy, and the JSON columns are slices of it; a record the
// Reader still owns is copied.
func TestNormalizeOwnedRecordIsKept(t *testing.T) {
	raw := []byte(`{"eventTime":"2024-05-06T07:08:09Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","requestParameters":{"bucketName":"b","key":"k"}}`)
	var n Normalizer
	var ev lake.Event
	if _, err := n.Normalize(Record{Raw: raw, Owned: true}, "o", &ev); err != nil {
		t.Fatal(err)
	}
	if unsafe.StringData(ev.Raw) != &raw[0] || ev.Raw != string(raw) {
		t.Errorf("Owned record was copied (or changed)")
	}
	if rp := ev.RequestParameters; rp != `{"bucketName":"b","key":"k"}` ||
		uintptr(unsafe.Pointer(unsafe.StringData(rp)))-uintptr(unsafe.Pointer(&raw[0])) >= uintptr(len(raw)) {
		t.Errorf("RequestParameters %q is not a slice of the raw text", rp)
	}
	if _, err := n.Normalize(Record{Raw: raw}, "o", &ev); err != nil {
		t.Fatal(err)
	}
	if unsafe.StringData(ev.Raw) == &raw[0] {
		t.Errorf("a record the Reader owns was kept without a copy")
	}
}

// A tuning job's training settings are in its training job definition
// (the request shape of CreateHyperParameterTuningJob in the SageMaker API
// reference): a tuning job that runs in a VPC with KMS keys is not taken
// for one without them.
func TestTuningJobSettingsComeFromItsDefinition(t *testing.T) {
	def := `"trainingJobDefinition":{"roleArn":"arn:aws:iam::1:role/Tune","resourceConfig":{"instanceType":"ml.m5.xlarge","instanceCount":1,"volumeSizeInGB":30,"volumeKmsKeyId":"arn:aws:kms:us-east-1:1:key/vol"},` +
		`"outputDataConfig":{"s3OutputPath":"s3://out/","kmsKeyId":"arn:aws:kms:us-east-1:1:key/out"},"vpcConfig":{"securityGroupIds":["sg-1"],"subnets":["subnet-1"]},"enableNetworkIsolation":true}`
	for _, c := range []struct {
		name, req string
		want      map[string]any
	}{
		{"one definition", `{"hyperParameterTuningJobName":"tune-1",` + def + `}`,
			map[string]any{"ResourceName": "tune-1", "TargetRoleARN": "arn:aws:iam::1:role/Tune", "InstanceType": "ml.m5.xlarge",
				"KMSKeyID": "arn:aws:kms:us-east-1:1:key/vol", "InVPC": true, "NetworkIsolation": true}},
		{"several definitions", `{"hyperParameterTuningJobName":"tune-2","trainingJobDefinitions":[{` + def[len(`"trainingJobDefinition":{`):] + `]}`,
			map[string]any{"ResourceName": "tune-2", "InstanceType": "ml.m5.xlarge", "InVPC": true, "NetworkIsolation": true}},
		{"no VPC in the definition", `{"hyperParameterTuningJobName":"tune-3","trainingJobDefinition":{"resourceConfig":{"instanceType":"ml.p3.2xlarge"}}}`,
			map[string]any{"ResourceName": "tune-3", "InstanceType": "ml.p3.2xlarge", "KMSKeyID": "", "InVPC": false, "NetworkIsolation": false}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := strings.Replace(ctRecord(`"requestParameters":`+c.req),
				`"eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity"`, `"eventSource":"sagemaker.amazonaws.com","eventName":"CreateHyperParameterTuningJob"`, 1)
			ev, _, err := normalizeString(t, rec)
			if err != nil {
				t.Fatal(err)
			}
			checkFields(t, &ev, c.want)
		})
	}
}
