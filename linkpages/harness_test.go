package linkpages_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/api"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/ippo-center/ippo/internal/testkit"
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
	req, _ := testkit.JSONRequest(e.t, method, path, body)
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return testkit.Decode(e.t, rec, want, method, path)
}

// settle waits until the worker's lifecycle has recorded steps steps and
// sent their emails, so what a test counts next is only what it does.
func (e *env) settle(workerID string, steps int) {
	e.t.Helper()
	testkit.Eventually(e.t, "the lifecycle of "+workerID+" to settle", func() bool {
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
