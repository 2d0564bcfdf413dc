// Package trailgen writes synthetic AWS CloudTrail log files for benchmarks
// and load tests: one {"Records":[…]} object of about a requested size,
// the same bytes for the same seed.
//
// The mix follows a SageMaker Studio / Lake Formation / Athena data
// platform (by record count, roughly): 35% S3 GetObject/PutObject data
// events (reads with Lake Formation-vended AWSLF-00-… sessions carrying a
// "V2.<account>.<AROA…>" sourceIdentity, and reads and writes by Studio
// execution roles), 15% Lake Formation GetDataAccess (Athena and EMR), 10%
// Athena StartQueryExecution/GetQueryExecution (SQL text, some
// ***OMITTED***), 10% KMS Decrypt/GenerateDataKey, 10% STS AssumeRole, 5%
// SageMaker (CreateTrainingJob, CreatePresignedDomainUrl, …), 5% Glue
// GetTable/GetPartitions and 10% other calls (EC2 Describe*, IAM, S3
// ListObjects/ListBuckets). About 3% of records are denied
// (AccessDenied-style error codes). Six Studio user profiles call through
// three execution roles with sourceIdentity set. Records average 1–3 KB;
// a few carry 20–50 KB requestParameters. Event times spread over
// 2026-07-01 and 2026-07-02 in no particular order, as in real trails.
//
// Records link up the way the real services do: GetDataAccess names the
// query id of an earlier StartQueryExecution, and S3 reads run as the
// AWSLF session that GetDataAccess vended.
package trailgen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Account is the AWS account every generated record belongs to.
const Account = "111122223333"

// Region is the region of every generated record.
const Region = "us-east-1"

// Write writes one CloudTrail log file of about targetBytes (at least one
// record) to w and returns the number of records. The output depends only
// on seed and targetBytes.
func Write(w io.Writer, seed int64, targetBytes int64) (records int, err error) {
	return write(w, seed, targetBytes, false)
}

// WriteNDJSON writes the records that Write would write for the same seed
// and targetBytes, one per line, without the {"Records":[…]} envelope.
func WriteNDJSON(w io.Writer, seed int64, targetBytes int64) (records int, err error) {
	return write(w, seed, targetBytes, true)
}

// WriteGzip writes a gzip-compressed log file (Write's output) to path and
// returns the uncompressed size and the number of records.
func WriteGzip(path string, seed, targetBytes int64) (rawBytes int64, records int, err error) {
	return writeGzip(path, seed, targetBytes, false)
}

// WriteGzipNDJSON is WriteGzip with WriteNDJSON's output.
func WriteGzipNDJSON(path string, seed, targetBytes int64) (rawBytes int64, records int, err error) {
	return writeGzip(path, seed, targetBytes, true)
}

func writeGzip(path string, seed, targetBytes int64, ndjson bool) (rawBytes int64, records int, err error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, 0, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := gzip.NewWriter(bw)
	cw := &countWriter{w: zw}
	records, err = write(cw, seed, targetBytes, ndjson)
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return cw.n, records, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func write(w io.Writer, seed int64, targetBytes int64, ndjson bool) (int, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	g := newGen(seed)
	var n int64
	head, sep, tail := `{"Records":[`, ",", "]}\n"
	if ndjson {
		head, sep, tail = "", "", ""
	}
	bw.WriteString(head)
	n += int64(len(head))
	records := 0
	for records == 0 || n+int64(len(tail)) < targetBytes && (MaxRecords == 0 || records < MaxRecords) {
		rec := g.record()
		if records > 0 {
			bw.WriteString(sep)
			n += int64(len(sep))
		}
		bw.Write(rec)
		n += int64(len(rec))
		if ndjson {
			bw.WriteByte('\n')
			n++
		}
		records++
	}
	bw.WriteString(tail)
	return records, bw.Flush()
}

// ---- a minimal JSON writer ----

type jw struct {
	b     []byte
	stack []byte // closing bracket per open container
	first []bool // no member written yet in the container
}

func (j *jw) reset() { j.b, j.stack, j.first = j.b[:0], j.stack[:0], j.first[:0] }

func (j *jw) open(o, c byte) {
	j.b = append(j.b, o)
	j.stack = append(j.stack, c)
	j.first = append(j.first, true)
}

// end closes the innermost object or array.
func (j *jw) end() {
	n := len(j.stack) - 1
	j.b = append(j.b, j.stack[n])
	j.stack, j.first = j.stack[:n], j.first[:n]
}

func (j *jw) sep() {
	n := len(j.first) - 1
	if !j.first[n] {
		j.b = append(j.b, ',')
	}
	j.first[n] = false
}

func (j *jw) key(k string) {
	j.sep()
	j.b = appendString(j.b, k)
	j.b = append(j.b, ':')
}

func (j *jw) str(k, v string)       { j.key(k); j.b = appendString(j.b, v) }
func (j *jw) num(k string, v int64) { j.key(k); j.b = strconv.AppendInt(j.b, v, 10) }
func (j *jw) boolean(k string, v bool) {
	j.key(k)
	j.b = strconv.AppendBool(j.b, v)
}
func (j *jw) null(k string)     { j.key(k); j.b = append(j.b, "null"...) }
func (j *jw) obj(k string)      { j.key(k); j.open('{', '}') }
func (j *jw) arr(k string)      { j.key(k); j.open('[', ']') }
func (j *jw) elem(v string)     { j.sep(); j.b = appendString(j.b, v) }
func (j *jw) elemObj()          { j.sep(); j.open('{', '}') }
func (j *jw) emptyObj(k string) { j.key(k); j.b = append(j.b, "{}"...) }

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. s must be valid UTF-8.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// ---- the fixed cast: roles, profiles, buckets, tables ----

type role struct {
	name, id string // role name, AROA… unique id
}

func (r role) arn() string { return "arn:aws:iam::" + Account + ":role/" + r.name }

var (
	studioRoles = []role{
		{"AmazonSageMaker-ExecutionRole-DataScience", "AROA2EXAMPLEDSCI7QK3Z"},
		{"AmazonSageMaker-ExecutionRole-Analytics", "AROA2EXAMPLEANLY4MV8T"},
		{"AmazonSageMaker-ExecutionRole-Research", "AROA2EXAMPLERSCH9XW2B"},
	}
	lfRole       = role{"LakeFormationServiceRoleForS3Access", "AROA2EXAMPLELFS3ACC5D"}
	adminRole    = role{"Admin", "AROA2EXAMPLEADMIN6HJK"}
	emrRole      = role{"EmrServerlessRuntimeRole-LF-FGAC", "AROA2EXAMPLEEMRFG3PLN"}
	glueRole     = role{"AWSGlueServiceRole-etl", "AROA2EXAMPLEGLUEE8RTY"}
	platformUser = "datalake_admin"
)

// profile is a SageMaker Studio user profile; its name is the sourceIdentity.
type profile struct {
	name string
	role int // index into studioRoles
}

var profiles = []profile{
	{"alice-ds", 0}, {"bob-ml", 0}, {"carol-analyst", 1}, {"dave-de", 1}, {"erin-research", 2}, {"frank-ops", 2},
}

type table struct {
	db, name string
	cols     []string
	bucket   string
}

var tables = []table{
	{"sales", "orders", []string{"order_id", "customer_id", "order_total", "currency", "order_ts", "channel", "dt"}, "acme-datalake-curated"},
	{"sales", "customers", []string{"customer_id", "email", "first_name", "last_name", "country", "segment", "created_at"}, "acme-datalake-curated"},
	{"sales", "line_items", []string{"order_id", "sku", "quantity", "unit_price", "discount", "dt"}, "acme-datalake-curated"},
	{"marketing", "campaign_events", []string{"event_id", "campaign_id", "customer_id", "event_type", "event_ts", "dt"}, "acme-datalake-raw"},
	{"hr", "employees", []string{"employee_id", "full_name", "salary", "department", "manager_id", "hire_date", "ssn_last4"}, "acme-datalake-restricted"},
	{"finance", "ledger", []string{"entry_id", "account", "amount", "posted_at", "cost_center", "dt"}, "acme-datalake-restricted"},
	{"clickstream", "page_views", []string{"session_id", "user_id", "url", "referrer", "user_agent", "view_ts", "dt"}, "acme-datalake-raw"},
	{"ml", "features_daily", []string{"customer_id", "f_recency", "f_frequency", "f_monetary", "label", "dt"}, "acme-ml-features"},
}

var (
	instanceTypes = []string{"ml.m5.xlarge", "ml.m5.4xlarge", "ml.g5.2xlarge", "ml.p3.2xlarge", "ml.c5.2xlarge", "ml.g5.12xlarge"}
	cipherSuites  = []string{"ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"}
	studioUA      = []string{
		"Boto3/1.34.131 md/Botocore#1.34.131 ua/2.0 os/linux#5.10.219-208.866.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.131",
		"Boto3/1.35.24 md/Botocore#1.35.24 ua/2.0 os/linux#5.10.225-213.878.amzn2.x86_64 md/arch#x86_64 lang/python#3.10.14 md/pyimpl#CPython exec-env#AWS_SageMaker_Studio cfg/retry-mode#standard Botocore/1.35.24 Resource",
		"aws-sdk-java/2.25.60 Linux/5.10.219-208.866.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS Java/17.0.11 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
		"AWS-SageMaker-Studio/JupyterLab sagemaker-python-sdk/2.224.1 Boto3/1.34.131 Botocore/1.34.131",
	}
	consoleUA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
	cliUA     = "aws-cli/2.17.60 md/awscrt#0.21.2 ua/2.0 os/macos#23.6.0 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#s3api.list-objects-v2"
	s3JavaUA  = "[aws-sdk-java/1.12.752 Linux/5.10.219-208.866.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/11.0.23+9-LTS java/11.0.23 vendor/Amazon.com_Inc. cfg/retry-mode/standard]"
)

// ---- the generator ----

type gen struct {
	r    *rand.Rand
	j    jw
	base int64 // first second of the window

	queries  [64]query // recent Athena queries, for GetDataAccess to name
	nq       int
	sessions [64]lfSession // recent AWSLF sessions, for S3 reads to use
	ns       int

	denied bool // the record being written is denied
}

type query struct {
	id      string
	profile int
	table   int
}

type lfSession struct {
	name    string
	profile int // -1: EMR job
	table   int
}

func newGen(seed int64) *gen {
	g := &gen{
		r:    rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)),
		base: Start.Unix(),
	}
	g.j.b = make([]byte, 0, 64<<10)
	// Seed the pools so the first records can link to something.
	for i := 0; i < 8; i++ {
		g.newQuery(g.r.IntN(len(profiles)), g.r.IntN(len(tables)))
		g.newSession("AT", g.r.IntN(len(profiles)), g.r.IntN(len(tables)))
	}
	return g
}

func (g *gen) chance(p float64) bool  { return g.r.Float64() < p }
func (g *gen) pick(s []string) string { return s[g.r.IntN(len(s))] }

func (g *gen) uuid() string {
	var b [36]byte
	hi, lo := g.r.Uint64(), g.r.Uint64()
	hi = hi&^0xf000 | 0x4000 // version 4
	lo = lo&^(3<<62) | 1<<63 // variant 10
	const layout = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
	bits := [2]uint64{hi, lo}
	n := 0
	for i := 0; i < len(layout); i++ {
		if layout[i] == '-' {
			b[i] = '-'
			continue
		}
		w := bits[n/16]
		b[i] = hexDigits[(w>>(60-4*(n%16)))&15]
		n++
	}
	return string(b[:])
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	alnum      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	base64Chrs = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

func (g *gen) chars(set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[g.r.IntN(len(set))]
	}
	return string(b)
}

func (g *gen) hex(n int) string { return g.chars(hexDigits, n) }

func (g *gen) privateIP() string {
	return fmt.Sprintf("10.%d.%d.%d", g.r.IntN(4), g.r.IntN(256), 1+g.r.IntN(254))
}

func (g *gen) publicIP() string {
	return fmt.Sprintf("%d.%d.%d.%d", 3+g.r.IntN(50), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
}

func (g *gen) newQuery(p, t int) query {
	q := query{id: g.uuid(), profile: p, table: t}
	g.queries[g.nq%len(g.queries)] = q
	g.nq++
	return q
}

func (g *gen) recentQuery() query {
	n := min(g.nq, len(g.queries))
	return g.queries[(g.nq-1-g.r.IntN(n))%len(g.queries)]
}

func (g *gen) newSession(code string, p, t int) lfSession {
	s := lfSession{name: "AWSLF-00-" + code + "-" + Account + "-" + g.chars(alnum, 10), profile: p, table: t}
	g.sessions[g.ns%len(g.sessions)] = s
	g.ns++
	return s
}

func (g *gen) recentSession() lfSession {
	n := min(g.ns, len(g.sessions))
	return g.sessions[(g.ns-1-g.r.IntN(n))%len(g.sessions)]
}

// ---- identities ----

type ident struct {
	typ            string // AssumedRole, IAMUser, AWSService
	role           role
	session        string
	user           string
	invokedBy      string
	sourceIdentity string
	console        bool
}

// Cast widens the fixed cast for realistic scale: profiles Studio user
// profiles (at least the six named ones; the others are user-NNN, spread
// over the three execution roles), tables tables (at least the eight named
// ones; the others copy their columns under dbN.table_NN), and event times
// spread over days days from 2026-07-01 (default 2). It changes package
// state: call it before generating.
func Cast(nProfiles, nTables, nDays int) {
	for i := len(profiles); i < nProfiles; i++ {
		profiles = append(profiles, profile{fmt.Sprintf("user-%03d", i), i % len(studioRoles)})
	}
	base := len(tables)
	for i := len(tables); i < nTables; i++ {
		t := tables[i%base]
		tables = append(tables, table{fmt.Sprintf("db%d", i%10), fmt.Sprintf("table_%02d", i), t.cols, t.bucket})
	}
	if nDays > 0 {
		days = int64(nDays)
	}
}

// WriteCatalog writes the tables of the cast as `aws glue get-tables`
// JSON (every table at s3://<bucket>/warehouse/<db>/<table>/, created
// before Start), for the report's --catalog.
func WriteCatalog(w io.Writer) error {
	type col struct{ Name, Type string }
	type tbl struct {
		Name, DatabaseName string
		CreateTime         string
		StorageDescriptor  struct {
			Columns  []col
			Location string
		}
		PartitionKeys []col
		TableType     string
	}
	var out struct{ TableList []tbl }
	created := Start.AddDate(0, -1, 0).Format(time.RFC3339)
	for _, t := range tables {
		x := tbl{Name: t.name, DatabaseName: t.db, CreateTime: created, TableType: "EXTERNAL_TABLE"}
		for _, c := range t.cols {
			if c == "dt" {
				x.PartitionKeys = append(x.PartitionKeys, col{c, "string"})
				continue
			}
			x.StorageDescriptor.Columns = append(x.StorageDescriptor.Columns, col{c, "string"})
		}
		x.StorageDescriptor.Location = "s3://" + t.bucket + "/warehouse/" + t.db + "/" + t.name + "/"
		out.TableList = append(out.TableList, x)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(out)
}

// days is how many days event times spread over.
var days int64 = 2

// Start is the first day event times fall on.
var Start = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

// Span, when > 0, is how long after Start event times fall (instead of
// the days of Cast): a real trail object covers a few minutes.
var Span time.Duration

// MaxRecords, when > 0, ends every file after that many records
// (whichever of it and the target size comes first).
var MaxRecords int

func studio(p int) ident {
	return ident{typ: "AssumedRole", role: studioRoles[profiles[p].role], session: "SageMaker", sourceIdentity: profiles[p].name}
}

func (g *gen) identity(id ident, t int64) {
	j := &g.j
	j.obj("userIdentity")
	j.str("type", id.typ)
	switch id.typ {
	case "AWSService":
		j.str("invokedBy", id.invokedBy)
		j.end()
		return
	case "IAMUser":
		j.str("principalId", userID(id.user))
		j.str("arn", "arn:aws:iam::"+Account+":user/"+id.user)
		j.str("accountId", Account)
		j.str("accessKeyId", "AKIA2EXAMPLE"+g.chars(upperAlnum, 8))
		j.str("userName", id.user)
		if id.console {
			j.obj("sessionContext")
			j.emptyObj("webIdFederationData")
			j.obj("attributes")
			j.str("creationDate", ts(t-int64(g.r.IntN(7200))))
			j.str("mfaAuthenticated", "true")
			j.end()
			j.end()
		}
		j.end()
		return
	}
	j.str("principalId", id.role.id+":"+id.session)
	j.str("arn", "arn:aws:sts::"+Account+":assumed-role/"+id.role.name+"/"+id.session)
	j.str("accountId", Account)
	j.str("accessKeyId", "ASIA2EXAMPLE"+g.chars(upperAlnum, 8))
	j.obj("sessionContext")
	j.obj("sessionIssuer")
	j.str("type", "Role")
	j.str("principalId", id.role.id)
	j.str("arn", id.role.arn())
	j.str("accountId", Account)
	j.str("userName", id.role.name)
	j.end()
	j.emptyObj("webIdFederationData")
	j.obj("attributes")
	j.str("creationDate", ts(t-int64(g.r.IntN(3600))))
	j.str("mfaAuthenticated", "false")
	j.end()
	if id.sourceIdentity != "" {
		j.str("sourceIdentity", id.sourceIdentity)
	}
	j.end()
	if id.invokedBy != "" {
		j.str("invokedBy", id.invokedBy)
	}
	j.end()
}

// userID is a stable AIDA… unique id for an IAM user name.
func userID(name string) string {
	h := fnv.New64a()
	h.Write([]byte(name))
	x := h.Sum64()
	b := []byte("AIDA2EXAMPLE")
	for i := 0; i < 9; i++ {
		b = append(b, upperAlnum[x%uint64(len(upperAlnum))])
		x /= uint64(len(upperAlnum))
	}
	return string(b)
}

func ts(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02T15:04:05Z") }

// ---- record skeleton ----

type head struct {
	id         ident
	source     string
	name       string
	ip, ua     string
	errCode    string
	errMessage string
}

type resource struct{ acct, typ, arn string }

type tail struct {
	readOnly  int8 // 0 absent, 1 true, 2 false
	resources []resource
	data      bool // Data event (else Management)
	tlsHost   string
	vpce      string
	shared    bool
	console   bool
}

// begin starts a record and writes the members up to userAgent, plus the
// error members when the record is denied. It returns the event time.
func (g *gen) begin(h head) int64 {
	g.j.reset()
	g.j.open('{', '}')
	span := days * 86400
	if Span > 0 {
		span = max(1, int64(Span/time.Second))
	}
	t := g.base + g.r.Int64N(span)
	j := &g.j
	j.str("eventVersion", "1.11")
	g.identity(h.id, t)
	j.str("eventTime", ts(t))
	j.str("eventSource", h.source)
	j.str("eventName", h.name)
	j.str("awsRegion", Region)
	j.str("sourceIPAddress", h.ip)
	j.str("userAgent", h.ua)
	if g.denied {
		j.str("errorCode", h.errCode)
		j.str("errorMessage", h.errMessage)
	}
	return t
}

func (g *gen) finish(t tail) []byte {
	j := &g.j
	if t.data {
		j.str("requestID", g.chars(upperAlnum, 16))
	} else {
		j.str("requestID", g.uuid())
	}
	j.str("eventID", g.uuid())
	if t.readOnly != 0 {
		j.boolean("readOnly", t.readOnly == 1)
	}
	if len(t.resources) > 0 {
		j.arr("resources")
		for _, r := range t.resources {
			j.elemObj()
			if r.acct != "" {
				j.str("accountId", r.acct)
			}
			j.str("type", r.typ)
			j.str("ARN", r.arn)
			j.end()
		}
		j.end()
	}
	j.str("eventType", "AwsApiCall")
	j.boolean("managementEvent", !t.data)
	j.str("recipientAccountId", Account)
	if t.shared {
		j.str("sharedEventID", g.uuid())
	}
	if t.vpce != "" {
		j.str("vpcEndpointId", t.vpce)
		j.str("vpcEndpointAccountId", Account)
	}
	if t.data {
		j.str("eventCategory", "Data")
	} else {
		j.str("eventCategory", "Management")
	}
	if t.tlsHost != "" {
		j.obj("tlsDetails")
		j.str("tlsVersion", "TLSv1.3")
		j.str("cipherSuite", g.pick(cipherSuites[1:]))
		j.str("clientProvidedHostHeader", t.tlsHost)
		j.end()
	}
	if t.console {
		j.str("sessionCredentialFromConsole", "true")
	}
	j.end()
	return j.b
}

func ro(b bool) int8 {
	if b {
		return 1
	}
	return 2
}

func deniedMessage(id ident, action, resourceARN string) string {
	principal := "arn:aws:sts::" + Account + ":assumed-role/" + id.role.name + "/" + id.session
	switch id.typ {
	case "IAMUser":
		principal = "arn:aws:iam::" + Account + ":user/" + id.user
	case "AWSService":
		principal = id.invokedBy
	}
	return "User: " + principal + " is not authorized to perform: " + action + " on resource: " + resourceARN +
		" because no identity-based policy allows the " + action + " action"
}

// record writes the next record; the slice is valid until the next call.
func (g *gen) record() []byte {
	g.denied = g.chance(0.03)
	switch x := g.r.IntN(100); {
	case x < 35:
		return g.s3Object()
	case x < 50:
		return g.getDataAccess()
	case x < 60:
		return g.athena()
	case x < 70:
		return g.kms()
	case x < 80:
		return g.assumeRole()
	case x < 85:
		return g.sagemaker()
	case x < 90:
		return g.glue()
	default:
		return g.other()
	}
}

// ---- S3 data events ----

func (g *gen) objectKey(t table) string {
	day := 1 + g.r.IntN(30)
	switch g.r.IntN(8) {
	case 0:
		return fmt.Sprintf("%s/%s/_delta_log/%020d.json", t.db, t.name, g.r.IntN(5000))
	case 1:
		return fmt.Sprintf("exports/%s/Überblick %s 2026-06-%02d.csv", t.db, t.name, day)
	default:
		return fmt.Sprintf("warehouse/%s/%s/dt=2026-06-%02d/part-%05d-%s.c000.snappy.parquet", t.db, t.name, day, g.r.IntN(200), g.uuid())
	}
}

func (g *gen) s3Object() []byte {
	var id ident
	name := "GetObject"
	var tb table
	ua := ""
	ip := ""
	lf := g.chance(0.6)
	if lf {
		s := g.recentSession()
		tb = tables[s.table]
		id = ident{typ: "AssumedRole", role: lfRole, session: s.name, invokedBy: "athena.amazonaws.com"}
		if s.profile >= 0 && g.chance(0.8) {
			id.sourceIdentity = "V2." + Account + "." + studioRoles[profiles[s.profile].role].id
		}
		if s.profile < 0 {
			id.invokedBy = "ops.emr-serverless.amazonaws.com"
		}
		ua, ip = "[athena.amazonaws.com]", "athena.amazonaws.com"
		if s.profile < 0 {
			ua, ip = s3JavaUA, "ops.emr-serverless.amazonaws.com"
		}
	} else {
		p := g.r.IntN(len(profiles))
		id = studio(p)
		tb = tables[g.r.IntN(len(tables))]
		if g.chance(0.3) {
			name = "PutObject"
			tb.bucket = "sagemaker-studio-" + Account + "-" + profiles[p].name
		}
		ua, ip = "["+g.pick(studioUA)+"]", g.privateIP()
	}
	key := g.objectKey(tb)
	host := tb.bucket + ".s3." + Region + ".amazonaws.com"
	objARN := "arn:aws:s3:::" + tb.bucket + "/" + key
	g.begin(head{id: id, source: "s3.amazonaws.com", name: name, ip: ip, ua: ua,
		errCode: "AccessDenied", errMessage: "Access Denied"})
	j := &g.j
	j.obj("requestParameters")
	j.str("bucketName", tb.bucket)
	j.str("Host", host)
	j.str("key", key)
	if name == "GetObject" && g.chance(0.3) {
		j.str("Range", fmt.Sprintf("bytes=%d-%d", 4, 4+g.r.IntN(8<<20)))
	}
	if name == "PutObject" {
		j.str("x-amz-server-side-encryption", "aws:kms")
		j.str("x-amz-server-side-encryption-aws-kms-key-id", "arn:aws:kms:"+Region+":"+Account+":key/"+g.uuid())
	}
	j.end()
	if g.denied || name == "GetObject" {
		j.null("responseElements")
	} else {
		j.obj("responseElements")
		j.str("x-amz-server-side-encryption", "aws:kms")
		j.str("x-amz-version-id", g.chars(alnum, 32))
		j.end()
	}
	j.obj("additionalEventData")
	j.str("SignatureVersion", "SigV4")
	j.str("CipherSuite", g.pick(cipherSuites))
	var in, out int64
	if !g.denied {
		if name == "PutObject" {
			in = g.r.Int64N(64 << 20)
		} else {
			out = g.r.Int64N(128 << 20)
		}
	}
	j.num("bytesTransferredIn", in)
	if name == "PutObject" {
		j.str("SSEApplied", "SSE_KMS")
	} else {
		j.str("SSEApplied", "Default_SSE_S3")
	}
	j.str("AuthenticationMethod", "AuthHeader")
	j.str("x-amz-id-2", g.chars(base64Chrs, 76))
	j.num("bytesTransferredOut", out)
	j.end()
	return g.finish(tail{readOnly: ro(name == "GetObject"), data: true, tlsHost: host,
		resources: []resource{{"", "AWS::S3::Object", objARN}, {Account, "AWS::S3::Bucket", "arn:aws:s3:::" + tb.bucket}}})
}

// ---- Lake Formation ----

func (g *gen) getDataAccess() []byte {
	athena := g.chance(0.7)
	var id ident
	var s lfSession
	var q query
	if athena {
		q = g.recentQuery()
		s = g.newSession("AT", q.profile, q.table)
		id = studio(q.profile)
		id.invokedBy = "athena.amazonaws.com"
		if g.chance(0.5) { // undocumented whether Athena's GetDataAccess carries it
			id.sourceIdentity = ""
		}
	} else {
		s = g.newSession("NA", -1, g.r.IntN(len(tables)))
		jobRun := "00" + g.chars("abcdefghijklmnopqrstuvwxyz0123456789", 14)
		attempt := "00" + g.chars("abcdefghijklmnopqrstuvwxyz0123456789", 14)
		id = ident{typ: "AssumedRole", role: emrRole, session: jobRun + "," + attempt, invokedBy: "ops.emr-serverless.amazonaws.com"}
		q.id = jobRun + "/" + attempt
	}
	tb := tables[s.table]
	ip := "athena.amazonaws.com"
	if !athena {
		ip = "ops.emr-serverless.amazonaws.com"
	}
	tableARN := "arn:aws:glue:" + Region + ":" + Account + ":table/" + tb.db + "/" + tb.name
	g.begin(head{id: id, source: "lakeformation.amazonaws.com", name: "GetDataAccess", ip: ip, ua: ip,
		errCode: "AccessDeniedException", errMessage: "Insufficient Lake Formation permission(s) on " + tb.name})
	j := &g.j
	j.obj("requestParameters")
	j.str("tableArn", tableARN)
	j.arr("permissions")
	j.elem("SELECT")
	j.end()
	j.obj("auditContext")
	switch {
	case !athena:
		j.str("additionalAuditContext", `{"platformType":"EMR_SERVERLESS","jobIdentifier":"`+q.id+`"}`)
	case g.chance(0.2): // the 2020 form
		j.str("additionalAuditContext", "{\n  \"queryId\" : \""+q.id+"\"\n}")
	default:
		j.str("additionalAuditContext", "{queryId: "+q.id+"}")
	}
	j.end()
	if athena {
		j.boolean("cellLevelSecurityEnforced", true)
		j.str("expectedTableId", g.hex(32))
	} else {
		j.arr("supportedPermissionTypes")
		j.elem("CELL_FILTER_PERMISSION")
		j.elem("COLUMN_PERMISSION")
		j.end()
		j.obj("querySessionContext")
		j.str("queryId", g.uuid())
		j.str("queryStartTime", "Jul 2, 2026 2:41:00 PM")
		j.str("queryAuthorizationId", g.chars(alnum, 24))
		j.end()
	}
	j.end()
	j.null("responseElements")
	if !g.denied {
		j.obj("additionalEventData")
		if athena {
			j.str("requesterService", "ATHENA")
		} else {
			j.str("requesterService", "UNKNOWN")
		}
		j.str("LakeFormationTrustedCallerInvocation", "true")
		j.str("lakeFormationPrincipal", id.role.arn())
		j.str("lakeFormationRoleSessionName", s.name)
		if !athena {
			j.str("LakeFormationAuthorizedSessionTag", "LakeFormationAuthorizedCaller:Amazon EMR")
		}
		j.end()
	}
	vpce := ""
	if !athena {
		vpce = "emr-serverless.amazonaws.com"
	}
	return g.finish(tail{readOnly: 1, shared: g.chance(0.2), vpce: vpce})
}

// ---- Athena ----

func (g *gen) cols(t table, n int) []string {
	n = min(n, len(t.cols))
	out := make([]string, 0, n)
	for _, i := range g.r.Perm(len(t.cols))[:n] {
		out = append(out, t.cols[i])
	}
	return out
}

func join(s []string, sep string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += sep
		}
		out += x
	}
	return out
}

func (g *gen) sql(ti int) string {
	t := tables[ti]
	fq := t.db + "." + t.name
	day := fmt.Sprintf("2026-06-%02d", 1+g.r.IntN(30))
	switch g.r.IntN(7) {
	case 0:
		return "SELECT * FROM " + fq + " LIMIT 10"
	case 1:
		return "SELECT " + join(g.cols(t, 2+g.r.IntN(3)), ", ") + "\nFROM " + fq + "\nWHERE dt = '" + day + "'\nLIMIT 1000"
	case 2:
		c := g.cols(t, 2)
		return "SELECT " + c[0] + ", count(*) AS n, approx_distinct(" + c[1] + ") AS d FROM \"" + t.db + "\".\"" + t.name + "\" GROUP BY 1 ORDER BY n DESC"
	case 3:
		return "WITH recent AS (\n  SELECT " + join(g.cols(t, 3), ", ") + "\n  FROM " + fq + "\n  WHERE dt >= date_format(current_date - interval '7' day, '%Y-%m-%d')\n)\nSELECT * FROM recent WHERE " +
			t.cols[0] + " IS NOT NULL -- weekly check\n"
	case 4:
		return "SELECT c.email, sum(o.order_total) AS total\nFROM sales.customers c\nJOIN sales.orders o ON c.customer_id = o.customer_id\nWHERE o.dt BETWEEN '2026-06-01' AND '" + day +
			"' AND c.segment = 'O''Brien \"VIP\"'\nGROUP BY c.email ORDER BY total DESC LIMIT 50"
	case 5:
		return "SHOW PARTITIONS " + fq
	default:
		return "DESCRIBE " + fq
	}
}

// bigSQL is a 20–50 KB query, the kind notebooks generate.
func (g *gen) bigSQL(ti int) string {
	t := tables[ti]
	want := 20<<10 + g.r.IntN(30<<10)
	b := []byte("SELECT " + join(t.cols, ", ") + "\nFROM " + t.db + "." + t.name + "\nWHERE " + t.cols[0] + " IN (")
	for i := 0; len(b) < want; i++ {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '\'')
		b = append(b, g.uuid()...)
		b = append(b, '\'')
	}
	b = append(b, ")\nORDER BY 1"...)
	return string(b)
}

func (g *gen) athena() []byte {
	p := g.r.IntN(len(profiles))
	id := studio(p)
	ip, ua := g.privateIP(), g.pick(studioUA)
	if g.chance(0.4) { // the Athena console in Studio
		ip, ua = g.publicIP(), consoleUA
	}
	wg := "primary"
	if profiles[p].role == 1 {
		wg = "studio-analysts"
	}
	if g.chance(0.35) {
		qid := g.recentQuery().id
		g.begin(head{id: id, source: "athena.amazonaws.com", name: "GetQueryExecution", ip: ip, ua: ua,
			errCode: "AccessDeniedException", errMessage: deniedMessage(id, "athena:GetQueryExecution", "arn:aws:athena:"+Region+":"+Account+":workgroup/"+wg)})
		j := &g.j
		j.obj("requestParameters")
		j.str("queryExecutionId", qid)
		j.end()
		j.null("responseElements")
		return g.finish(tail{readOnly: 1, tlsHost: "athena." + Region + ".amazonaws.com"})
	}
	ti := g.r.IntN(len(tables))
	var q query
	if !g.denied {
		q = g.newQuery(p, ti)
	}
	g.begin(head{id: id, source: "athena.amazonaws.com", name: "StartQueryExecution", ip: ip, ua: ua,
		errCode: "AccessDeniedException", errMessage: deniedMessage(id, "athena:StartQueryExecution", "arn:aws:athena:"+Region+":"+Account+":workgroup/"+wg)})
	j := &g.j
	j.obj("requestParameters")
	switch {
	case g.chance(0.3):
		j.str("queryString", "***OMITTED***")
	case g.chance(0.03):
		j.str("queryString", g.bigSQL(ti))
	default:
		j.str("queryString", g.sql(ti))
	}
	j.str("clientRequestToken", g.uuid())
	j.obj("queryExecutionContext")
	j.str("database", tables[ti].db)
	j.str("catalog", "AwsDataCatalog")
	j.end()
	j.obj("resultConfiguration")
	j.str("outputLocation", "s3://aws-athena-query-results-"+Account+"-"+Region+"/"+profiles[p].name+"/")
	j.end()
	j.str("workGroup", wg)
	j.end()
	if g.denied {
		j.null("responseElements")
	} else {
		j.obj("responseElements")
		j.str("queryExecutionId", q.id)
		j.end()
	}
	return g.finish(tail{readOnly: 2, tlsHost: "athena." + Region + ".amazonaws.com"})
}

// ---- KMS ----

func (g *gen) kms() []byte {
	keyARN := "arn:aws:kms:" + Region + ":" + Account + ":key/" + []string{
		"0f6c2b1e-7a51-4d2c-9b6f-3c1e8a4d2f10", "6b1d9e3a-2c4f-4a8b-8e7d-5f0a1b2c3d4e", "c3a7e5f1-9b2d-4e6a-a1c3-7d9e0f1a2b3c"}[g.r.IntN(3)]
	name := "Decrypt"
	if g.chance(0.35) {
		name = "GenerateDataKey"
	}
	var id ident
	ip, ua := "s3.amazonaws.com", "s3.amazonaws.com"
	switch g.r.IntN(3) {
	case 0:
		s := g.recentSession()
		id = ident{typ: "AssumedRole", role: lfRole, session: s.name, invokedBy: "s3.amazonaws.com"}
	case 1:
		id = studio(g.r.IntN(len(profiles)))
		id.invokedBy = "s3.amazonaws.com"
	default:
		id = ident{typ: "AWSService", invokedBy: "sagemaker.amazonaws.com"}
		ip, ua = "sagemaker.amazonaws.com", "sagemaker.amazonaws.com"
	}
	tb := tables[g.r.IntN(len(tables))]
	g.begin(head{id: id, source: "kms.amazonaws.com", name: name, ip: ip, ua: ua,
		errCode: "AccessDeniedException", errMessage: deniedMessage(id, "kms:"+name, keyARN)})
	j := &g.j
	j.obj("requestParameters")
	if name == "GenerateDataKey" {
		j.str("keyId", keyARN)
		j.str("keySpec", "AES_256")
	}
	j.obj("encryptionContext")
	j.str("aws:s3:arn", "arn:aws:s3:::"+tb.bucket+"/"+g.objectKey(tb))
	j.end()
	j.str("encryptionAlgorithm", "SYMMETRIC_DEFAULT")
	j.end()
	j.null("responseElements")
	return g.finish(tail{readOnly: 1, shared: id.typ == "AWSService",
		resources: []resource{{Account, "AWS::KMS::Key", keyARN}}})
}

// ---- STS ----

func (g *gen) assumeRole() []byte {
	var id ident
	var target role
	session, srcID := "", ""
	ip, ua := "sagemaker.amazonaws.com", "sagemaker.amazonaws.com"
	switch g.r.IntN(4) {
	case 0, 1: // Studio starts a session for a profile
		p := g.r.IntN(len(profiles))
		id = ident{typ: "AWSService", invokedBy: "sagemaker.amazonaws.com"}
		target, session, srcID = studioRoles[profiles[p].role], "SageMaker", profiles[p].name
	case 2: // Lake Formation vends a session for a query
		q := g.recentQuery()
		s := g.newSession("AT", q.profile, q.table)
		id = ident{typ: "AWSService", invokedBy: "lakeformation.amazonaws.com"}
		target, session = lfRole, s.name
		srcID = "V2." + Account + "." + studioRoles[profiles[q.profile].role].id
		ip, ua = "lakeformation.amazonaws.com", "lakeformation.amazonaws.com"
	default: // an operator from the CLI
		id = ident{typ: "IAMUser", user: platformUser}
		target, session = adminRole, platformUser+"-"+strconv.Itoa(int(g.r.Int64N(1e9)))
		ip, ua = g.publicIP(), cliUA
	}
	g.begin(head{id: id, source: "sts.amazonaws.com", name: "AssumeRole", ip: ip, ua: ua,
		errCode: "AccessDenied", errMessage: deniedMessage(id, "sts:AssumeRole", target.arn())})
	j := &g.j
	j.obj("requestParameters")
	j.str("roleArn", target.arn())
	j.str("roleSessionName", session)
	j.num("durationSeconds", 3600)
	if srcID != "" {
		j.str("sourceIdentity", srcID)
	}
	j.end()
	if g.denied {
		j.null("responseElements")
	} else {
		j.obj("responseElements")
		j.obj("credentials")
		j.str("accessKeyId", "ASIA2EXAMPLE"+g.chars(upperAlnum, 8))
		j.str("sessionToken", "IQoJb3JpZ2luX2VjE"+g.chars(base64Chrs, 600+g.r.IntN(300)))
		j.str("expiration", "Jul 1, 2026, 4:15:32 PM")
		j.end()
		j.obj("assumedRoleUser")
		j.str("assumedRoleId", target.id+":"+session)
		j.str("arn", "arn:aws:sts::"+Account+":assumed-role/"+target.name+"/"+session)
		j.end()
		if srcID != "" {
			j.str("sourceIdentity", srcID)
		}
		j.end()
	}
	tl := tail{readOnly: 1, shared: id.typ == "AWSService", resources: []resource{{Account, "AWS::IAM::Role", target.arn()}}}
	if id.typ == "IAMUser" {
		tl.tlsHost = "sts." + Region + ".amazonaws.com"
	}
	return g.finish(tl)
}

// ---- SageMaker ----

func (g *gen) sagemaker() []byte {
	p := g.r.IntN(len(profiles))
	switch x := g.r.IntN(10); {
	case x < 4:
		return g.createTrainingJob(p)
	case x < 7:
		return g.presignedURL(p)
	default:
		id := studio(p)
		name := []string{"DescribeTrainingJob", "ListApps", "DescribeUserProfile", "CreateApp"}[g.r.IntN(4)]
		g.begin(head{id: id, source: "sagemaker.amazonaws.com", name: name, ip: g.privateIP(), ua: g.pick(studioUA),
			errCode: "AccessDeniedException", errMessage: deniedMessage(id, "sagemaker:"+name, "arn:aws:sagemaker:"+Region+":"+Account+":domain/d-abcdef123456")})
		j := &g.j
		j.obj("requestParameters")
		switch name {
		case "DescribeTrainingJob":
			j.str("trainingJobName", fmt.Sprintf("%s-xgb-2026-07-01-%02d-%02d", profiles[p].name, g.r.IntN(24), g.r.IntN(60)))
		case "ListApps":
			j.str("domainIdEquals", "d-abcdef123456")
			j.num("maxResults", 100)
		case "DescribeUserProfile":
			j.str("domainId", "d-abcdef123456")
			j.str("userProfileName", profiles[p].name)
		case "CreateApp":
			j.str("domainId", "d-abcdef123456")
			j.str("spaceName", profiles[p].name+"-space")
			j.str("appType", "JupyterLab")
			j.str("appName", "default")
			j.obj("resourceSpec")
			j.str("instanceType", "ml.t3.medium")
			j.end()
		}
		j.end()
		if name == "CreateApp" && !g.denied {
			j.obj("responseElements")
			j.str("appArn", "arn:aws:sagemaker:"+Region+":"+Account+":app/d-abcdef123456/"+profiles[p].name+"-space/jupyterlab/default")
			j.end()
		} else {
			j.null("responseElements")
		}
		return g.finish(tail{readOnly: ro(name != "CreateApp"), tlsHost: "api.sagemaker." + Region + ".amazonaws.com"})
	}
}

func (g *gen) createTrainingJob(p int) []byte {
	id := studio(p)
	r := studioRoles[profiles[p].role]
	jobName := fmt.Sprintf("%s-xgb-2026-07-01-%02d-%02d-%03d", profiles[p].name, g.r.IntN(24), g.r.IntN(60), g.r.IntN(1000))
	g.begin(head{id: id, source: "sagemaker.amazonaws.com", name: "CreateTrainingJob", ip: g.privateIP(), ua: g.pick(studioUA),
		errCode: "AccessDeniedException", errMessage: deniedMessage(id, "sagemaker:CreateTrainingJob", "arn:aws:sagemaker:"+Region+":"+Account+":training-job/"+jobName)})
	j := &g.j
	kmsKey := "arn:aws:kms:" + Region + ":" + Account + ":key/6b1d9e3a-2c4f-4a8b-8e7d-5f0a1b2c3d4e"
	j.obj("requestParameters")
	j.str("trainingJobName", jobName)
	j.obj("algorithmSpecification")
	j.str("trainingImage", "683313688378.dkr.ecr."+Region+".amazonaws.com/sagemaker-xgboost:1.7-1")
	j.str("trainingInputMode", "File")
	j.boolean("enableSageMakerMetricsTimeSeries", true)
	j.end()
	j.str("roleArn", r.arn())
	j.arr("inputDataConfig")
	for _, ch := range []string{"train", "validation"} {
		j.elemObj()
		j.str("channelName", ch)
		j.obj("dataSource")
		j.obj("s3DataSource")
		j.str("s3DataType", "S3Prefix")
		j.str("s3Uri", "s3://acme-ml-features/ml/features_daily/"+ch+"/")
		j.str("s3DataDistributionType", "FullyReplicated")
		j.end()
		j.end()
		j.str("contentType", "text/csv")
		j.end()
	}
	j.end()
	j.obj("outputDataConfig")
	if g.chance(0.8) {
		j.str("kmsKeyId", kmsKey)
	}
	j.str("s3OutputPath", "s3://sagemaker-studio-"+Account+"-"+profiles[p].name+"/models/")
	j.end()
	j.obj("resourceConfig")
	j.str("instanceType", g.pick(instanceTypes))
	j.num("instanceCount", int64(1+g.r.IntN(4)))
	j.num("volumeSizeInGB", int64(30+10*g.r.IntN(20)))
	if g.chance(0.7) {
		j.str("volumeKmsKeyId", kmsKey)
	}
	j.end()
	if g.chance(0.8) {
		j.obj("vpcConfig")
		j.arr("securityGroupIds")
		j.elem("sg-0" + g.hex(16))
		j.end()
		j.arr("subnets")
		j.elem("subnet-0" + g.hex(16))
		j.elem("subnet-0" + g.hex(16))
		j.end()
		j.end()
	}
	j.obj("stoppingCondition")
	j.num("maxRuntimeInSeconds", 86400)
	j.end()
	j.boolean("enableNetworkIsolation", g.chance(0.5))
	j.boolean("enableInterContainerTrafficEncryption", g.chance(0.5))
	j.boolean("enableManagedSpotTraining", g.chance(0.3))
	j.obj("hyperParameters")
	j.str("max_depth", strconv.Itoa(3+g.r.IntN(8)))
	j.str("eta", "0.2")
	j.str("objective", "binary:logistic")
	j.str("num_round", strconv.Itoa(50+g.r.IntN(500)))
	j.end()
	j.obj("environment")
	j.str("SAGEMAKER_PROGRAM", "train.py")
	if g.chance(0.08) { // a notebook that ships its config in the environment: 20–50 KB
		want := 20<<10 + g.r.IntN(30<<10)
		for i := 0; len(j.b) < want; i++ {
			j.str(fmt.Sprintf("FEATURE_CONFIG_%04d", i), g.chars(base64Chrs, 200))
		}
	}
	j.end()
	j.arr("tags")
	j.elemObj()
	j.str("key", "sagemaker:user-profile-name")
	j.str("value", profiles[p].name)
	j.end()
	j.elemObj()
	j.str("key", "cost-center")
	j.str("value", "cc-"+strconv.Itoa(1000+profiles[p].role))
	j.end()
	j.end()
	j.end()
	if g.denied {
		j.null("responseElements")
	} else {
		j.obj("responseElements")
		j.str("trainingJobArn", "arn:aws:sagemaker:"+Region+":"+Account+":training-job/"+jobName)
		j.end()
	}
	return g.finish(tail{readOnly: 2, tlsHost: "api.sagemaker." + Region + ".amazonaws.com"})
}

func (g *gen) presignedURL(p int) []byte {
	id := ident{typ: "IAMUser", user: profiles[p].name, console: true}
	g.begin(head{id: id, source: "sagemaker.amazonaws.com", name: "CreatePresignedDomainUrl", ip: g.publicIP(), ua: consoleUA,
		errCode: "AccessDeniedException", errMessage: deniedMessage(id, "sagemaker:CreatePresignedDomainUrl", "arn:aws:sagemaker:"+Region+":"+Account+":user-profile/d-abcdef123456/"+profiles[p].name)})
	j := &g.j
	j.obj("requestParameters")
	j.str("domainId", "d-abcdef123456")
	j.str("userProfileName", profiles[p].name)
	j.num("sessionExpirationDurationInSeconds", 43200)
	j.num("expiresInSeconds", 300)
	j.end()
	if g.denied {
		j.null("responseElements")
	} else {
		j.obj("responseElements")
		j.str("authorizedUrl", "https://d-abcdef123456.studio."+Region+".sagemaker.aws/auth?token="+g.chars(alnum, 400))
		j.end()
	}
	return g.finish(tail{readOnly: 2, tlsHost: "api.sagemaker." + Region + ".amazonaws.com", console: true})
}

// ---- Glue ----

func (g *gen) glue() []byte {
	q := g.recentQuery()
	tb := tables[q.table]
	id := studio(q.profile)
	id.invokedBy = "athena.amazonaws.com"
	name := "GetTable"
	if g.chance(0.4) {
		name = "GetPartitions"
	}
	g.begin(head{id: id, source: "glue.amazonaws.com", name: name, ip: "athena.amazonaws.com", ua: "athena.amazonaws.com",
		errCode: "AccessDeniedException", errMessage: deniedMessage(id, "glue:"+name, "arn:aws:glue:"+Region+":"+Account+":table/"+tb.db+"/"+tb.name)})
	j := &g.j
	j.obj("requestParameters")
	j.str("catalogId", Account)
	j.str("databaseName", tb.db)
	if name == "GetTable" {
		j.str("name", tb.name)
	} else {
		j.str("tableName", tb.name)
		if g.chance(0.05) { // a partition list spelled out: 20–50 KB
			want := 20<<10 + g.r.IntN(30<<10)
			b := []byte("dt IN (")
			for d := 0; len(b) < want; d++ {
				if d > 0 {
					b = append(b, ", "...)
				}
				b = append(b, time.Unix(g.base-int64(d)*86400, 0).UTC().Format("'2006-01-02'")...)
			}
			b = append(b, ") AND region = 'us-east-1'"...)
			j.str("expression", string(b))
		} else {
			j.str("expression", fmt.Sprintf("dt >= '2026-06-%02d'", 1+g.r.IntN(30)))
		}
		j.obj("segment")
		j.num("segmentNumber", int64(g.r.IntN(5)))
		j.num("totalSegments", 5)
		j.end()
		j.boolean("excludeColumnSchema", true)
	}
	j.end()
	j.null("responseElements")
	return g.finish(tail{readOnly: 1})
}

// ---- everything else ----

func (g *gen) other() []byte {
	j := &g.j
	switch x := g.r.IntN(10); {
	case x < 1: // a Studio user connects to EMR with the runtime role
		id := studio(g.r.IntN(len(profiles)))
		g.begin(head{id: id, source: "elasticmapreduce.amazonaws.com", name: "GetClusterSessionCredentials", ip: g.privateIP(), ua: g.pick(studioUA),
			errCode: "AccessDeniedException", errMessage: deniedMessage(id, "elasticmapreduce:GetClusterSessionCredentials", emrRole.arn())})
		j.obj("requestParameters")
		j.str("clusterId", "j-"+g.chars(upperAlnum, 13))
		j.str("executionRoleArn", emrRole.arn())
		j.end()
		j.obj("responseElements")
		j.obj("credentials")
		j.obj("usernamePassword")
		j.str("username", "emr-session-"+g.hex(8))
		j.str("password", g.chars(base64Chrs, 24))
		j.end()
		j.end()
		j.str("expiresAt", "Jul 1, 2026, 11:00:12 AM")
		j.end()
		return g.finish(tail{readOnly: 2, tlsHost: "elasticmapreduce." + Region + ".amazonaws.com"})
	case x < 4: // EC2 Describe*, mostly from SageMaker and the console
		name := []string{"DescribeInstances", "DescribeSubnets", "DescribeSecurityGroups", "DescribeNetworkInterfaces", "DescribeVpcEndpoints"}[g.r.IntN(5)]
		id := ident{typ: "AssumedRole", role: adminRole, session: "admin-session", console: true}
		ip, ua := g.publicIP(), consoleUA
		if g.chance(0.5) {
			id = studio(g.r.IntN(len(profiles)))
			id.invokedBy = "sagemaker.amazonaws.com"
			ip, ua = "sagemaker.amazonaws.com", "sagemaker.amazonaws.com"
		}
		g.begin(head{id: id, source: "ec2.amazonaws.com", name: name, ip: ip, ua: ua,
			errCode: "Client.UnauthorizedOperation", errMessage: "You are not authorized to perform this operation. User: arn:aws:sts::" + Account + ":assumed-role/" + id.role.name + "/" + id.session + " is not authorized to perform: ec2:" + name + " because no identity-based policy allows the ec2:" + name + " action"})
		j.obj("requestParameters")
		j.obj("filterSet")
		j.arr("items")
		j.elemObj()
		j.str("name", "vpc-id")
		j.obj("valueSet")
		j.arr("items")
		j.elemObj()
		j.str("value", "vpc-0"+g.hex(16))
		j.end()
		j.end()
		j.end()
		j.end()
		j.end()
		j.end()
		if name == "DescribeInstances" {
			j.emptyObj("instancesSet")
		}
		j.end()
		j.null("responseElements")
		return g.finish(tail{readOnly: 1, tlsHost: "ec2." + Region + ".amazonaws.com"})
	case x < 6: // IAM
		name := []string{"GetRole", "ListRoles", "ListAttachedRolePolicies", "GetPolicyVersion"}[g.r.IntN(4)]
		id := ident{typ: "IAMUser", user: platformUser}
		g.begin(head{id: id, source: "iam.amazonaws.com", name: name, ip: g.publicIP(), ua: cliUA,
			errCode: "AccessDenied", errMessage: deniedMessage(id, "iam:"+name, studioRoles[0].arn())})
		j.obj("requestParameters")
		switch name {
		case "GetRole", "ListAttachedRolePolicies":
			j.str("roleName", studioRoles[g.r.IntN(len(studioRoles))].name)
		case "ListRoles":
			j.str("pathPrefix", "/service-role/")
		default:
			j.str("policyArn", "arn:aws:iam::"+Account+":policy/StudioDataAccess")
			j.str("versionId", "v"+strconv.Itoa(1+g.r.IntN(5)))
		}
		j.end()
		j.null("responseElements")
		return g.finish(tail{readOnly: 1, tlsHost: "iam.amazonaws.com"})
	default: // S3 listings
		p := g.r.IntN(len(profiles))
		id := studio(p)
		tb := tables[g.r.IntN(len(tables))]
		if g.chance(0.3) {
			g.begin(head{id: id, source: "s3.amazonaws.com", name: "ListBuckets", ip: g.privateIP(), ua: "[" + g.pick(studioUA) + "]",
				errCode: "AccessDenied", errMessage: "Access Denied"})
			j.obj("requestParameters")
			j.str("Host", "s3."+Region+".amazonaws.com")
			j.end()
			j.null("responseElements")
			j.obj("additionalEventData")
			j.str("SignatureVersion", "SigV4")
			j.str("CipherSuite", g.pick(cipherSuites))
			j.num("bytesTransferredIn", 0)
			j.str("AuthenticationMethod", "AuthHeader")
			j.str("x-amz-id-2", g.chars(base64Chrs, 76))
			j.num("bytesTransferredOut", int64(g.r.IntN(20000)))
			j.end()
			return g.finish(tail{readOnly: 1, tlsHost: "s3." + Region + ".amazonaws.com"})
		}
		host := tb.bucket + ".s3." + Region + ".amazonaws.com"
		prefix := "warehouse/" + tb.db + "/" + tb.name + "/"
		g.begin(head{id: id, source: "s3.amazonaws.com", name: "ListObjects", ip: g.privateIP(), ua: "[" + g.pick(studioUA) + "]",
			errCode: "AccessDenied", errMessage: "Access Denied"})
		j.obj("requestParameters")
		j.str("list-type", "2")
		j.str("bucketName", tb.bucket)
		j.str("encoding-type", "url")
		j.str("prefix", prefix)
		j.str("delimiter", "/")
		j.str("Host", host)
		j.end()
		j.null("responseElements")
		j.obj("additionalEventData")
		j.str("SignatureVersion", "SigV4")
		j.str("CipherSuite", g.pick(cipherSuites))
		j.num("bytesTransferredIn", 0)
		j.str("AuthenticationMethod", "AuthHeader")
		j.str("x-amz-id-2", g.chars(base64Chrs, 76))
		j.num("bytesTransferredOut", int64(g.r.IntN(200000)))
		j.end()
		return g.finish(tail{readOnly: 1, data: true, tlsHost: host,
			resources: []resource{{Account, "AWS::S3::Bucket", "arn:aws:s3:::" + tb.bucket}}})
	}
}
