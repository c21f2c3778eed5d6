package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ippo-center/ippo/internal/testkit"
	"github.com/stretchr/testify/require"
)

// TestBadBodiesOnEveryWrite sends malformed, wrong-typed, unknown-field and
// oversized bodies to every POST and PUT: the answer is a 4xx problem
// naming what is wrong, never a 5xx, and no table changes.
func TestBadBodiesOnEveryWrite(t *testing.T) {
	e := newEnv(t)
	// A real worker, so worker routes reach their handlers.
	worker := e.json("staff", "POST", "/api/v1/applicants", testkit.Applicant("bodies@example.jp"), 201)["id"].(string)
	e.settle(worker, 1)

	bodies := map[string]string{
		"not json":      `hello`,
		"truncated":     `{"name": "鎌倉`,
		"array":         `[1, 2, 3]`,
		"null":          `null`,
		"number":        `42`,
		"unknown field": `{"no_such_field": true}`,
		"wrong types":   `{"name": 5, "decision": 7, "by": [], "signed_on": true, "reason": {}, "effective_from": 1, "policy": "x", "role": 1, "kind": false, "email": 3}`,
		"bad date":      `{"signed_on": "2026-02-30", "decision": "approve", "ends_on": "yesterday", "by": "center"}`,
		"oversized":     `{"name": "` + strings.Repeat("あ", 400_000) + `"}`,
	}
	before := testkit.Snapshot(e.t, e.db)
	for _, r := range e.srv.Routes() {
		if r.Method != http.MethodPost && r.Method != http.MethodPut || !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		path := strings.ReplaceAll(r.Path, ":id", worker)
		for name, body := range bodies {
			t.Run(fmt.Sprintf("%s %s/%s", r.Method, r.Path, name), func(t *testing.T) {
				rec := e.call("admin", r.Method, path, body)
				require.GreaterOrEqual(t, rec.Code, 400, rec.Body.String())
				require.Less(t, rec.Code, 500, rec.Body.String())
				if rec.Code != http.StatusNotFound {
					require.Contains(t, []int{400, 409, 413, 415, 422}, rec.Code, rec.Body.String())
				}
				require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"), rec.Body.String())
			})
		}
	}
	require.Equal(t, before, testkit.Snapshot(e.t, e.db), "a refused request changed a table")
}

func TestInvalidApplicantNamesEachField(t *testing.T) {
	e := newEnv(t)
	a := testkit.Applicant("x@example.jp")
	a["municipality_code"] = "13101"
	a["withdrawn_since"] = "2026-12-01"
	delete(a, "supporting_body")
	before := testkit.Snapshot(e.t, e.db)
	p := e.json("staff", "POST", "/api/v1/applicants", a, 422)
	var fields []string
	for _, f := range p["errors"].([]any) {
		fields = append(fields, f.(map[string]any)["field"].(string))
	}
	require.ElementsMatch(t, []string{"municipality_code", "withdrawn_since", "supporting_body"}, fields)
	require.Equal(t, before, testkit.Snapshot(e.t, e.db))
}

// TestJunkOnPublicRoutes: the webhook answers junk with a 4xx, never a
// 5xx, and changes nothing (linkpages tests the signed-link pages alike).
func TestJunkOnPublicRoutes(t *testing.T) {
	e := newEnv(t)
	before := testkit.Snapshot(e.t, e.db)
	for _, path := range []string{"/webhooks/sendgrid"} {
		for _, body := range []string{"", "hello", `{"a":1}`, `[{"event":"delivered"}]`} {
			for _, method := range []string{"GET", "POST"} {
				rec := e.call("", method, path, body)
				require.Less(t, rec.Code, 500, "%s %s %q: %s", method, path, body, rec.Body.String())
			}
		}
	}
	require.Equal(t, before, testkit.Snapshot(e.t, e.db))
}
