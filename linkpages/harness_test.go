package linkpages_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/api"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/ippo-center/ippo/linkpages"
	"github.com/ippo-center/ippo/links"
	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	ippoworker "github.com/ippo-center/ippo/worker"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// env is the link pages as cmd/ippo serves them — on the API's engine,
// over the application layer — on the real PostgreSQL and the real
// Temporal dev server, with a worker running the real workflows and
// activities. Tests set workers up, and read what the pages recorded,
// through the staff API.
type env struct {
	t      *testing.T
	db     *postgres.DB
	srv    *api.Server
	pages  *linkpages.Pages
	h      http.Handler
	tokens map[string]string // role → secret
	signer *links.Signer     // signs the links, as the activities do in emails
}

func newEnv(t *testing.T) *env {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	db := pgtest.New(t)
	dev := temporaltest.Server(t)
	queue := "linkpages-test-" + uuid.NewString()
	signer, err := links.NewSigner([]byte("linkpages-test-secret-long-enough-0123456789"))
	require.NoError(t, err)
	tc, err := client.Dial(temporaltest.ClientOptions(client.Options{HostPort: dev.FrontendHostPort(), Logger: tlog.NewStructuredLogger(quiet)}))
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	w := ippoworker.New(tc, queue, &activities.Activities{DB: db, Links: signer, PublicURL: "http://ippo.test",
		Center: mail.Center{Name: "デジタル就労支援センターKAMAKURA", Email: "staff@digikama.example.jp"}}, ippoworker.DefaultTuning)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	a := &app.App{DB: db, Temporal: tc, TaskQueue: queue, Log: quiet}
	pages := linkpages.New(a, linkpages.Contact{Name: "デジタル就労支援センターKAMAKURA", Email: "staff@digikama.example.jp"})
	srv := &api.Server{DB: db, Temporal: tc, TaskQueue: queue, Log: quiet, LinkPages: pages}
	h, err := srv.Handler()
	require.NoError(t, err)
	srv.Start(a.Clock)
	pages.Start(signer)
	e := &env{t: t, db: db, srv: srv, pages: pages, h: h, tokens: map[string]string{}, signer: signer}
	for _, role := range []string{"staff", "viewer"} {
		e.tokens[role] = api.NewTokenSecret()
		_, err := db.CreateToken(context.Background(), postgres.Token{ID: uuid.NewString(), Name: role + " tester", Role: role, CreatedBy: "test"}, e.tokens[role])
		require.NoError(t, err)
	}
	return e
}

// json calls the staff API as role, requires the status and decodes the
// answer.
func (e *env) json(role, method, path string, body any, want int) map[string]any {
	e.t.Helper()
	var sent []byte
	if body != nil {
		var err error
		sent, err = json.Marshal(body)
		require.NoError(e.t, err)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(sent))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	require.Equal(e.t, want, rec.Code, "%s %s: %s", method, path, rec.Body.String())
	out := map[string]any{}
	if rec.Body.Len() > 0 {
		require.NoError(e.t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	}
	return out
}

func applicant(email string) map[string]any {
	return map[string]any{
		"name": "鎌倉 花子", "email": email, "municipality_code": "14204", "category": "hikikomori",
		"withdrawn_since": "2024-01-01", "supporting_body": "鎌倉市生活福祉課", "wants_general_employment": false,
		"consent": map[string]any{"given_on": "2026-01-05", "wording_version": "2026-01"},
	}
}

// snapshot digests every table (listed from the catalog) but the audit log
// (which records the staff API's own requests) and the tokens' last use.
func (e *env) snapshot() map[string]string {
	e.t.Helper()
	out, err := e.db.TableDigests(context.Background(), map[string][]string{
		"audit_log":    nil,
		"staff_tokens": {"last_used_at"},
	})
	require.NoError(e.t, err)
	require.Greater(e.t, len(out), 20, "the catalog lists Ippo's tables")
	return out
}

// eventually waits up to 20 s for cond.
func (e *env) eventually(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// settle waits until the worker's lifecycle has recorded steps steps and
// sent their emails, so what a test counts next is only what it does.
func (e *env) settle(workerID string, steps int) {
	e.t.Helper()
	e.eventually("the lifecycle of "+workerID+" to settle", func() bool {
		lifecycle, emails := 0, 0
		for _, it := range e.json("viewer", "GET", "/api/v1/workers/"+workerID+"/timeline", nil, http.StatusOK)["items"].([]any) {
			switch it.(map[string]any)["source"] {
			case "lifecycle":
				lifecycle++
			case "email":
				emails++
			}
		}
		return lifecycle >= steps && emails >= steps
	})
}
