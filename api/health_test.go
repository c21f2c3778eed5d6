package api_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/api"
	"github.com/ippo-center/ippo/postgres"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
)

// TestReadyzNamesTheFailingPart: with PostgreSQL and Temporal out of reach
// /readyz answers 503 naming both; /healthz still answers.
func TestReadyzNamesTheFailingPart(t *testing.T) {
	db, err := postgres.Open(context.Background(), "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
	require.NoError(t, err)
	defer db.Close()
	tc, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	require.NoError(t, err)
	defer tc.Close()
	srv := &api.Server{DB: db, Temporal: tc, Log: quiet}
	h, err := srv.Handler()
	require.NoError(t, err)

	get := func(path string) (int, map[string]any) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		out := map[string]any{}
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		return rec.Code, out
	}
	code, _ := get("/healthz")
	require.Equal(t, 200, code)
	code, body := get("/readyz")
	require.Equal(t, 503, code)
	require.ElementsMatch(t, []any{"postgres", "temporal", "ippo"}, body["down"])
	// The API refuses work while it is starting, with a problem.
	code, body = get("/api/v1/workers")
	require.Equal(t, 503, code)
	require.Equal(t, "/api/v1/docs#problem-unavailable", body["type"])

	srv.Start(ippo.Clock{})
	code, body = get("/readyz")
	require.Equal(t, 503, code)
	require.ElementsMatch(t, []any{"postgres", "temporal"}, body["down"])
}

func TestReadyzWhenAllIsUp(t *testing.T) {
	e := newEnv(t)
	rec := e.call("", "GET", "/readyz", nil)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	rec = e.call("", "GET", "/metrics", nil)
	require.Equal(t, 200, rec.Code)
	require.Contains(t, rec.Body.String(), "ippo_http_request_duration_seconds")
	rec = e.call("", "GET", "/api/v1/openapi.json", nil)
	require.Equal(t, 200, rec.Code)
	require.Contains(t, rec.Body.String(), `"openapi":"3.0.3"`)
	rec = e.call("", "GET", "/api/v1/docs", nil)
	require.Equal(t, 200, rec.Code)
	require.Contains(t, rec.Body.String(), "/api/v1/workers/{id}/contract")
}
