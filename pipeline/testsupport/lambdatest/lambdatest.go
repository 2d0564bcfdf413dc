// Package lambdatest runs a Lambda Runtime API server (version 2018-06-01)
// on 127.0.0.1, so that tests drive a function's real bootstrap binary the
// way the Lambda service does: the binary, started with
// AWS_LAMBDA_RUNTIME_API pointing here, polls
// GET /2018-06-01/runtime/invocation/next for an event and posts the
// result to …/invocation/{id}/response or …/invocation/{id}/error.
//
//	rt := lambdatest.Start(t)
//	rt.Run(t, "/path/to/bootstrap", "AUDITLAKE_LAKE=s3://lake/")
//	res := rt.Invoke(t, []byte(`{"Records":[…]}`))
//
// Any number of function processes may poll one server; each event goes
// to one of them (as with concurrent execution environments).
package lambdatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const prefix = "/2018-06-01/runtime/"

// Result is a function's answer to one invocation.
type Result struct {
	Payload []byte     // the response body, when the function succeeded
	Error   *ErrorBody // the error the function reported, or nil
}

// ErrorBody is the JSON body of …/error and …/init/error.
type ErrorBody struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

// Process is one function process the server started.
type Process struct {
	Started   time.Time     // when the process was started
	FirstPoll time.Duration // from Started to its first /next request (its init), once it polled
	cmd       *exec.Cmd
	out       *bytes.Buffer
	mu        *sync.Mutex
}

// Stop kills the process (a function instance the service retires).
func (p *Process) Stop() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// CPU is the user and system time the process used, once stopped.
func (p *Process) CPU() time.Duration {
	if p.cmd.ProcessState == nil {
		return 0
	}
	return p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
}

// MaxRSS is the process's peak resident memory in bytes, once stopped.
func (p *Process) MaxRSS() int64 {
	if p.cmd.ProcessState == nil {
		return 0
	}
	if ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss << 10 // Linux reports KiB
	}
	return 0
}

// Output is what the process wrote to stdout and stderr so far.
func (p *Process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// Server is a Lambda Runtime API.
type Server struct {
	Addr string // 127.0.0.1:PORT, the value of AWS_LAMBDA_RUNTIME_API

	srv    *http.Server
	events chan *invocation

	mu        sync.Mutex
	inflight  map[string]*invocation
	seq       int
	initErrs  []ErrorBody
	procs     []*Process
	firstPoll chan time.Time
}

type invocation struct {
	id      string
	payload []byte
	timeout time.Duration
	done    chan Result
}

// Start starts a server; it stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), events: make(chan *invocation), inflight: map[string]*invocation{}, firstPoll: make(chan time.Time, 64)}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve)}
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, prefix)
	switch {
	case r.Method == http.MethodGet && path == "invocation/next":
		select {
		case s.firstPoll <- time.Now():
		default:
		}
		var inv *invocation
		select {
		case inv = <-s.events:
		case <-r.Context().Done():
			return
		}
		s.mu.Lock()
		s.inflight[inv.id] = inv
		s.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(inv.timeout).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:test")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
		h.Set("Content-Type", "application/json")
		w.Write(inv.payload)
	case r.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
		rest := strings.TrimPrefix(path, "invocation/")
		id, kind, ok := strings.Cut(rest, "/")
		s.mu.Lock()
		inv := s.inflight[id]
		delete(s.inflight, id)
		s.mu.Unlock()
		if !ok || inv == nil || (kind != "response" && kind != "error") {
			http.Error(w, `{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(r.Body)
		res := Result{}
		if kind == "error" {
			res.Error = &ErrorBody{}
			if err := json.Unmarshal(body, res.Error); err != nil {
				res.Error.Message = string(body)
			}
		} else {
			res.Payload = body
		}
		w.WriteHeader(http.StatusAccepted)
		inv.done <- res
	case r.Method == http.MethodPost && path == "init/error":
		body, _ := io.ReadAll(r.Body)
		var e ErrorBody
		if json.Unmarshal(body, &e) != nil {
			e.Message = string(body)
		}
		s.mu.Lock()
		s.initErrs = append(s.initErrs, e)
		s.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, r)
	}
}

// Run starts the bootstrap binary at bin as a function process polling
// this server, with the test's environment plus env ("K=V"). It is killed
// when the test ends; its output is logged if the test failed.
func (s *Server) Run(t testing.TB, bin string, env ...string) *Process {
	t.Helper()
	p := &Process{out: &bytes.Buffer{}, mu: &sync.Mutex{}}
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(),
		"AWS_LAMBDA_RUNTIME_API="+s.Addr,
		"AWS_LAMBDA_FUNCTION_NAME=test",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"LAMBDA_TASK_ROOT="+t.TempDir(),
		"TMPDIR="+t.TempDir(),
	), env...)
	w := &lockedWriter{p: p}
	cmd.Stdout, cmd.Stderr = w, w
	// Drain stale first-poll notices, then time this process's first poll.
	for len(s.firstPoll) > 0 {
		<-s.firstPoll
	}
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.cmd = cmd
	select {
	case at := <-s.firstPoll:
		p.FirstPoll = at.Sub(p.Started)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%s did not poll the Runtime API within 30 s; output:\n%s", bin, p.Output())
	}
	s.mu.Lock()
	s.procs = append(s.procs, p)
	s.mu.Unlock()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("output of %s:\n%s", bin, p.Output())
		}
	})
	return p
}

type lockedWriter struct{ p *Process }

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.out.Write(b)
}

// Invoke sends payload to a polling function process and returns its
// answer; it fails the test if none answers within timeout (the
// function's deadline is set to it).
func (s *Server) Invoke(t testing.TB, payload []byte, timeout time.Duration) Result {
	t.Helper()
	res, err := s.InvokeContext(context.Background(), payload, timeout)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// InvokeContext is Invoke for use from other goroutines.
func (s *Server) InvokeContext(ctx context.Context, payload []byte, timeout time.Duration) (Result, error) {
	s.mu.Lock()
	s.seq++
	inv := &invocation{id: fmt.Sprintf("req-%04d", s.seq), payload: payload, timeout: timeout, done: make(chan Result, 1)}
	s.mu.Unlock()
	deadline := time.After(timeout + 5*time.Second)
	select {
	case s.events <- inv:
	case <-deadline:
		return Result{}, fmt.Errorf("no function process polled for invocation %s", inv.id)
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	select {
	case res := <-inv.done:
		return res, nil
	case <-deadline:
		return Result{}, fmt.Errorf("invocation %s: no answer within %s", inv.id, timeout)
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// InitErrors are the errors function processes reported while starting.
func (s *Server) InitErrors() []ErrorBody {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ErrorBody(nil), s.initErrs...)
}
