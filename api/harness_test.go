package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/api"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/ippo-center/ippo/internal/testkit"
	"github.com/ippo-center/ippo/links"
	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	ippoworker "github.com/ippo-center/ippo/worker"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
)

var quiet = slog.New(slog.DiscardHandler)

// env is the API in process, on the real PostgreSQL and the real Temporal
// dev server, with a worker running the real activities.
type env struct {
	t      *testing.T
	db     *postgres.DB
	srv    *api.Server
	h      http.Handler
	tokens map[string]string // role → secret
	// the worker, to stop and start again (a worker process down)
	tc     client.Client
	queue  string
	acts   *activities.Activities
	worker sdkworker.Worker
}

// stopWorker stops the Temporal worker: lifecycles stand still.
func (e *env) stopWorker() {
	e.t.Helper()
	e.worker.Stop()
	e.worker = nil
}

// startWorker starts a worker again on the same task queue.
func (e *env) startWorker() {
	e.t.Helper()
	e.worker = ippoworker.New(e.tc, e.queue, e.acts, ippoworker.DefaultTuning)
	require.NoError(e.t, e.worker.Start())
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := pgtest.New(t)
	dev := temporaltest.Server(t)
	queue := "api-test-" + uuid.NewString()
	signer, err := links.NewSigner([]byte("api-test-secret-that-is-long-enough-0123456789"))
	require.NoError(t, err)
	acts := &activities.Activities{
		DB: db, Links: signer, PublicURL: "http://ippo.test",
		Center: mail.Center{Name: "デジタル就労支援センターKAMAKURA", Email: "staff@digikama.example.jp"},
	}
	tc, err := client.Dial(temporaltest.ClientOptions(client.Options{HostPort: dev.FrontendHostPort(), Logger: tlog.NewStructuredLogger(quiet)}))
	require.NoError(t, err)
	t.Cleanup(tc.Close)

	srv := &api.Server{DB: db, Temporal: tc, TaskQueue: queue, Log: quiet,
		Codec: api.CodecOptions{Codec: temporaltest.Codec(), Namespace: "default", UIOrigin: codecUIOrigin}}
	h, err := srv.Handler()
	require.NoError(t, err)
	srv.Start(ippo.Clock{})
	e := &env{t: t, db: db, srv: srv, h: h, tokens: map[string]string{}, tc: tc, queue: queue, acts: acts}
	e.startWorker()
	t.Cleanup(func() {
		if e.worker != nil {
			e.worker.Stop()
		}
	})
	for _, role := range []string{"admin", "staff", "viewer"} {
		secret := api.NewTokenSecret()
		_, err := db.CreateToken(context.Background(), postgres.Token{ID: uuid.NewString(), Name: role + " tester", Role: role, CreatedBy: "test"}, secret)
		require.NoError(t, err)
		e.tokens[role] = secret
	}
	return e
}

// call makes a request as role ("" for none) and returns the recorder.
func (e *env) call(role, method, path string, body any, headers ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	req, sent := testkit.JSONRequest(e.t, method, path, body)
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	api.CheckResponse(e.t, req, sent, rec.Code, rec.Header(), rec.Body.Bytes())
	return rec
}

// json makes a request, requires the status and decodes the answer.
func (e *env) json(role, method, path string, body any, want int, headers ...string) map[string]any {
	e.t.Helper()
	return testkit.Decode(e.t, e.call(role, method, path, body, headers...), want, method, path)
}

// settle waits until the worker's lifecycle has recorded steps steps and
// sent their emails, so a snapshot taken after it is stable.
func (e *env) settle(workerID string, steps int) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		tl := e.json("viewer", "GET", "/api/v1/workers/"+workerID+"/timeline", nil, 200)
		lifecycle, emails := 0, 0
		for _, it := range tl["items"].([]any) {
			switch it.(map[string]any)["source"] {
			case "lifecycle":
				lifecycle++
			case "email":
				emails++
			}
		}
		if lifecycle >= steps && emails >= steps {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("the lifecycle of %s did not settle: %v", workerID, tl)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
