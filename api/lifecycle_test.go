package api_test

import (
	"testing"
	"time"

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

	a := e.json("staff", "POST", "/api/v1/applicants", applicant("a@example.jp"), 201)["id"].(string)
	b := e.json("staff", "POST", "/api/v1/applicants", applicant("b@example.jp"), 201)["id"].(string)
	c := e.json("staff", "POST", "/api/v1/applicants", applicant("c@example.jp"), 201)["id"].(string)
	require.Equal(t, "onboarding", e.json("staff", "POST", "/api/v1/workers/"+a+"/eligibility", map[string]any{"decision": "approve"}, 200)["phase"])
	rb := e.json("staff", "POST", "/api/v1/workers/"+b+"/eligibility", map[string]any{"decision": "approve"}, 200)
	require.Equal(t, "waitlisted", rb["status"])
	require.EqualValues(t, 1, rb["waitlist_position"])
	rc := e.json("staff", "POST", "/api/v1/workers/"+c+"/eligibility", map[string]any{"decision": "approve"}, 200)
	require.EqualValues(t, 2, rc["waitlist_position"])
	require.EqualValues(t, 2, e.json("viewer", "GET", "/api/v1/workers/"+c, nil, 200)["waitlist_position"])

	e.json("staff", "POST", "/api/v1/workers/"+a+"/withdrawal", map[string]any{"reason": "本人の希望により"}, 200)
	e.eventually("b to get the freed place", func() bool {
		return e.json("viewer", "GET", "/api/v1/workers/"+b, nil, 200)["phase"] == "onboarding"
	})
	require.EqualValues(t, 1, e.json("viewer", "GET", "/api/v1/workers/"+c, nil, 200)["waitlist_position"])

	p["capacity"] = 2
	e.json("admin", "PUT", "/api/v1/policy", map[string]any{"effective_from": st["today"], "policy": p}, 200)
	e.eventually("c to get the new place", func() bool {
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
