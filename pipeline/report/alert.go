package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"

	"github.com/auditlake/auditlake/pipeline/store"
	"github.com/auditlake/auditlake/pipeline/terminal"
)

// AlertOptions say where the alert state lives and where new findings go.
type AlertOptions struct {
	// State is the file that remembers the findings already sent: a local
	// path or s3://bucket/key. A missing state means a first run.
	State string
	// Webhook, when set, receives a Slack-compatible JSON body.
	Webhook string
	// SNSTopic, when set, is the ARN of an SNS topic to publish to.
	SNSTopic string
	// Stdout receives every new finding as one JSON object per line.
	Stdout io.Writer
	// HTTPClient is used for the webhook (default: a client with a 10 s
	// timeout); SNS uses the AWS SDK's own.
	HTTPClient *http.Client
}

// AlertResult tells what a run did.
type AlertResult struct {
	Findings int      // findings computed
	New      int      // findings not sent before, sent by this run
	IDs      []string // the identities of the new findings, in order
}

// AlertState is the JSON state file: the identity of every finding sent,
// with when it was first sent. Entries are never removed, so a finding is
// never sent twice.
type AlertState struct {
	Version int                   `json:"version"`
	Updated time.Time             `json:"updated"`
	Sent    map[string]AlertEntry `json:"sent"`
	// Delivered lists, per destination (webhook, sns, stdout), the
	// findings a run delivered there before it stopped short of the
	// others: recorded after every chunk, so that the next run sends each
	// destination only what it did not get.
	Delivered map[string][]string `json:"delivered,omitempty"`
}

// AlertEntry describes one finding already sent.
type AlertEntry struct {
	FirstSent time.Time `json:"first_sent"`
	Rule      string    `json:"rule"`
	Resource  string    `json:"resource,omitempty"`
}

// webhookLines is the number of findings per webhook message (Slack text
// stays small).
var webhookLines = 40

const (
	webhookTimeout = 10 * time.Second
	snsMaxMessage  = 200 * 1024 // bytes per Publish (SNS allows 256 KiB)
	snsMaxSubject  = 100
)

// alertFinding is one finding with its identity.
type alertFinding struct {
	id       string
	legacy   string // the identity before occurrences: by evidence ids (state files of earlier versions)
	columns  []string
	values   []any
	rule     string
	severity string
	when     string
	profile  string
	resource string
	detail   string
}

// FindingID is the stable identity of a finding: a hash of its rule, its
// resource and its sorted occurrences (not its time or detail text, so a
// finding keeps its identity across runs). The occurrences are the
// finding's evidence ids mapped to the requests they record (AlertQuery):
// a finding keeps its identity when another record of the same request
// joins its evidence, such as the access-log line of a data event
// delivered hours later.
func FindingID(rule, resource string, occurrences []string) string {
	ids := append([]string(nil), occurrences...)
	sort.Strings(ids)
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	field(rule)
	field(resource)
	fmt.Fprintf(h, "%d;", len(ids))
	for _, id := range ids {
		field(id)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Alert sends the findings that are new since the last run: as JSON lines
// to Stdout, to the webhook and to SNS. The state is written only after
// every send succeeded; on any error it is left as it was, so the next run
// retries. Call LoadPolicy first.
func (r *Report) Alert(ctx context.Context, opt AlertOptions) (AlertResult, error) {
	var res AlertResult
	if opt.State == "" {
		return res, errors.New("alert: no state file (give --state FILE or s3://bucket/key)")
	}
	if opt.Webhook != "" {
		if u, err := url.Parse(opt.Webhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return res, errors.New("alert: webhook: want an http(s) URL")
		}
	}
	if opt.SNSTopic != "" {
		if _, err := parseTopicARN(opt.SNSTopic); err != nil {
			return res, err
		}
	}
	st, key, err := openState(ctx, opt.State)
	if err != nil {
		return res, err
	}
	state, existed, err := readState(ctx, st, key)
	if err != nil {
		return res, fmt.Errorf("alert state %s: %w", st.Location(key), err)
	}

	rows, err := r.Query(ctx, AlertQuery)
	if err != nil {
		return res, err
	}
	all, err := alertFindings(rows)
	if err != nil {
		return res, err
	}
	res.Findings = len(all)
	var fresh []alertFinding
	seen := map[string]bool{}
	migrated := false
	for _, f := range all {
		if _, sent := state.Sent[f.id]; sent || seen[f.id] {
			continue
		}
		if old, sent := state.Sent[f.legacy]; sent {
			// Sent by an earlier version under its evidence ids: the same finding.
			state.Sent[f.id] = old
			migrated = true
			continue
		}
		seen[f.id] = true
		fresh = append(fresh, f)
	}
	if len(fresh) == 0 && existed && !migrated {
		return res, nil
	}

	client := opt.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: webhookTimeout}
	}
	save := func() error {
		state.Version, state.Updated = 1, time.Now().UTC()
		data, err := json.MarshalIndent(state, "", "  ")
		if err != nil {
			return err
		}
		if err := st.Put(ctx, key, append(data, '\n')); err != nil {
			return fmt.Errorf("alert state %s: %w (what was just sent will be sent again)", st.Location(key), err)
		}
		return nil
	}
	type destination struct {
		name string
		send func(fs []alertFinding, delivered func([]alertFinding) error) error
	}
	var dests []destination
	if opt.Webhook != "" {
		dests = append(dests, destination{"webhook", func(fs []alertFinding, d func([]alertFinding) error) error {
			return sendWebhook(ctx, client, opt.Webhook, fs, d)
		}})
	}
	if opt.SNSTopic != "" {
		dests = append(dests, destination{"sns", func(fs []alertFinding, d func([]alertFinding) error) error {
			return publishSNS(ctx, opt.SNSTopic, fs, d)
		}})
	}
	if opt.Stdout != nil {
		dests = append(dests, destination{"stdout", func(fs []alertFinding, d func([]alertFinding) error) error {
			var b bytes.Buffer
			for _, f := range fs {
				line, err := json.Marshal(f.object())
				if err != nil {
					return err
				}
				b.Write(line)
				b.WriteByte('\n')
			}
			if _, err := opt.Stdout.Write(b.Bytes()); err != nil {
				return fmt.Errorf("alert: stdout: %w", err)
			}
			return d(fs)
		}})
	}
	if state.Delivered == nil {
		state.Delivered = map[string][]string{}
	}
	for _, dest := range dests {
		got := map[string]bool{}
		for _, id := range state.Delivered[dest.name] {
			got[id] = true
		}
		var todo []alertFinding
		for _, f := range fresh {
			if !got[f.id] {
				todo = append(todo, f)
			}
		}
		if len(todo) == 0 {
			continue
		}
		// Each delivered chunk is recorded before the next is sent.
		err := dest.send(todo, func(chunk []alertFinding) error {
			for _, f := range chunk {
				state.Delivered[dest.name] = append(state.Delivered[dest.name], f.id)
			}
			return save()
		})
		if err != nil {
			return res, err
		}
	}

	now := time.Now().UTC()
	for _, f := range fresh {
		state.Sent[f.id] = AlertEntry{FirstSent: now, Rule: f.rule, Resource: f.resource}
		res.IDs = append(res.IDs, f.id)
	}
	res.New = len(fresh)
	// Every destination has them all now.
	for name, ids := range state.Delivered {
		keep := ids[:0]
		for _, id := range ids {
			if _, sent := state.Sent[id]; !sent {
				keep = append(keep, id)
			}
		}
		if state.Delivered[name] = keep; len(keep) == 0 {
			delete(state.Delivered, name)
		}
	}
	return res, save()
}

// openState resolves the state location into a store and a key. A local
// file need not exist yet.
func openState(ctx context.Context, loc string) (store.Store, string, error) {
	if store.IsS3(loc) {
		s, key, err := store.Open(ctx, loc)
		if err != nil {
			return nil, "", fmt.Errorf("alert state: %w", err)
		}
		if key == "" || strings.HasSuffix(key, "/") {
			return nil, "", fmt.Errorf("alert state %q: want s3://bucket/key naming an object", loc)
		}
		return s, key, nil
	}
	abs, err := filepath.Abs(loc)
	if err != nil {
		return nil, "", err
	}
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		return nil, "", fmt.Errorf("alert state %q: is a folder, want a file", loc)
	}
	d, err := store.NewDir(filepath.Dir(abs))
	if err != nil {
		return nil, "", fmt.Errorf("alert state: %w", err)
	}
	return d, filepath.Base(abs), nil
}

func readState(ctx context.Context, st store.Store, key string) (*AlertState, bool, error) {
	state := &AlertState{Version: 1, Sent: map[string]AlertEntry{}}
	rc, _, err := st.Open(ctx, key)
	if errors.Is(err, store.ErrNotExist) || errors.Is(err, os.ErrNotExist) {
		return state, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, false, err
	}
	if err := json.Unmarshal(b, state); err != nil {
		return nil, false, fmt.Errorf("not an alert state file: %w", err)
	}
	if state.Version != 1 {
		return nil, false, fmt.Errorf("unknown state version %d", state.Version)
	}
	if state.Sent == nil {
		state.Sent = map[string]AlertEntry{}
	}
	return state, true, nil
}

// AlertQuery lists the findings as FindingsQuery does, with each one's
// occurrences: its evidence ids, an S3 event's mapped to the request it
// records (occurrence(), lakedb.Macros: the records of one request in
// CloudTrail and the access log arrive hours apart); other ids stay
// themselves.
const AlertQuery = `SELECT ` + FindingColumns + `,
  (SELECT list(DISTINCT coalesce(occurrence(e.event_source, e.event_name, e.request_id, e.s3_bucket, e.event_id), u.id))
   FROM unnest(f.event_ids) AS u(id)
   LEFT JOIN (SELECT event_id, event_source, event_name, request_id, s3_bucket FROM events
              WHERE event_source = 's3.amazonaws.com' AND request_id IS NOT NULL AND NOT network_view) e ON e.event_id = u.id) AS occurrences
FROM findings f
ORDER BY event_time, rule, resource, coalesce(studio_profile, ''), array_to_string(event_ids, ',')`

// alertFindings turns the rows of AlertQuery into findings with
// identities (by their occurrences) and the findings columns.
func alertFindings(rows *Rows) ([]alertFinding, error) {
	col := map[string]int{}
	for i, c := range rows.Columns {
		col[c] = i
	}
	names := strings.Split(FindingColumns, ", ")
	for _, c := range append(names, "occurrences") {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("findings: no %s column", c)
		}
	}
	var out []alertFinding
	for _, v := range rows.Values {
		get := func(c string) string { return text(v[col[c]]) }
		ids, err := stringList(v[col["event_ids"]])
		if err != nil {
			return nil, fmt.Errorf("findings: event_ids: %w", err)
		}
		occ, err := stringList(v[col["occurrences"]])
		if err != nil {
			return nil, fmt.Errorf("findings: occurrences: %w", err)
		}
		vals := make([]any, len(names))
		for i, c := range names {
			vals[i] = v[col[c]]
		}
		f := alertFinding{columns: names, values: vals, rule: get("rule"), severity: get("severity"),
			when: get("event_time"), profile: get("studio_profile"), resource: get("resource"), detail: get("detail")}
		f.id, f.legacy = FindingID(f.rule, f.resource, occ), FindingID(f.rule, f.resource, ids)
		out = append(out, f)
	}
	return out, nil
}

// stringList reads a VARCHAR[] value.
func stringList(v any) ([]string, error) {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, id := range x {
			out = append(out, text(id))
		}
	case []string:
		out = append(out, x...)
	case nil:
	default:
		return nil, fmt.Errorf("%T, want a list", x)
	}
	return out, nil
}

// object is the JSON line of a finding: its identity, then the columns.
func (f alertFinding) object() orderedObject {
	o := orderedObject{keys: append([]string{"finding_id"}, f.columns...), vals: map[string]any{"finding_id": f.id}}
	for i, c := range f.columns {
		o.vals[c] = jsonValue(f.values[i])
	}
	return o
}

// line renders a finding on one line of plain text.
func (f alertFinding) line() string {
	s := fmt.Sprintf("[%s] %s %s", f.severity, f.rule, f.when)
	if f.profile != "" {
		s += " profile=" + f.profile
	}
	if f.resource != "" {
		s += " resource=" + f.resource
	}
	if f.detail != "" {
		s += " - " + f.detail
	}
	return terminal.Escape(s)
}

// slackEscape escapes text for Slack mrkdwn: & < > are the control
// characters of its markup (links, mentions such as <!channel>).
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackBodies builds the webhook messages: {"text": …} with one line per
// finding, log content escaped, at most webhookLines findings each.
func slackBodies(fs []alertFinding) [][]byte {
	var out [][]byte
	for start := 0; start < len(fs); start += webhookLines {
		end := min(start+webhookLines, len(fs))
		var b strings.Builder
		if len(fs) > webhookLines {
			fmt.Fprintf(&b, "auditlake: %d new findings (%d-%d)\n", len(fs), start+1, end)
		} else {
			fmt.Fprintf(&b, "auditlake: %d new finding%s\n", len(fs), plural(len(fs)))
		}
		for _, f := range fs[start:end] {
			l := f.line()
			if len(l) > 500 {
				l = truncate(l, 500) + "…"
			}
			b.WriteString("• " + slackEscape(l) + "\n")
		}
		body, _ := json.Marshal(map[string]string{"text": strings.TrimSuffix(b.String(), "\n")})
		out = append(out, body)
	}
	return out
}

func sendWebhook(ctx context.Context, client *http.Client, hook string, fs []alertFinding, delivered func([]alertFinding) error) error {
	u, _ := url.Parse(hook)
	where := u.Scheme + "://" + u.Host // the path of a Slack webhook is a secret
	for i, body := range slackBodies(fs) {
		if err := func() error {
			ctx, cancel := context.WithTimeout(ctx, webhookTimeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewReader(body))
			if err != nil {
				return fmt.Errorf("webhook %s: bad request", where)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				var ue *url.Error
				if errors.As(err, &ue) {
					err = ue.Err
				}
				return fmt.Errorf("webhook %s: %w", where, err)
			}
			defer resp.Body.Close()
			snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
			if resp.StatusCode < 200 || resp.StatusCode > 299 {
				msg := fmt.Sprintf("webhook %s: HTTP status %s", where, resp.Status)
				if s := strings.TrimSpace(terminal.Escape(string(snippet))); s != "" {
					msg += ": " + s
				}
				return errors.New(msg)
			}
			return nil
		}(); err != nil {
			return err
		}
		if err := delivered(fs[i*webhookLines : min((i+1)*webhookLines, len(fs))]); err != nil {
			return err
		}
	}
	return nil
}

// topicARN is a parsed arn:partition:sns:region:account:name.
type topicARN struct{ partition, region string }

func parseTopicARN(arn string) (topicARN, error) {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "sns" || p[3] == "" || p[5] == "" {
		return topicARN{}, fmt.Errorf("alert: SNS topic %q: want arn:aws:sns:REGION:ACCOUNT:NAME", arn)
	}
	return topicARN{partition: p[1], region: p[3]}, nil
}

// snsBatches splits the findings into Publish messages (JSON lines) of at
// most snsMaxMessage bytes.
func snsBatches(fs []alertFinding) ([][]alertFinding, []string, error) {
	var batches [][]alertFinding
	var msgs []string
	var cur []alertFinding
	var b strings.Builder
	for _, f := range fs {
		line, err := json.Marshal(f.object())
		if err != nil {
			return nil, nil, err
		}
		if len(cur) > 0 && b.Len()+len(line)+1 > snsMaxMessage {
			batches, msgs = append(batches, cur), append(msgs, b.String())
			cur = nil
			b.Reset()
		}
		if len(line)+1 > snsMaxMessage {
			line, _ = json.Marshal(map[string]string{"finding_id": f.id, "rule": f.rule, "severity": f.severity,
				"event_time": f.when, "resource": truncate(f.resource, 1000), "note": "finding too large for SNS; see the report"})
		}
		cur = append(cur, f)
		b.Write(line)
		b.WriteByte('\n')
	}
	if len(cur) > 0 {
		batches, msgs = append(batches, cur), append(msgs, b.String())
	}
	return batches, msgs, nil
}

// snsSubject is a subject of at most 100 printable ASCII characters.
func snsSubject(fs []alertFinding) string {
	sev := map[string]int{}
	for _, f := range fs {
		sev[f.severity]++
	}
	s := fmt.Sprintf("auditlake: %d new finding%s", len(fs), plural(len(fs)))
	if sev["high"] > 0 {
		s += fmt.Sprintf(" (%d high)", sev["high"])
	}
	if len(fs) == 1 {
		s += ": " + fs[0].rule
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
	return truncate(s, snsMaxSubject)
}

// publishSNS publishes the findings with the SNS API (Publish, through
// aws-sdk-go-v2/service/sns), credentials from the default AWS config, in
// the topic's own region. AWS_ENDPOINT_URL_SNS points it elsewhere.
func publishSNS(ctx context.Context, topic string, fs []alertFinding, delivered func([]alertFinding) error) error {
	t, err := parseTopicARN(topic)
	if err != nil {
		return err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("sns: AWS config: %w", err)
	}
	if cfg.Credentials == nil {
		return errors.New("sns: no AWS credentials")
	}
	api := sns.NewFromConfig(cfg, func(o *sns.Options) {
		o.Region = t.region // a topic is published to in its own region
	})
	batches, msgs, err := snsBatches(fs)
	if err != nil {
		return err
	}
	for i, msg := range msgs {
		if err := func() error {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			out, err := api.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String(snsSubject(batches[i])), Message: aws.String(msg)})
			if err != nil {
				var ae smithy.APIError
				if errors.As(err, &ae) {
					return fmt.Errorf("sns publish to %s: %s: %s", topic, terminal.Escape(ae.ErrorCode()), terminal.Escape(ae.ErrorMessage()))
				}
				return fmt.Errorf("sns publish to %s: %w", topic, err)
			}
			if aws.ToString(out.MessageId) == "" {
				return fmt.Errorf("sns publish to %s: unexpected response (no MessageId)", topic)
			}
			return nil
		}(); err != nil {
			return err
		}
		if err := delivered(batches[i]); err != nil {
			return err
		}
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
