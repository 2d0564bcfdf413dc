// Package s3test runs a real S3 server for tests: the Versity S3 Gateway
// (versitygw, a `tool` dependency of this module) with its posix backend in
// a temporary folder, listening on 127.0.0.1 only.
//
// The gateway binary is built from the module's own go.mod (with
// `go tool -n versitygw`, which caches the linked binary in the Go build
// cache across test processes, falling back to `go build -o`), once per test
// process. When it cannot be built the test is skipped, or fails when
// AUDITLAKE_REQUIRE_ALL is set.
//
// Every server uses a sidecar folder for object metadata (`posix --sidecar`)
// instead of extended attributes, so it works on file systems without user
// xattrs (tmpfs on older kernels, some overlay mounts); --nometa is not
// used because it would drop ETags and content types.
//
// Nothing here talks to anything but 127.0.0.1: the clients have an explicit
// endpoint and static credentials, and the gateway's environment is stripped
// of its own configuration variables (event/metrics/webhook URLs).
package s3test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Region is the region the server and its clients use.
const Region = "us-east-1"

// Server is a Versity Gateway (versitygw) S3 server with a posix backend in
// a temp dir, listening on 127.0.0.1.
type Server struct {
	Endpoint             string // http://127.0.0.1:PORT
	AccessKey, SecretKey string // root credentials
	Dir                  string // backend root: one folder per bucket

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	werr error         // cmd.Wait's result, set before done is closed
	log  string        // file holding the process's stdout and stderr
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// binary returns the path of a versitygw binary built from this module.
func binary() (string, error) {
	buildOnce.Do(func() { buildPath, buildErr = build() })
	return buildPath, buildErr
}

func build() (string, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(gomod))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module: go env GOMOD is empty")
	}
	root := filepath.Dir(mod)

	// go tool -n builds the tool if needed and prints the cached binary.
	var stderr bytes.Buffer
	cmd := exec.Command("go", "tool", "-n", "versitygw")
	cmd.Dir = root
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err == nil {
		if p := strings.TrimSpace(string(out)); p != "" && !strings.Contains(p, "\n") {
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				return p, nil
			}
		}
	}

	dir, err := os.MkdirTemp("", "auditlake-versitygw-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "versitygw")
	stderr.Reset()
	cmd = exec.Command("go", "build", "-o", bin, "github.com/versity/versitygw/cmd/versitygw")
	cmd.Dir = root
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("go build versitygw in %s: %w\n%s", root, err, stderr.Bytes())
	}
	return bin, nil
}

// Start builds (once per process) and starts versitygw, waits until it
// answers, and registers t.Cleanup to stop it. It calls t.Skip with a clear
// reason when the binary cannot be built, unless the environment variable
// AUDITLAKE_REQUIRE_ALL is set, in which case it calls t.Fatal.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := binary()
	if err != nil {
		if os.Getenv("AUDITLAKE_REQUIRE_ALL") != "" {
			t.Fatalf("s3test: cannot build versitygw (AUDITLAKE_REQUIRE_ALL is set): %v", err)
		}
		t.Skipf("s3test: skipping, cannot build the versitygw S3 server: %v", err)
	}
	// The port is picked by listening on :0 and closing, so another
	// process may grab it in between: retry a few times.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := start(t, bin)
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("s3test: %v", lastErr)
	return nil
}

func start(t testing.TB, bin string) (*Server, error) {
	base := t.TempDir() // removed after the server is stopped (cleanups run LIFO)
	s := &Server{
		AccessKey: "auditlake-test",
		SecretKey: "auditlake-test-secret",
		Dir:       filepath.Join(base, "data"),
		log:       filepath.Join(base, "versitygw.log"),
		done:      make(chan struct{}),
	}
	sidecar := filepath.Join(base, "meta")
	for _, d := range []string{s.Dir, sidecar} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return nil, err
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s.Endpoint = "http://" + addr

	logf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own descriptor
	s.cmd = exec.Command(bin,
		"--port", addr,
		"--access", s.AccessKey,
		"--secret", s.SecretKey,
		"--region", Region,
		"--quiet",
		"posix", "--sidecar", sidecar, s.Dir)
	s.cmd.Env = gatewayEnv()
	s.cmd.Stdout = logf
	s.cmd.Stderr = logf
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting versitygw: %w", err)
	}
	go func() {
		s.werr = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(s.stop)

	client := s.newClient()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := client.ListBuckets(ctx, &s3.ListBucketsInput{})
		cancel()
		if err == nil {
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("versitygw exited before answering (%v); output:\n%s", s.werr, s.output())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("versitygw at %s did not answer within 20s: %v; output:\n%s", addr, err, s.output())
		}
	}
}

// stop kills the gateway and waits for it to exit.
func (s *Server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

func (s *Server) output() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// freeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// gatewayEnv is the environment without the variables versitygw reads its
// configuration from, so a developer's settings (an event or metrics URL,
// say) can neither change the server nor make it contact another host.
func gatewayEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "VGW_"), strings.HasPrefix(k, "ROOT_"),
			strings.HasPrefix(k, "AWS_"), k == "LOGFILE", k == "WEBHOOK":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// Env sets AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_REGION=us-east-1 for the test, so that code using the default AWS
// configuration talks to this server. It unsets the profile, session and
// endpoint-override variables and points the shared config and credentials
// files at empty files, so the SDK does not read ~/.aws, and it sets
// AWS_EC2_METADATA_DISABLED=true. The test must not be parallel.
func (s *Server) Env(t testing.TB) {
	t.Helper()
	for _, k := range []string{
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
		"AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
		"AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT", "AWS_S3_USE_ARN_REGION",
		"AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS", "AWS_CA_BUNDLE",
		"AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT",
	} {
		t.Setenv(k, "") // restores the old value after the test
		os.Unsetenv(k)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	t.Setenv("AWS_ENDPOINT_URL_S3", s.Endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", s.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s.SecretKey)
	t.Setenv("AWS_REGION", Region)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// Client returns an *s3.Client configured for the server (static
// credentials, path-style addressing, region us-east-1). It does not read
// the environment or ~/.aws.
func (s *Server) Client(t testing.TB) *s3.Client {
	return s.newClient()
}

func (s *Server) newClient() *s3.Client {
	return s3.New(s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	})
}

// CreateBucket creates a bucket (posix backend: a directory under Dir) and
// returns its name. The name must be a valid S3 bucket name.
func (s *Server) CreateBucket(t testing.TB, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := s.newClient().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("s3test: creating bucket %q: %v", name, err)
	}
	return name
}
