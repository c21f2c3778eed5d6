// Package temporaltest starts the real Temporal dev server (the CLI that
// `make test` builds into bin/) for tests, once per test process, with
// Ippo's search attributes registered.
//
// IPPO_TEMPORAL_CLI names the CLI binary. Without it tests are skipped,
// unless IPPO_TEST_REQUIRE_INFRA is set (make test sets both), in which case
// they fail. Nothing is downloaded.
//
// Every client the tests make seals payloads with PayloadKeys, as Ippo
// does in production, so the histories on the test servers are encrypted.
package temporaltest

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ippo-center/ippo/codec"
	"github.com/ippo-center/ippo/workflows"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// PayloadKeys is IPPO_PAYLOAD_KEYS for tests: the key every test client
// and every ippo process the tests start encrypts with. A test key, for
// tests only.
const PayloadKeys = "test-1:bS6JdokGvRsCcVV+qikO3I9SagqSK8deWQ+/1hw7GmY="

// Codec is the payload codec over PayloadKeys.
func Codec() *codec.Codec {
	keys, err := codec.ParseKeys(PayloadKeys)
	if err != nil {
		panic(err)
	}
	return codec.New(keys...)
}

// ClientOptions adds the tests' payload codec to o.
func ClientOptions(o client.Options) client.Options {
	c := Codec()
	o.DataConverter = c.DataConverter()
	o.FailureConverter = c.FailureConverter()
	return o
}

var (
	logs   syncBuffer
	once   sync.Once
	server *testsuite.DevServer
	err    error
)

// Server returns the shared dev server, starting it on first use. It runs
// until the test process exits.
func Server(t testing.TB) *testsuite.DevServer {
	t.Helper()
	cli := os.Getenv("IPPO_TEMPORAL_CLI")
	if cli == "" {
		if os.Getenv("IPPO_TEST_REQUIRE_INFRA") != "" {
			t.Fatal("IPPO_TEMPORAL_CLI is not set; run the tests with `make test`")
		}
		t.Skip("IPPO_TEMPORAL_CLI is not set; `make test` builds the Temporal CLI and sets it")
	}
	once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		server, err = testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
			ExistingPath:  cli,
			ClientOptions: new(ClientOptions(client.Options{Namespace: "default"})),
			LogLevel:      "error",
			SearchAttributes: temporal.NewSearchAttributes(
				workflows.PhaseAttribute.ValueSet(""),
				workflows.NextDeadlineAttribute.ValueSet(time.Time{}),
			),
			Stdout: io.Discard, // the server logs only errors, and tests report their own
			Stderr: &logs,
		})
	})
	if err != nil {
		t.Fatalf("start the Temporal dev server: %v\n%s", err, logs.String())
	}
	return server
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Stop stops the shared dev server if it was started. Call it from TestMain
// after m.Run, so no server outlives the tests.
func Stop() {
	if server != nil {
		_ = server.Stop()
	}
}

// Main is a TestMain for a package whose tests use Server: it runs the
// tests, stops the shared dev server and exits with the tests' code.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}
