package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAnonymousRequestsAreLimitedBeforeTheAuditLog: a client that keeps
// sending requests without a valid token is refused with 429 once over its
// budget, and from then on nothing more is written to the audit log; other
// clients, and staff with a valid token at the same address, are not.
func TestAnonymousRequestsAreLimitedBeforeTheAuditLog(t *testing.T) {
	e := newEnv(t)
	send := func(addr, token string) int {
		req := httptest.NewRequest("POST", "/api/v1/applicants", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.RemoteAddr = addr + ":40000"
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec.Code
	}
	audited := func() int {
		n, err := e.db.CountRows(context.Background(), "audit_log")
		require.NoError(t, err)
		return n
	}
	before := audited()
	refused := 0
	for range 200 {
		switch code := send("203.0.113.9", "guessed-token-guessed-token"); code {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Fatalf("unexpected %d", code)
		}
	}
	require.Equal(t, 80, refused, "120 refusals a minute are answered and audited, the rest are not")
	require.Equal(t, before+120, audited(), "the audit log holds the first 120 only")

	require.Equal(t, http.StatusUnauthorized, send("203.0.113.10", ""), "another client is not limited")
	require.Equal(t, http.StatusUnprocessableEntity, send("203.0.113.9", e.tokens["staff"]), "staff at the same address keep working")
}
