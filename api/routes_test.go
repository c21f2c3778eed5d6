package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo/api"
	"github.com/ippo-center/ippo/app"
	"github.com/stretchr/testify/require"
)

// public routes answer without a token; everything else under /api/v1 must
// be in the permissions table.
var public = map[string]bool{
	"GET /healthz": true, "GET /readyz": true, "GET /metrics": true,
	"GET /api/v1/openapi.json": true, "GET /api/v1/docs": true,
	// SendGrid signs its webhook. (The signed-link pages, mounted by
	// cmd/ippo, are linkpages' and tested there.)
	"POST /webhooks/sendgrid": true,
	// CORS preflights carry no credentials (codec.go checks the origin).
	"OPTIONS /codec/:namespace/decode": true, "OPTIONS /codec/:namespace/encode": true,
	// The codec sign-in page checks the token it is given (codec.go).
	"GET /codec/signin": true, "POST /codec/signin": true, "POST /codec/signout": true,
}

func fill(route string) string {
	parts := strings.Split(route, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			parts[i] = uuid.NewString()
		}
	}
	return strings.Join(parts, "/")
}

// TestEveryRouteDeniesByDefault walks the router: every route is either
// public or listed with a minimum role; without a token it answers 401,
// below its role 403, and at or above it never 401, 403 or a 5xx.
func TestEveryRouteDeniesByDefault(t *testing.T) {
	e := newEnv(t)
	roles := []struct {
		name string
		role app.Role
	}{{"viewer", app.RoleViewer}, {"staff", app.RoleStaff}, {"admin", app.RoleAdmin}}
	routes := e.srv.Routes()
	require.NotEmpty(t, routes)
	for _, r := range routes {
		key := r.Method + " " + r.Path
		if public[key] {
			continue
		}
		need, listed := api.Permission(r.Method, r.Path)
		require.True(t, listed, "route %s is not in the permissions table", key)
		t.Run(key, func(t *testing.T) {
			path := fill(r.Path)
			rec := e.call("", r.Method, path, "{}")
			require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())
			require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			rec = e.call("", r.Method, path, "{}", "Authorization", "Bearer not-a-token")
			require.Equal(t, http.StatusUnauthorized, rec.Code)
			for _, role := range roles {
				rec := e.call(role.name, r.Method, path, "{}")
				if role.role < need {
					require.Equal(t, http.StatusForbidden, rec.Code, "%s as %s: %s", key, role.name, rec.Body.String())
					continue
				}
				require.NotContains(t, []int{401, 403}, rec.Code, "%s as %s: %s", key, role.name, rec.Body.String())
				require.Less(t, rec.Code, 500, "%s as %s: %s", key, role.name, rec.Body.String())
			}
		})
	}
}

// TestUnlistedRouteIsDenied proves the default: a route outside the table
// is refused to every role, admin included.
func TestUnlistedRouteIsDenied(t *testing.T) {
	_, listed := api.Permission("POST", "/api/v1/no-such-route")
	require.False(t, listed)
	require.Equal(t, app.RoleNone, func() app.Role { r, _ := api.Permission("POST", "/api/v1/no-such-route"); return r }())
}

func TestRevokedTokenIsRefused(t *testing.T) {
	e := newEnv(t)
	issued := e.json("admin", "POST", "/api/v1/tokens", map[string]any{"name": "短期スタッフ", "role": "staff"}, 201)
	secret := issued["secret"].(string)
	id := issued["token"].(map[string]any)["id"].(string)
	rec := e.call("", "GET", "/api/v1/workers", nil, "Authorization", "Bearer "+secret)
	require.Equal(t, 200, rec.Code)
	e.json("admin", "DELETE", "/api/v1/tokens/"+id, nil, 204)
	rec = e.call("", "GET", "/api/v1/workers", nil, "Authorization", "Bearer "+secret)
	require.Equal(t, 401, rec.Code)
	list := e.json("admin", "GET", "/api/v1/tokens", nil, 200)
	for _, tok := range list["items"].([]any) {
		require.NotContains(t, tok, "secret")
		require.NotContains(t, tok, "token_hash")
	}
}
