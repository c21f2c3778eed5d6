package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// recordingT records what CheckResponse reports instead of failing.
type recordingT struct {
	testing.TB
	errors []string
}

func (r *recordingT) Helper() {}
func (r *recordingT) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestCheckResponseCatchesWhatTheDocumentDoesNotSay: the harnesses' check
// can fail. An answer with a status its operation does not list, or a body
// its schema refuses, is reported; a documented one is not.
func TestCheckResponseCatchesWhatTheDocumentDoesNotSay(t *testing.T) {
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	good := []byte(`{"today":"2026-04-01","real_time":"2026-04-01T00:00:00Z","program_time":"2026-04-01T09:00:00+09:00","compressed":false}`)
	for _, c := range []struct {
		name   string
		status int
		header http.Header
		body   []byte
		fails  bool
	}{
		{"a documented answer", 200, http.Header{"Content-Type": {"application/json"}}, good, false},
		{"a field missing", 200, http.Header{"Content-Type": {"application/json"}}, []byte(`{"today":"2026-04-01"}`), true},
		{"a field of the wrong type", 200, http.Header{"Content-Type": {"application/json"}}, []byte(`{"today":5,"real_time":"2026-04-01T00:00:00Z","program_time":"2026-04-01T09:00:00+09:00","compressed":false}`), true},
		{"a documented error", 401, problem, []byte(`{"type":"about:blank","title":"t","status":401}`), false},
		{"an error only default covers", 409, problem, []byte(`{"type":"about:blank","title":"t","status":409}`), true},
	} {
		rt := &recordingT{TB: t}
		req := httptest.NewRequest("GET", "/api/v1/clock", nil)
		CheckResponse(rt, req, nil, c.status, c.header, c.body)
		require.Equal(t, c.fails, len(rt.errors) > 0, "%s: %v", c.name, rt.errors)
	}
}
