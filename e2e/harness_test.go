package e2e_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	ippocodec "github.com/ippo-center/ippo/codec"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// keepOutput saves what a failed test leaves for whoever looks into it
// (ippo's whole log, a worker's timeline) under .test-output/e2e/, not
// committed: the test's own log shows only the tail.
func keepOutput(t *testing.T, name string, data []byte) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", ".test-output", "e2e")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("keep %s: %v", name, err)
		return
	}
	path := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+"-"+name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Logf("keep %s: %v", name, err)
		return
	}
	t.Logf("kept %s", path)
}

// ippoBinary builds cmd/ippo once per test run.
func ippoBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ippo-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "ippo")
		_, file, _, _ := runtime.Caller(0)
		cmd := exec.Command("go", "build", "-o", binary, "./cmd/ippo")
		cmd.Dir = filepath.Join(filepath.Dir(file), "..")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// instance is a running ippo process and a client for its API.
type instance struct {
	t     *testing.T
	base  string
	token string
	dbURL string
	env   []string
	cmd   *exec.Cmd
	logs  *bytes.Buffer
	done  chan struct{}
	// down records the windows in which ippo was known to be down (killed
	// and not yet ready again), for reads that may meet a refused
	// connection then (see readThroughRestart).
	down faultWindows
}

type options struct {
	monthLength string
	env         []string
	// temporal is the Temporal address (default: the shared dev server);
	// databaseURL the database (default: a fresh one, migrated and seeded).
	temporal    string
	databaseURL string
	// unready: do not wait for /readyz (the test waits for what it expects).
	unready bool
	// command is what to run: serve (default), api or worker.
	command string
}

// start runs `ippo migrate`, `ippo seed` and `ippo serve` on a fresh
// database, its own task queue and a free port, and waits for /readyz.
func start(t *testing.T, o options) *instance {
	t.Helper()
	bin := ippoBinary(t)
	temporal, dbURL := o.temporal, o.databaseURL
	if temporal == "" {
		temporal = temporaltest.Server(t).FrontendHostPort()
	}
	if dbURL == "" {
		dbURL = pgtest.NewDatabase(t)
	}
	port := freePort(t)
	p := &instance{
		t:     t,
		base:  "http://" + port,
		token: "e2e-admin-" + strings.ReplaceAll(uuid.NewString(), "-", ""),
		dbURL: dbURL,
		logs:  &bytes.Buffer{},
		done:  make(chan struct{}),
	}
	p.env = append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"TEMPORAL_ADDRESS="+temporal,
		"TEMPORAL_NAMESPACE=default",
		"IPPO_TASK_QUEUE=e2e-"+uuid.NewString(),
		"IPPO_HTTP_ADDR="+port,
		"IPPO_PUBLIC_URL="+p.base,
		"IPPO_BOOTSTRAP_ADMIN_TOKEN="+p.token,
		"IPPO_LINK_SECRET=e2e-link-secret-that-is-long-enough-0123456789",
		"IPPO_MONTH_LENGTH="+o.monthLength,
		"SENDGRID_API_KEY=",
		"IPPO_PAYLOAD_KEYS="+temporaltest.PayloadKeys,
	)
	p.env = append(p.env, o.env...)
	for _, sub := range []string{"migrate", "seed"} {
		if o.databaseURL != "" {
			break // the test's own database, as it is
		}
		cmd := exec.Command(bin, sub)
		cmd.Env = p.env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "ippo %s: %s", sub, out)
	}
	command := o.command
	if command == "" {
		command = "serve"
	}
	p.cmd = exec.Command(bin, command)
	p.cmd.Env = p.env
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	require.NoError(t, p.cmd.Start())
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			keepOutput(t, "ippo-"+command+".log", p.logs.Bytes())
			t.Logf("ippo %s logs:\n%s", command, tail(p.logs.String(), 60))
		}
	})
	if !o.unready {
		p.eventually(30*time.Second, "ready", func() bool {
			status, _ := p.raw("GET", "/readyz", nil, false)
			return status == http.StatusOK
		})
	}
	return p
}

// stop sends SIGTERM and waits for a graceful exit.
func (p *instance) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// raw sends a request and returns the status and body.
func (p *instance) raw(method, path string, body any, auth bool, headers ...string) (int, []byte) {
	p.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		require.NoError(p.t, err)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, p.base+path, r)
	require.NoError(p.t, err)
	req.Header.Set("Content-Type", "application/json")
	if auth {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// do sends an authenticated request, requires the status and decodes the body.
func (p *instance) do(method, path string, body any, want int, headers ...string) map[string]any {
	p.t.Helper()
	status, b := p.raw(method, path, body, true, headers...)
	require.Equal(p.t, want, status, "%s %s: %s", method, path, b)
	out := map[string]any{}
	if len(b) > 0 {
		require.NoError(p.t, json.Unmarshal(b, &out), "%s", b)
	}
	return out
}

func (p *instance) eventually(timeout time.Duration, what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		select {
		case <-p.done:
			p.t.Fatalf("ippo exited while waiting for %s", what)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// timelineKinds returns the kinds of lifecycle steps on the worker's timeline.
func (p *instance) timelineKinds(id string) []string {
	tl := p.do("GET", "/api/v1/workers/"+id+"/timeline", nil, 200)
	var kinds []string
	for _, e := range tl["items"].([]any) {
		m := e.(map[string]any)
		if m["source"] == "lifecycle" {
			kinds = append(kinds, m["kind"].(string))
		}
	}
	return kinds
}

// outbox returns the worker's emails, oldest first.
func (p *instance) outbox(id string) []map[string]any {
	page := p.do("GET", "/api/v1/outbox?limit=500&worker_id="+id, nil, 200)
	var out []map[string]any
	items := page["items"].([]any)
	for i := len(items) - 1; i >= 0; i-- {
		out = append(out, items[i].(map[string]any))
	}
	return out
}

// settled reports whether every email has been handed on: each is written
// to the outbox first, then sent (or held), so a test that has counted them
// waits for this before it reads their status.
func settled(emails []map[string]any) bool {
	return !slices.ContainsFunc(emails, func(e map[string]any) bool { return e["status"] == ippo.EmailQueued })
}

func templates(emails []map[string]any) []string {
	var out []string
	for _, e := range emails {
		out = append(out, e["template"].(string))
	}
	return out
}

func tail(s string, lines int) string {
	parts := strings.Split(s, "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

func applicant(email string) map[string]any {
	return map[string]any{
		"name": "鎌倉 花子", "name_kana": "かまくら はなこ", "email": email,
		"municipality_code": "14204", "category": "disability", "recognized_by_doctor": true,
		"disability_types": []string{"mental"}, "wants_general_employment": true,
		"consent": map[string]any{"given_on": "2026-01-05", "wording_version": "2026-01"},
	}
}

var _ = context.Background

// without returns kinds without the listed ones, in order.
func without(kinds []string, drop ...string) []string {
	var out []string
	for _, k := range kinds {
		if !slices.Contains(drop, k) {
			out = append(out, k)
		}
	}
	return out
}

// requireHistoriesClean reads every run of the worker's lifecycle from the
// Temporal server and fails if any payload is stored unencrypted, or if any
// payload, decrypted, holds one of the secrets: names, emails, health
// facts and free text stay in PostgreSQL.
func requireHistoriesClean(t *testing.T, workerID string, secrets ...string) {
	t.Helper()
	requireWorkflowClean(t, "worker/"+workerID, `"WorkerID":"`+workerID+`"`, secrets...)
}

// requireWorkflowClean is requireHistoriesClean for any workflow ID (a
// client task's task/<id>); input is a piece of its input that must show
// in the decrypted payloads and never in the stored ones.
func requireWorkflowClean(t *testing.T, workflowID, input string, secrets ...string) {
	t.Helper()
	c := temporaltest.Server(t).Client()
	ctx := context.Background()
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowId = '%s'", workflowID),
	})
	require.NoError(t, err)
	require.NotEmpty(t, resp.Executions, "the workflow's runs")
	codec := temporaltest.Codec()
	for _, ex := range resp.Executions {
		it := c.GetWorkflowHistory(ctx, ex.Execution.WorkflowId, ex.Execution.RunId, false, 0)
		var stored, decoded strings.Builder
		for it.HasNext() {
			e, err := it.Next()
			require.NoError(t, err)
			writeEvent(t, &stored, e)
			require.NoError(t, decodeEvent(ctx, codec, e))
			writeEvent(t, &decoded, e)
		}
		require.Contains(t, decoded.String(), input, "the check reads decrypted payloads")
		require.NotContains(t, stored.String(), input, "payloads are stored encrypted")
		for _, s := range secrets {
			require.NotContains(t, decoded.String(), s, "run %s of %s", ex.Execution.RunId, workflowID)
		}
	}
}

// decodeEvent decodes every payload of history event e in place.
func decodeEvent(ctx context.Context, codec *ippocodec.Codec, e *historypb.HistoryEvent) error {
	return proxy.VisitPayloads(ctx, e, proxy.VisitPayloadsOptions{
		Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			return codec.Decode(ps)
		},
	})
}

// writeEvent writes an event as JSON, followed by its payloads' data
// (base64 in JSON) as text.
func writeEvent(t *testing.T, w *strings.Builder, e proto.Message) {
	t.Helper()
	b, err := protojson.Marshal(e)
	require.NoError(t, err)
	w.Write(b)
	for _, m := range payloadData.FindAllSubmatch(b, -1) {
		d, err := base64.StdEncoding.DecodeString(string(m[1]))
		require.NoError(t, err)
		w.Write(d)
	}
}

var payloadData = regexp.MustCompile(`"data":\s*"([A-Za-z0-9+/=]*)"`)
