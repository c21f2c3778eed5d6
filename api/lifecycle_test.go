package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/ippo-center/ippo/internal/testkit"
	"github.com/stretchr/testify/require"
)

// TestCapacityQueueThroughTheAPI: with one place, a second approved
// applicant waits; when the first leaves, the second moves on by itself;
// more capacity lets the next one in.
func TestCapacityQueueThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	st := e.json("admin", "GET", "/api/v1/policy", nil, 200)
	p := st["in_force"].(map[string]any)
	p["capacity"] = 1
	e.json("admin", "PUT", "/api/v1/policy", map[string]any{"effective_from": st["today"], "policy": p}, 200)

	a := e.json("staff", "POST", "/api/v1/applicants", testkit.Applicant("a@example.jp"), 201)["id"].(string)
	b := e.json("staff", "POST", "/api/v1/applicants", testkit.Applicant("b@example.jp"), 201)["id"].(string)
	c := e.json("staff", "POST", "/api/v1/applicants", testkit.Applicant("c@example.jp"), 201)["id"].(string)
	require.Equal(t, "onboarding", e.json("staff", "POST", "/api/v1/workers/"+a+"/eligibility", map[string]any{"decision": "approve"}, 200)["phase"])
	rb := e.json("staff", "POST", "/api/v1/workers/"+b+"/eligibility", map[string]any{"decision": "approve"}, 200)
	require.Equal(t, "waitlisted", rb["status"])
	require.EqualValues(t, 1, rb["waitlist_position"])
	rc := e.json("staff", "POST", "/api/v1/workers/"+c+"/eligibility", map[string]any{"decision": "approve"}, 200)
	require.EqualValues(t, 2, rc["waitlist_position"])
	require.EqualValues(t, 2, e.json("viewer", "GET", "/api/v1/workers/"+c, nil, 200)["waitlist_position"])

	e.json("staff", "POST", "/api/v1/workers/"+a+"/withdrawal", map[string]any{"reason": "本人の希望により"}, 200)
	testkit.Eventually(e.t, "b to get the freed place", func() bool {
		return e.json("viewer", "GET", "/api/v1/workers/"+b, nil, 200)["phase"] == "onboarding"
	})
	require.EqualValues(t, 1, e.json("viewer", "GET", "/api/v1/workers/"+c, nil, 200)["waitlist_position"])

	p["capacity"] = 2
	e.json("admin", "PUT", "/api/v1/policy", map[string]any{"effective_from": st["today"], "policy": p}, 200)
	testkit.Eventually(e.t, "c to get the new place", func() bool {
		return e.json("viewer", "GET", "/api/v1/workers/"+c, nil, 200)["phase"] == "onboarding"
	})
	// The timeline says who withdrew a, and why.
	tl := e.json("viewer", "GET", "/api/v1/workers/"+a+"/timeline", nil, 200)
	var found bool
	for _, it := range tl["items"].([]any) {
		m := it.(map[string]any)
		if m["kind"] == "withdrawn" {
			found = true
			require.Equal(t, "staff tester", m["actor"])
			require.Equal(t, "本人の希望により", m["reason"])
		}
	}
	require.True(t, found)
}

// TestStepThatTimesOutIs503AndItsRetryCompletesIt: while no worker runs
// the lifecycle, a staff step answers 503 with Retry-After (never a 500)
// and keeps its reason; once the worker is back, the same request with the
// same Idempotency-Key gets the step's own answer, and the step is taken
// once.
func TestStepThatTimesOutIs503AndItsRetryCompletesIt(t *testing.T) {
	e := newEnv(t)
	id := e.json("staff", "POST", "/api/v1/applicants", testkit.Applicant("timeout@example.jp"), 201)["id"].(string)
	e.settle(id, 1)
	e.stopWorker()
	body := map[string]any{"decision": "reject", "reason": "市外にお住まいのため"}
	rec := e.call("staff", "POST", "/api/v1/workers/"+id+"/eligibility", body, "Idempotency-Key", "reject-1")
	require.Equal(t, 503, rec.Code, rec.Body.String())
	require.NotEmpty(t, rec.Header().Get("Retry-After"))
	require.Contains(t, rec.Body.String(), "Idempotency-Key")
	notes, err := e.db.CountRows(context.Background(), "notes")
	require.NoError(t, err)
	require.Equal(t, 1, notes, "the reason is kept: the step may still be taken")

	e.startWorker()
	var res map[string]any
	testkit.Eventually(e.t, "the retried step to answer", func() bool {
		rec := e.call("staff", "POST", "/api/v1/workers/"+id+"/eligibility", body, "Idempotency-Key", "reject-1")
		if rec.Code != 200 {
			require.Equal(t, 503, rec.Code, rec.Body.String())
			return false
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &res))
		return true
	})
	require.Equal(t, "ineligible", res["phase"])
	tl := e.json("viewer", "GET", "/api/v1/workers/"+id+"/timeline", nil, 200)
	rejected := 0
	for _, it := range tl["items"].([]any) {
		if m := it.(map[string]any); m["kind"] == "eligibility_rejected" {
			rejected++
			require.Equal(t, "市外にお住まいのため", m["reason"], "the note the first request stored")
		}
	}
	require.Equal(t, 1, rejected, "one step")
	notes, err = e.db.CountRows(context.Background(), "notes")
	require.NoError(t, err)
	require.Equal(t, 1, notes, "the retries stored no second note")
}

// TestIntakeAnswersWithTheApplicationRecorded: the applicant's answer comes
// once the lifecycle has written the application, so the timeline read
// right after it shows the application (the lifecycle writes it only once
// its first workflow task is recorded, a moment after the start).
func TestIntakeAnswersWithTheApplicationRecorded(t *testing.T) {
	e := newEnv(t)
	for i := range 3 {
		id := e.json("staff", "POST", "/api/v1/applicants", testkit.Applicant(fmt.Sprintf("recorded%d@example.jp", i)), 201)["id"].(string)
		var kinds []any
		for _, it := range e.json("viewer", "GET", "/api/v1/workers/"+id+"/timeline", nil, 200)["items"].([]any) {
			if it.(map[string]any)["source"] == "lifecycle" {
				kinds = append(kinds, it.(map[string]any)["kind"])
			}
		}
		require.Equal(t, []any{"applied"}, kinds, "applicant %d's timeline as the intake answered", i)
	}
}
