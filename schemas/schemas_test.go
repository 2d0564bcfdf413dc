package schemas

import (
	"strings"
	"testing"
)

func TestEventsSchemaCoversTheContract(t *testing.T) {
	tbl, err := Load("events")
	if err != nil {
		t.Fatal(err)
	}
	// ARCHITECTURE.md §4: the columns investigators write SQL against.
	contract := strings.Fields(`event_id event_time log_source event_source event_name category outcome
		error_code error_message account_id region principal_type principal_arn role_arn session_name
		source_identity studio_profile source_ip user_agent vpc_endpoint_id database_name table_name
		s3_bucket s3_key bytes query_id lf_session request_id request_parameters response_elements
		additional_event_data raw source_object`)
	for _, name := range contract {
		if _, ok := tbl.Column(name); !ok {
			t.Errorf("events lacks contract column %q", name)
		}
	}
	if c, _ := tbl.Column("event_time"); c.Type != Timestamp || !c.Required {
		t.Errorf("event_time = %+v, want a required timestamp", c)
	}
}

func TestParseRejectsBadSchemas(t *testing.T) {
	for name, src := range map[string]string{
		"unknown type":    "name: x\nversion: 1\ncolumns: [{name: a, type: float, doc: d}]",
		"duplicate":       "name: x\nversion: 1\ncolumns: [{name: a, type: string, doc: d}, {name: a, type: string, doc: d}]",
		"no doc":          "name: x\nversion: 1\ncolumns: [{name: a, type: string}]",
		"unknown field":   "name: x\nversion: 1\ncolor: red\ncolumns: [{name: a, type: string, doc: d}]",
		"bad sort":        "name: x\nversion: 1\nsort: [b]\ncolumns: [{name: a, type: string, doc: d}]",
		"missing version": "name: x\ncolumns: [{name: a, type: string, doc: d}]",
	} {
		if _, err := parse("t.yaml", []byte(src)); err == nil {
			t.Errorf("%s: parse accepted %q", name, src)
		}
	}
}

func TestMarkdownListsEveryColumn(t *testing.T) {
	for _, name := range Tables() {
		tbl := MustLoad(name)
		md := tbl.Markdown()
		for _, c := range tbl.Columns {
			if !strings.Contains(md, "| `"+c.Name+"` |") {
				t.Errorf("%s: markdown lacks %s", name, c.Name)
			}
		}
	}
}
