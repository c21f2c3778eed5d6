// Package testkit holds the test helpers that the api and linkpages tests
// share: a valid applicant, a JSON request and its decoded answer, a
// digest of every table for "nothing changed" checks, waiting for a
// condition, and a worker under contract recorded straight in the store
// for the rigs with a fake Temporal. Only _test files import it.
//
// The databases themselves come from postgres/pgtest and the Temporal
// servers from internal/temporaltest.
package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
)

// Applicant is the body of POST /api/v1/applicants for a valid applicant
// with email.
func Applicant(email string) map[string]any {
	return map[string]any{
		"name": "鎌倉 花子", "email": email, "municipality_code": "14204", "category": "hikikomori",
		"withdrawn_since": "2024-01-01", "supporting_body": "鎌倉市生活福祉課", "wants_general_employment": false,
		"consent": map[string]any{"given_on": "2026-01-05", "wording_version": "2026-01"},
	}
}

// JSONRequest is a request to path with body as its JSON: a string or
// []byte is sent as it is, nil sends no body. It returns the bytes sent.
func JSONRequest(t testing.TB, method, path string, body any) (*http.Request, []byte) {
	t.Helper()
	var r io.Reader
	var sent []byte
	switch b := body.(type) {
	case nil:
	case string:
		sent = []byte(b)
	case []byte:
		sent = b
	default:
		var err error
		sent, err = json.Marshal(b)
		require.NoError(t, err)
	}
	if body != nil {
		r = bytes.NewReader(sent)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", "application/json")
	return req, sent
}

// Decode requires the answer to method path to have status want and
// decodes its JSON object (empty when there is no body).
func Decode(t testing.TB, rec *httptest.ResponseRecorder, want int, method, path string) map[string]any {
	t.Helper()
	require.Equal(t, want, rec.Code, "%s %s: %s", method, path, rec.Body.String())
	out := map[string]any{}
	if rec.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	}
	return out
}

// Snapshot digests every table (listed from the catalog) that a refused
// request must not touch: every one but the audit log, which records every
// staff API request, refused ones included. A token's last use is
// bookkeeping of the authentication, not of the request.
func Snapshot(t testing.TB, db *postgres.DB) map[string]string {
	t.Helper()
	out, err := db.TableDigests(context.Background(), map[string][]string{
		"audit_log":    nil,
		"staff_tokens": {"last_used_at"},
	})
	require.NoError(t, err)
	require.Greater(t, len(out), 20, "the catalog lists Ippo's tables")
	return out
}

// Eventually waits up to 20 s for cond, checking every 50 ms, and fails t
// naming what it waited for.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Worker registers an applicant straight in the store, under a contract
// that runs to termEnd (as the lifecycle's first step would record it),
// for tests whose Temporal is a fake.
func Worker(t testing.TB, db *postgres.DB, termEnd ippo.Date) string {
	t.Helper()
	id := uuid.NewString()
	require.NoError(t, db.CreateApplicant(context.Background(), id, ippo.Applicant{
		Name: "鎌倉 花子", Email: "hanako+" + id[:8] + "@example.jp", MunicipalityCode: "14204", Category: ippo.CategoryDisability,
		RecognizedByDoctor: true, DisabilityTypes: []ippo.DisabilityType{ippo.DisabilityMental},
		Consent: ippo.CollectionConsent{GivenOn: ippo.Date{Year: 2026, Month: 1, Day: 5}, WordingVersion: "2026-01"},
	}))
	Step(t, db, id, 1, ippo.WorkerView{Phase: ippo.PhaseActive, Status: workflows.StatusUnderContract,
		ContractStart: ippo.AddMonthsCivil(termEnd.AddDays(1), -6), ContractEnd: termEnd})
	return id
}

// Step records the worker's step seq with view, as the lifecycle would.
func Step(t testing.TB, db *postgres.DB, workerID string, seq int64, v ippo.WorkerView) {
	t.Helper()
	require.NoError(t, db.RecordStep(context.Background(), ippo.Step{
		Key: fmt.Sprintf("worker/%s/step/%d", workerID, seq), WorkerID: workerID, Seq: seq,
		At: time.Now(), ProgramAt: time.Now(), Kind: "test_step", Actor: ippo.ActorSystem, View: v,
	}))
}

// Do sends req over the network and returns the response, its body read.
func Do(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}
