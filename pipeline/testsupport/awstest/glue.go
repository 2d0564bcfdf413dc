package awstest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Glue is an in-memory AWS Glue Data Catalog answering the JSON 1.1
// operations an Iceberg catalog uses (databases and tables, with the
// optimistic concurrency of UpdateTable: a VersionId that is not the
// table's current one fails with ConcurrentModificationException), as
// documented in the AWS Glue API reference. Serve it with
// NewServer(t, g.Handlers()).
type Glue struct {
	mu     sync.Mutex
	dbs    map[string]map[string]any        // name → Database
	tables map[string]map[string]*glueTable // database → name → table
	// Updates counts successful UpdateTable calls; Conflicts the ones
	// refused for a stale VersionId.
	Updates, Conflicts int
	// FailUpdates makes the next n UpdateTable calls fail with
	// ConcurrentModificationException, as when another writer's update
	// landed first.
	FailUpdates int
}

// Counts returns Updates and Conflicts.
func (g *Glue) Counts() (updates, conflicts int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.Updates, g.Conflicts
}

// FailNextUpdates sets FailUpdates.
func (g *Glue) FailNextUpdates(n int) {
	g.mu.Lock()
	g.FailUpdates = n
	g.mu.Unlock()
}

type glueTable struct {
	input   map[string]any // the TableInput, as sent
	version int
	created time.Time
}

// NewGlue returns an empty catalog.
func NewGlue() *Glue {
	return &Glue{dbs: map[string]map[string]any{}, tables: map[string]map[string]*glueTable{}}
}

// Handlers are the server handlers of the catalog's operations.
func (g *Glue) Handlers() map[string]func([]byte) (int, any) {
	return map[string]func([]byte) (int, any){
		"CreateDatabase": g.createDatabase,
		"GetDatabase":    g.getDatabase,
		"GetDatabases":   g.getDatabases,
		"CreateTable":    g.createTable,
		"GetTable":       g.getTable,
		"GetTables":      g.getTables,
		"UpdateTable":    g.updateTable,
		"DeleteTable":    g.deleteTable,
	}
}

// MetadataLocation is a table's metadata_location parameter ("" when the
// table does not exist).
func (g *Glue) MetadataLocation(db, name string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.tables[db][name]
	if t == nil {
		return ""
	}
	p, _ := t.input["Parameters"].(map[string]any)
	s, _ := p["metadata_location"].(string)
	return s
}

type glueReq struct {
	DatabaseName  string
	Name          string
	DatabaseInput map[string]any
	TableInput    map[string]any
	VersionId     string
}

func parseGlue(body []byte) (glueReq, error) {
	var r glueReq
	err := json.Unmarshal(body, &r)
	return r, err
}

func (g *Glue) createDatabase(body []byte) (int, any) {
	r, err := parseGlue(body)
	if err != nil {
		return Error(400, "InvalidInputException", err.Error())
	}
	name, _ := r.DatabaseInput["Name"].(string)
	if name == "" {
		return Error(400, "InvalidInputException", "DatabaseInput.Name is required")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dbs[name] != nil {
		return Error(400, "AlreadyExistsException", "Database already exists.")
	}
	db := map[string]any{"Name": name, "CreateTime": Epoch(time.Now())}
	for k, v := range r.DatabaseInput {
		db[k] = v
	}
	g.dbs[name] = db
	g.tables[name] = map[string]*glueTable{}
	return 200, map[string]any{}
}

func (g *Glue) getDatabase(body []byte) (int, any) {
	r, _ := parseGlue(body)
	g.mu.Lock()
	defer g.mu.Unlock()
	db := g.dbs[r.Name]
	if db == nil {
		return Error(400, "EntityNotFoundException", fmt.Sprintf("Database %s not found.", r.Name))
	}
	return 200, map[string]any{"Database": db}
}

func (g *Glue) getDatabases([]byte) (int, any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	names := make([]string, 0, len(g.dbs))
	for n := range g.dbs {
		names = append(names, n)
	}
	sort.Strings(names)
	out := []any{}
	for _, n := range names {
		out = append(out, g.dbs[n])
	}
	return 200, map[string]any{"DatabaseList": out}
}

func (g *Glue) view(db string, t *glueTable) map[string]any {
	out := map[string]any{"DatabaseName": db, "CreateTime": Epoch(t.created), "UpdateTime": Epoch(time.Now()),
		"VersionId": strconv.Itoa(t.version)}
	for k, v := range t.input {
		out[k] = v
	}
	return out
}

func (g *Glue) createTable(body []byte) (int, any) {
	r, err := parseGlue(body)
	if err != nil {
		return Error(400, "InvalidInputException", err.Error())
	}
	name, _ := r.TableInput["Name"].(string)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dbs[r.DatabaseName] == nil {
		return Error(400, "EntityNotFoundException", fmt.Sprintf("Database %s not found.", r.DatabaseName))
	}
	if name == "" {
		return Error(400, "InvalidInputException", "TableInput.Name is required")
	}
	if g.tables[r.DatabaseName][name] != nil {
		return Error(400, "AlreadyExistsException", "Table already exists.")
	}
	g.tables[r.DatabaseName][name] = &glueTable{input: r.TableInput, version: 1, created: time.Now()}
	return 200, map[string]any{}
}

func (g *Glue) getTable(body []byte) (int, any) {
	r, _ := parseGlue(body)
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.tables[r.DatabaseName][r.Name]
	if t == nil {
		return Error(400, "EntityNotFoundException", fmt.Sprintf("Table %s not found.", r.Name))
	}
	return 200, map[string]any{"Table": g.view(r.DatabaseName, t)}
}

func (g *Glue) getTables(body []byte) (int, any) {
	r, _ := parseGlue(body)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dbs[r.DatabaseName] == nil {
		return Error(400, "EntityNotFoundException", fmt.Sprintf("Database %s not found.", r.DatabaseName))
	}
	names := make([]string, 0)
	for n := range g.tables[r.DatabaseName] {
		names = append(names, n)
	}
	sort.Strings(names)
	out := []any{}
	for _, n := range names {
		out = append(out, g.view(r.DatabaseName, g.tables[r.DatabaseName][n]))
	}
	return 200, map[string]any{"TableList": out}
}

// updateTable replaces a table's definition when VersionId (if given) is
// the current version, as Glue's optimistic locking does.
func (g *Glue) updateTable(body []byte) (int, any) {
	r, err := parseGlue(body)
	if err != nil {
		return Error(400, "InvalidInputException", err.Error())
	}
	name, _ := r.TableInput["Name"].(string)
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.tables[r.DatabaseName][name]
	if t == nil {
		return Error(400, "EntityNotFoundException", fmt.Sprintf("Table %s not found.", name))
	}
	if g.FailUpdates > 0 {
		g.FailUpdates--
		t.version++ // the other writer's update
		g.Conflicts++
		return Error(400, "ConcurrentModificationException", "Update table failed due to concurrent modifications.")
	}
	if r.VersionId != "" && r.VersionId != strconv.Itoa(t.version) {
		g.Conflicts++
		return Error(400, "ConcurrentModificationException", "Update table failed due to concurrent modifications.")
	}
	t.input = r.TableInput
	t.version++
	g.Updates++
	return 200, map[string]any{}
}

func (g *Glue) deleteTable(body []byte) (int, any) {
	r, _ := parseGlue(body)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.tables[r.DatabaseName][r.Name] == nil {
		return Error(400, "EntityNotFoundException", fmt.Sprintf("Table %s not found.", r.Name))
	}
	delete(g.tables[r.DatabaseName], r.Name)
	return 200, map[string]any{}
}

// StartGlue serves a new catalog and returns it, its server and an SDK
// configuration for it that signs with the given S3 credentials, as one
// production configuration serves Glue and S3 (the Iceberg catalog's file
// IO signs S3 requests with it).
func StartGlue(t testing.TB, accessKey, secretKey string) (*Glue, *Server, aws.Config) {
	t.Helper()
	g := NewGlue()
	srv := NewServer(t, g.Handlers())
	cfg := srv.Config(t)
	cfg.Credentials = credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")
	return g, srv, cfg
}
