package api_test

import (
	"net/http"
	"testing"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/api"
	"github.com/ippo-center/ippo/internal/testkit"

	"github.com/stretchr/testify/require"
)

func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	e := newEnv(t)
	body := testkit.Applicant("idem@example.jp")
	first := e.call("staff", "POST", "/api/v1/applicants", body, "Idempotency-Key", "intake-1")
	require.Equal(t, http.StatusCreated, first.Code, first.Body.String())
	again := e.call("staff", "POST", "/api/v1/applicants", body, "Idempotency-Key", "intake-1")
	require.Equal(t, http.StatusCreated, again.Code)
	require.Equal(t, "true", again.Header().Get("Idempotent-Replayed"))
	require.JSONEq(t, first.Body.String(), again.Body.String())
	n, err := e.db.CountRows(t.Context(), "workers")
	require.NoError(t, err)
	require.Equal(t, 1, n, "one applicant, however often the request is retried")

	// What is kept to replay it holds no name, email or key in the clear.
	staff, err := e.db.TokenBySecret(t.Context(), e.tokens["staff"])
	require.NoError(t, err)
	_, fresh, err := e.db.BeginIdempotent(t.Context(), staff.ID, "intake-1", "POST", "/api/v1/applicants", []byte{0})
	require.NoError(t, err)
	require.True(t, fresh, "the key is not stored as sent")
	require.NoError(t, e.db.ForgetIdempotent(t.Context(), staff.ID, "intake-1"))
	kept, fresh, err := e.db.BeginIdempotent(t.Context(), staff.ID, api.IdempotencyRecordKey(staff.ID, "intake-1"), "POST", "/api/v1/applicants", []byte{0})
	require.NoError(t, err)
	require.False(t, fresh)
	require.Equal(t, http.StatusCreated, kept.Status)
	require.NotEmpty(t, kept.Body)
	for _, personal := range []string{"鎌倉 花子", "idem@example.jp", "hikikomori"} {
		require.NotContains(t, string(kept.Body), personal)
	}

	// The same key for another body is a mistake, said plainly.
	other := testkit.Applicant("other@example.jp")
	p := e.json("staff", "POST", "/api/v1/applicants", other, 422, "Idempotency-Key", "intake-1")
	require.Equal(t, "Idempotency-Key", p["errors"].([]any)[0].(map[string]any)["field"])
	// Keys belong to the token: another token's same key is a new request.
	e.json("admin", "POST", "/api/v1/applicants", other, 201, "Idempotency-Key", "intake-1")

	// A lifecycle step retried with its key is one step.
	id := e.json("staff", "POST", "/api/v1/applicants", testkit.Applicant("idem2@example.jp"), 201)["id"].(string)
	r1 := e.json("staff", "POST", "/api/v1/workers/"+id+"/eligibility", map[string]any{"decision": "approve"}, 200, "Idempotency-Key", "approve-1")
	r2 := e.json("staff", "POST", "/api/v1/workers/"+id+"/eligibility", map[string]any{"decision": "approve"}, 200, "Idempotency-Key", "approve-1")
	require.Equal(t, r1, r2)
	// Without the key, a second approval is out of phase.
	p = e.json("staff", "POST", "/api/v1/workers/"+id+"/eligibility", map[string]any{"decision": "approve"}, 409)
	require.Equal(t, "onboarding", p["phase"])
	require.Equal(t, []any{"contract", "withdrawal"}, p["allowed"])
}

func TestProblemsForUnknownRoutesAndMethods(t *testing.T) {
	e := newEnv(t)
	rec := e.call("staff", "GET", "/api/v1/nothing-here", nil)
	require.Equal(t, 404, rec.Code)
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	rec = e.call("staff", "DELETE", "/api/v1/workers", nil)
	require.Equal(t, 405, rec.Code)
	rec = e.call("staff", "GET", "/api/v1/workers/not-a-uuid", nil)
	require.Equal(t, 422, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), `"field":"id"`)
	rec = e.call("staff", "GET", "/api/v1/workers/6c7a5a9e-0000-4000-8000-000000000000", nil)
	require.Equal(t, 404, rec.Code)
	require.NotEmpty(t, rec.Header().Get("X-Request-Id"))
}

func TestPolicyChangesAreValidatedAndDated(t *testing.T) {
	e := newEnv(t)
	st := e.json("viewer", "GET", "/api/v1/policy", nil, 200)
	current := st["in_force"].(map[string]any)
	require.EqualValues(t, 50, current["capacity"])

	current["capacity"] = 0
	current["notice_days"] = 10
	p := e.json("admin", "PUT", "/api/v1/policy", map[string]any{"effective_from": "2099-04-01", "policy": current}, 422)
	var fields []string
	for _, f := range p["errors"].([]any) {
		fields = append(fields, f.(map[string]any)["field"].(string))
	}
	require.ElementsMatch(t, []string{"policy.capacity", "policy.notice_days"}, fields)
	current["capacity"], current["notice_days"] = 60, 30
	e.json("admin", "PUT", "/api/v1/policy", map[string]any{"effective_from": "2020-04-01", "policy": current}, 422)
	e.json("staff", "PUT", "/api/v1/policy", map[string]any{"effective_from": "2099-04-01", "policy": current}, 403)
	st = e.json("admin", "PUT", "/api/v1/policy", map[string]any{"effective_from": "2099-04-01", "policy": current}, 200)
	require.Len(t, st["versions"], 2)
	require.EqualValues(t, 50, st["in_force"].(map[string]any)["capacity"], "the new version is not yet in force")
	audit := e.json("admin", "GET", "/api/v1/audit", nil, 200)
	var puts int
	for _, a := range audit["items"].([]any) {
		if a.(map[string]any)["route"] == "/api/v1/policy" {
			puts++
		}
	}
	require.Equal(t, 4, puts, "every attempt is audited, refused ones too")
}

func TestListWorkersByContractEnd(t *testing.T) {
	e := newEnv(t)
	id := e.json("staff", "POST", "/api/v1/applicants", testkit.Applicant("ends@example.jp"), 201)["id"].(string)
	e.json("staff", "POST", "/api/v1/workers/"+id+"/eligibility", map[string]any{"decision": "approve"}, 200)
	signed := e.json("staff", "POST", "/api/v1/workers/"+id+"/contract", map[string]any{}, 200)
	end := signed["term_end"].(string)
	testkit.Eventually(e.t, "the read model", func() bool {
		return e.json("viewer", "GET", "/api/v1/workers/"+id, nil, 200)["contract_end"] == end
	})
	after, _ := ippo.ParseDate(end)
	in := e.json("viewer", "GET", "/api/v1/workers?ends_before="+after.AddDays(1).String(), nil, 200)
	require.Len(t, in["items"], 1)
	out := e.json("viewer", "GET", "/api/v1/workers?ends_before="+end, nil, 200)
	require.Empty(t, out["items"], "ends before, not on")
	p := e.json("viewer", "GET", "/api/v1/workers?ends_before=2026-02-30", nil, 422)
	require.Equal(t, "ends_before", p["errors"].([]any)[0].(map[string]any)["field"])
}

func TestEachTokenHasARequestBudget(t *testing.T) {
	e := newEnv(t)
	e.srv.RatePerSecond, e.srv.RateBurst, e.srv.Metrics = 0.5, 3, nil
	h, err := e.srv.Handler()
	require.NoError(t, err)
	e.h = h
	for range 3 {
		e.json("viewer", "GET", "/api/v1/agencies", nil, 200)
	}
	rec := e.call("viewer", "GET", "/api/v1/agencies", nil)
	require.Equal(t, 429, rec.Code, rec.Body.String())
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	require.NotEmpty(t, rec.Header().Get("Retry-After"))
	e.json("staff", "GET", "/api/v1/agencies", nil, 200) // another token has its own budget
}

func TestListsPageWithCursors(t *testing.T) {
	e := newEnv(t)
	for _, m := range []string{"p1@example.jp", "p2@example.jp", "p3@example.jp"} {
		e.json("staff", "POST", "/api/v1/applicants", testkit.Applicant(m), 201)
	}
	first := e.json("viewer", "GET", "/api/v1/workers?limit=2", nil, 200)
	require.Len(t, first["items"], 2)
	next, ok := first["next_cursor"].(string)
	require.True(t, ok, "a full page has a cursor")
	second := e.json("viewer", "GET", "/api/v1/workers?limit=2&cursor="+next, nil, 200)
	require.Len(t, second["items"], 1)
	require.NotContains(t, second, "next_cursor")
	seen := map[any]bool{}
	for _, page := range []map[string]any{first, second} {
		for _, w := range page["items"].([]any) {
			seen[w.(map[string]any)["id"]] = true
		}
	}
	require.Len(t, seen, 3)
	p := e.json("viewer", "GET", "/api/v1/workers?cursor=not-ours", nil, 422)
	require.Equal(t, "cursor", p["errors"].([]any)[0].(map[string]any)["field"])
}
