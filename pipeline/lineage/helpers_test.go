package lineage

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/auditlake/auditlake/pipeline/catalog"
)

const scenarioDir = "../../testdata/scenario"

// loadCatalog reads the scenario's `aws glue get-tables` output files.
func loadCatalog(t testing.TB) []catalog.Table {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(scenarioDir, "catalog", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no catalog files: %v", err)
	}
	type col struct{ Name, Type string }
	var out []catalog.Table
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			TableList []struct {
				Name, DatabaseName string
				StorageDescriptor  struct {
					Columns  []col
					Location string
				}
				PartitionKeys []col
			}
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, tb := range doc.TableList {
			ct := catalog.Table{Database: tb.DatabaseName, Name: tb.Name, Location: tb.StorageDescriptor.Location}
			for _, c := range tb.StorageDescriptor.Columns {
				ct.Columns = append(ct.Columns, catalog.Column{Name: c.Name, Type: c.Type})
			}
			for _, c := range tb.PartitionKeys {
				ct.PartitionKeys = append(ct.PartitionKeys, catalog.Column{Name: c.Name, Type: c.Type})
			}
			out = append(out, ct)
		}
	}
	return out
}

// scenarioQuery is one Athena query of the scenario's history file.
type scenarioQuery struct {
	ID, SQL, Database, Catalog, State string
}

func loadScenarioQueries(t testing.TB) []scenarioQuery {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(scenarioDir, "logs", "athena", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no athena files: %v", err)
	}
	var out []scenarioQuery
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			QueryExecutions []struct {
				QueryExecutionID      string `json:"QueryExecutionId"`
				Query                 string
				QueryExecutionContext struct{ Database, Catalog string }
				Status                struct{ State string }
			}
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, q := range doc.QueryExecutions {
			out = append(out, scenarioQuery{q.QueryExecutionID, q.Query, q.QueryExecutionContext.Database,
				q.QueryExecutionContext.Catalog, q.Status.State})
		}
	}
	return out
}

func newTestExtractor(t testing.TB) *Extractor {
	t.Helper()
	x, err := New(context.Background(), loadCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}
