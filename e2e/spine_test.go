package e2e_test

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSpine: the real binary on the real Temporal server and PostgreSQL
// registers an applicant, starts the lifecycle and reads it back.
func TestSpine(t *testing.T) {
	t.Parallel()
	p := start(t, options{})

	status, _ := p.raw("GET", "/healthz", nil, false)
	require.Equal(t, http.StatusOK, status)
	status, body := p.raw("GET", "/api/v1/workers", nil, false)
	require.Equal(t, http.StatusUnauthorized, status, "%s", body)
	require.Contains(t, string(body), `"type"`)

	w := p.do("POST", "/api/v1/applicants", applicant("hanako@example.jp"), http.StatusCreated)
	id := w["id"].(string)
	require.Equal(t, "screening", w["phase"])
	require.NotContains(t, w, "password")

	got := p.do("GET", "/api/v1/workers/"+id, nil, http.StatusOK)
	require.Equal(t, "鎌倉 花子", got["applicant"].(map[string]any)["name"])
	list := p.do("GET", "/api/v1/workers?phase=screening", nil, http.StatusOK)
	require.Len(t, list["items"], 1)

	p.eventually(20*time.Second, "the applied step and the email", func() bool {
		emails := p.outbox(id)
		return slices.Contains(p.timelineKinds(id), "applied") && len(emails) == 1 && settled(emails)
	})
	mail := p.outbox(id)[0]
	require.Equal(t, "application_received", mail["template"])
	require.Equal(t, "held", mail["status"], "no SendGrid key: kept in the outbox")
	require.Contains(t, mail["text"], "鎌倉 花子")

	// The same email registered twice while the first lifecycle is open is
	// refused, naming the field, and so is the second of two intakes that
	// race: one lifecycle per person.
	problem := p.do("POST", "/api/v1/applicants", applicant("hanako@example.jp"), http.StatusConflict)
	require.Equal(t, "email", problem["errors"].([]any)[0].(map[string]any)["field"])
	statuses := make([]int, 4)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() { statuses[i], _ = p.raw("POST", "/api/v1/applicants", applicant("race@example.jp"), true) })
	}
	wg.Wait()
	slices.Sort(statuses)
	require.Equal(t, []int{http.StatusCreated, http.StatusConflict, http.StatusConflict, http.StatusConflict}, statuses)
	// Nothing personal reached Temporal: the lifecycle is worker/<uuid>.
	requireHistoriesClean(t, id, "鎌倉 花子", "かまくら はなこ", "hanako@example.jp", "mental")

	// SIGTERM: in-flight requests finish, the worker stops polling, and
	// ippo exits cleanly.
	p.stop()
	require.Equal(t, 0, p.cmd.ProcessState.ExitCode(), "exit status after SIGTERM")
	require.Contains(t, p.logs.String(), `"msg":"shutting down"`)
}
