package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/stretchr/testify/require"
)

// apiFixture is the API on a fresh database, without Temporal: the routes
// under test here are records that do not go through a workflow.
type apiFixture struct {
	t      *testing.T
	db     *postgres.DB
	h      http.Handler
	tokens map[string]string // role → secret
}

func newAPIFixture(t *testing.T) *apiFixture {
	t.Helper()
	db := pgtest.New(t)
	s := &Server{DB: db, TaskQueue: "api-test"}
	h, err := s.Handler()
	require.NoError(t, err)
	s.Start(ippo.Clock{})
	f := &apiFixture{t: t, db: db, h: h, tokens: map[string]string{}}
	for _, role := range []string{"viewer", "staff", "admin"} {
		secret := "secret-" + role + "-" + uuid.NewString()
		_, err := db.CreateToken(context.Background(), postgres.Token{ID: uuid.NewString(), Name: "test " + role, Role: role, CreatedBy: "test"}, secret)
		require.NoError(t, err)
		f.tokens[role] = secret
	}
	return f
}

// call sends a request as role and returns the status and body.
func (f *apiFixture) call(role, method, path string, body any, headers ...string) (int, []byte, http.Header) {
	f.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(f.t, err)
		r = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.tokens[role])
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	var sent []byte
	if body != nil {
		sent, _ = json.Marshal(body)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	CheckResponse(f.t, req, sent, w.Code, w.Header(), w.Body.Bytes())
	return w.Code, w.Body.Bytes(), w.Header()
}

// do sends a request as staff, requires the status and decodes the body.
func (f *apiFixture) do(method, path string, body any, want int) map[string]any {
	f.t.Helper()
	status, b, _ := f.call("staff", method, path, body)
	require.Equal(f.t, want, status, "%s %s: %s", method, path, b)
	out := map[string]any{}
	require.NoError(f.t, json.Unmarshal(b, &out), "%s", b)
	return out
}

// fields returns the fields a 422 problem names.
func fields(t *testing.T, problem map[string]any) []string {
	t.Helper()
	var out []string
	for _, e := range problem["errors"].([]any) {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

// worker adds a worker in phase, signed on start when start is set.
func (f *apiFixture) worker(phase ippo.Phase, start ippo.Date) string {
	f.t.Helper()
	return f.workerNamed("鎌倉 花子", phase, start)
}

func (f *apiFixture) workerNamed(name string, phase ippo.Phase, start ippo.Date) string {
	f.t.Helper()
	ctx := context.Background()
	id := uuid.NewString()
	require.NoError(f.t, f.db.CreateApplicant(ctx, id, ippo.Applicant{
		Name: name, Email: id[:8] + "@example.jp", MunicipalityCode: "14204", Category: ippo.CategoryHikikomori,
		Consent: ippo.CollectionConsent{GivenOn: ippo.NewDate(2025, 1, 5), WordingVersion: "2025-01"},
	}))
	v := ippo.WorkerView{Phase: phase, Status: "x", ContractStart: start}
	at := time.Now()
	require.NoError(f.t, f.db.RecordStep(ctx, ippo.Step{Key: "worker/" + id + "/step/1", WorkerID: id, Seq: 1, At: at, ProgramAt: at,
		Kind: "test", Actor: "staff:test", View: v}))
	return id
}

func today() ippo.Date { return ippo.DateOf(time.Now()) }

func TestScheduleAPI(t *testing.T) {
	f := newAPIFixture(t)
	id := f.worker(ippo.PhaseActive, today().AddDays(-20))
	path := "/api/v1/workers/" + id
	from := today().AddDays(1).String()

	st := f.do("PUT", path+"/schedule", map[string]any{"effective_from": from, "slots": []any{
		map[string]any{"weekday": "monday", "start": "10:00", "end": "12:00", "mode": "remote"},
		map[string]any{"weekday": "thursday", "start": "9:30", "end": "12:00", "mode": "onsite"},
	}}, http.StatusOK)
	versions := st["versions"].([]any)
	require.Len(t, versions, 1)
	v := versions[0].(map[string]any)
	require.Equal(t, from, v["effective_from"])
	require.EqualValues(t, 270, v["weekly_minutes"])
	require.EqualValues(t, 4.5, v["weekly_hours"])
	require.Equal(t, map[string]any{"weekday": "thursday", "start": "09:30", "end": "12:00", "mode": "onsite"}, v["slots"].([]any)[1])
	require.Nil(t, st["in_force"], "it starts tomorrow")
	require.EqualValues(t, 16, st["weekly_cap_hours"])

	tests := []struct {
		name   string
		body   map[string]any
		fields []string
	}{
		{"a weekday that is not one", map[string]any{"effective_from": from, "slots": []any{
			map[string]any{"weekday": "funday", "start": "10:00", "end": "12:00", "mode": "remote"}}}, []string{"slots[0].weekday"}},
		{"a time that is not one", map[string]any{"effective_from": from, "slots": []any{
			map[string]any{"weekday": "monday", "start": "25:00", "end": "12:00", "mode": "remote"}}}, []string{"slots[0].start"}},
		{"the end before the start", map[string]any{"effective_from": from, "slots": []any{
			map[string]any{"weekday": "monday", "start": "12:00", "end": "10:00", "mode": "remote"}}}, []string{"slots[0].end"}},
		{"over the weekly cap", map[string]any{"effective_from": from, "slots": []any{
			map[string]any{"weekday": "monday", "start": "09:00", "end": "18:00", "mode": "remote"},
			map[string]any{"weekday": "tuesday", "start": "09:00", "end": "18:00", "mode": "remote"}}}, []string{"slots"}},
		{"in the past", map[string]any{"effective_from": today().AddDays(-1).String(), "slots": []any{
			map[string]any{"weekday": "monday", "start": "10:00", "end": "12:00", "mode": "remote"}}}, []string{"effective_from"}},
		{"an unknown field", map[string]any{"effective_from": from, "slots": []any{}, "note": "x"}, []string{"note"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.do("PUT", path+"/schedule", tt.body, http.StatusUnprocessableEntity)
			require.Equal(t, tt.fields, fields(t, p))
		})
	}

	// Other-service days: Thursday has a slot, so it is refused until the
	// schedule moves off it.
	p := f.do("PUT", path+"/other-services", map[string]any{"services": []any{
		map[string]any{"service": "employment_continuation_b", "weekdays": []string{"thursday"}}}}, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"services[0].weekdays[0]"}, fields(t, p))
	st = f.do("PUT", path+"/other-services", map[string]any{"services": []any{
		map[string]any{"service": "employment_transition", "weekdays": []string{"friday", "tuesday"}}}}, http.StatusOK)
	require.Equal(t, []any{map[string]any{"service": "employment_transition", "weekdays": []any{"tuesday", "friday"}}}, st["other_services"])
	p = f.do("PUT", path+"/schedule", map[string]any{"effective_from": from, "slots": []any{
		map[string]any{"weekday": "friday", "start": "10:00", "end": "12:00", "mode": "remote"}}}, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"slots[0].weekday"}, fields(t, p))
	require.Contains(t, p["errors"].([]any)[0].(map[string]any)["message"], "another service")

	got := f.do("GET", path+"/schedule", nil, http.StatusOK)
	require.Len(t, got["versions"], 1, "refused declarations changed nothing")

	// Out of phase: 409 with the phase.
	ended := f.worker(ippo.PhaseEnded, today().AddDays(-200))
	p = f.do("PUT", "/api/v1/workers/"+ended+"/schedule", map[string]any{"effective_from": from, "slots": []any{
		map[string]any{"weekday": "monday", "start": "10:00", "end": "12:00", "mode": "remote"}}}, http.StatusConflict)
	require.Equal(t, "ended", p["phase"])

	// A viewer reads, but may not declare.
	status, _, _ := f.call("viewer", "GET", path+"/schedule", nil)
	require.Equal(t, http.StatusOK, status)
	status, _, _ = f.call("viewer", "PUT", path+"/schedule", map[string]any{"effective_from": from, "slots": []any{}})
	require.Equal(t, http.StatusForbidden, status)
	f.do("GET", "/api/v1/workers/"+uuid.NewString()+"/schedule", nil, http.StatusNotFound)
}

func TestAbsenceAPI(t *testing.T) {
	f := newAPIFixture(t)
	id := f.worker(ippo.PhaseActive, today().AddDays(-20))
	path := "/api/v1/workers/" + id + "/absences"
	a := f.do("POST", path, map[string]any{"date": today().String(), "kind": "late", "from": "11:00", "reason": "通院のため"}, http.StatusCreated)
	require.Equal(t, "11:00", a["from"])
	require.Equal(t, "staff:", a["reported_by"].(string)[:6])
	f.do("POST", path, map[string]any{"date": today().AddDays(3).String(), "kind": "absent"}, http.StatusCreated)
	p := f.do("POST", path, map[string]any{"date": today().String(), "kind": "early_leave"}, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"until"}, fields(t, p))
	p = f.do("POST", path, map[string]any{"date": today().String(), "kind": "absent", "until": "9:99"}, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"until"}, fields(t, p))
	p = f.do("POST", path, map[string]any{"date": today().String(), "kind": "sick"}, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"kind"}, fields(t, p))
	list := f.do("GET", path, nil, http.StatusOK)
	require.Len(t, list["items"], 2)
	month := today().YearMonth().String()
	list = f.do("GET", path+"?month="+month, nil, http.StatusOK)
	require.NotEmpty(t, list["items"])
	p = f.do("GET", path+"?month=2026-13", nil, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"month"}, fields(t, p))

	tl := f.do("GET", "/api/v1/workers/"+id+"/timeline", nil, http.StatusOK)
	var reasons []string
	for _, e := range tl["items"].([]any) {
		m := e.(map[string]any)
		if m["kind"] == "absence_reported" {
			require.Equal(t, "attendance", m["source"])
			require.Equal(t, "test staff", m["actor"], "staff are shown by name")
			reasons = append(reasons, fmt.Sprint(m["reason"]))
		}
	}
	require.Len(t, reasons, 2)
}

func TestTasksAndWorkLogsAPI(t *testing.T) {
	f := newAPIFixture(t)
	id := f.worker(ippo.PhaseActive, today().AddDays(-20))
	path := "/api/v1/workers/" + id
	p := f.do("POST", "/api/v1/tasks", map[string]any{"type": "", "client": "鎌倉出版"}, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"type"}, fields(t, p))
	task := f.do("POST", "/api/v1/tasks", map[string]any{"type": "proofreading", "client": "鎌倉出版", "output_unit": "ページ"}, http.StatusCreated)
	taskID := task["id"].(string)
	other := f.do("POST", "/api/v1/tasks", map[string]any{"type": "data_entry", "client": "鎌倉商事"}, http.StatusCreated)["id"].(string)
	require.Len(t, f.do("GET", "/api/v1/tasks", nil, http.StatusOK)["items"], 2)

	f.do("POST", path+"/tasks", map[string]any{"task_id": taskID}, http.StatusCreated)
	f.do("POST", path+"/tasks", map[string]any{"task_id": taskID}, http.StatusOK)
	p = f.do("POST", path+"/tasks", map[string]any{"task_id": uuid.NewString()}, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"task_id"}, fields(t, p))

	log := f.do("POST", path+"/work-logs", map[string]any{"date": today().String(), "hours": 1.5, "task_id": taskID, "output": 12, "quality": "誤字の指摘が的確"}, http.StatusCreated)
	require.EqualValues(t, 90, log["minutes"])
	require.EqualValues(t, 1.5, log["hours"])
	require.Equal(t, "proofreading", log["task_type"])
	tests := []struct {
		name   string
		body   map[string]any
		status int
		fields []string
	}{
		{"future date", map[string]any{"date": today().AddDays(1).String(), "hours": 1, "task_id": taskID}, 422, []string{"date"}},
		{"more than the day allows", map[string]any{"date": today().String(), "hours": 6.6, "task_id": taskID}, 422, []string{"hours"}},
		{"no hours", map[string]any{"date": today().String(), "hours": 0, "task_id": taskID}, 422, []string{"hours"}},
		{"unknown task", map[string]any{"date": today().String(), "hours": 1, "task_id": uuid.NewString()}, 422, []string{"task_id"}},
		{"task not assigned", map[string]any{"date": today().String(), "hours": 1, "task_id": other}, 422, []string{"task_id"}},
		{"not a uuid", map[string]any{"date": today().String(), "hours": 1, "task_id": "x"}, 422, []string{"task_id"}},
		{"negative output", map[string]any{"date": today().String(), "hours": 1, "task_id": taskID, "output": -1}, 422, []string{"output"}},
		{"before the contract", map[string]any{"date": today().AddDays(-21).String(), "hours": 1, "task_id": taskID}, 422, []string{"date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.do("POST", path+"/work-logs", tt.body, tt.status)
			require.Equal(t, tt.fields, fields(t, p))
		})
	}
	logs := f.do("GET", path+"/work-logs?month="+today().YearMonth().String(), nil, http.StatusOK)
	require.Len(t, logs["items"], 1)
	assigned := f.do("GET", path+"/tasks", nil, http.StatusOK)["items"].([]any)
	require.EqualValues(t, 90, assigned[0].(map[string]any)["logged_minutes"])
	require.EqualValues(t, 12, assigned[0].(map[string]any)["output"])

	onboarding := f.worker(ippo.PhaseOnboarding, ippo.Date{})
	f.do("POST", "/api/v1/workers/"+onboarding+"/tasks", map[string]any{"task_id": taskID}, http.StatusCreated)
	p = f.do("POST", "/api/v1/workers/"+onboarding+"/work-logs", map[string]any{"date": today().String(), "hours": 1, "task_id": taskID}, http.StatusConflict)
	require.Equal(t, "onboarding", p["phase"])
}

func TestStatementsAPI(t *testing.T) {
	f := newAPIFixture(t)
	ctx := context.Background()
	october := ippo.YearMonth{Year: 2025, Month: 10}
	var ids []string
	for i := range 3 {
		id := f.worker(ippo.PhaseActive, ippo.NewDate(2025, 4, 1))
		ids = append(ids, id)
		_, err := f.db.InsertStatements(ctx, []ippo.Statement{{WorkerID: id, ActiveFrom: ippo.NewDate(2025, 4, 1), MonthFigures: ippo.MonthFigures{
			Month: october, TheoreticalMinutes: 600, ActualMinutes: 480 + i, UtilizationPermille: 800, TargetPercent: 80,
			Lines: []ippo.FeeLine{
				{From: ippo.NewDate(2025, 10, 1), To: ippo.NewDate(2025, 10, 3), RateYen: 1162, Minutes: 240, AmountYen: 4648},
				{From: ippo.NewDate(2025, 10, 4), To: ippo.NewDate(2025, 10, 31), RateYen: 1225, Minutes: 240 + i, AmountYen: 4900 + i},
			},
			TotalMinutes: 480 + i, TotalYen: 9548 + i,
		}}})
		require.NoError(t, err)
	}
	page := f.do("GET", "/api/v1/statements?month=2025-10&limit=2", nil, http.StatusOK)
	require.Len(t, page["items"], 2)
	next := page["next_cursor"].(string)
	rest := f.do("GET", "/api/v1/statements?month=2025-10&limit=2&cursor="+next, nil, http.StatusOK)
	require.Len(t, rest["items"], 1)
	first := page["items"].([]any)[0].(map[string]any)
	require.Equal(t, "鎌倉 花子", first["worker_name"])
	require.Len(t, first["lines"], 2)

	status, body, h := f.call("viewer", "GET", "/api/v1/statements?month=2025-10&format=csv", nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "text/csv; charset=utf-8", h.Get("Content-Type"))
	text := string(body)
	require.True(t, strings.HasPrefix(text, "\ufeffmonth,worker_id,worker_name,"), text)
	rows := strings.Split(strings.TrimSpace(text), "\n")
	require.Len(t, rows, 4)
	require.Contains(t, text, "2025-10-01..2025-10-03 240×1162=4648; 2025-10-04..2025-10-31 240×1225=4900")
	require.Contains(t, text, ",80.0,80,false,false,")
	for _, id := range ids {
		require.Contains(t, text, id)
	}
	// A name that a spreadsheet would read as a formula is kept as text.
	formula := f.workerNamed("=1+2", ippo.PhaseActive, ippo.NewDate(2025, 4, 1))
	november := ippo.YearMonth{Year: 2025, Month: 11}
	_, err := f.db.InsertStatements(ctx, []ippo.Statement{{WorkerID: formula, ActiveFrom: ippo.NewDate(2025, 4, 1), MonthFigures: ippo.MonthFigures{
		Month: november, TargetPercent: 80, Lines: []ippo.FeeLine{}}}})
	require.NoError(t, err)
	status, body, _ = f.call("viewer", "GET", "/api/v1/statements?month=2025-11&format=csv", nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), ","+formula+",'=1+2,")
	require.NotContains(t, string(body), ",=1+2,")

	status, body, _ = f.call("viewer", "GET", "/api/v1/workers/"+ids[0]+"/statements", nil, "Accept", "text/csv")
	require.Equal(t, http.StatusOK, status)
	require.Len(t, strings.Split(strings.TrimSpace(string(body)), "\n"), 2)
	own := f.do("GET", "/api/v1/workers/"+ids[0]+"/statements", nil, http.StatusOK)
	require.Len(t, own["items"], 1)

	p := f.do("GET", "/api/v1/statements", nil, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"month"}, fields(t, p))
	p = f.do("GET", "/api/v1/statements?month=2025-10&format=pdf", nil, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"format"}, fields(t, p))

	// Closes: staff see the status; only admins start one, and only for a
	// month that has ended.
	require.NoError(t, f.db.BeginClose(ctx, october, "monthly-close/x"))
	closes := f.do("GET", "/api/v1/closes", nil, http.StatusOK)["items"].([]any)
	require.Equal(t, "running", closes[0].(map[string]any)["status"])
	require.EqualValues(t, 3, closes[0].(map[string]any)["statements"])
	status, _, _ = f.call("staff", "POST", "/api/v1/closes", map[string]any{"month": "2025-10"})
	require.Equal(t, http.StatusForbidden, status)
	status, body, _ = f.call("admin", "POST", "/api/v1/closes", map[string]any{"month": today().YearMonth().String()})
	require.Equal(t, http.StatusUnprocessableEntity, status, "%s", body)
	status, body, _ = f.call("admin", "POST", "/api/v1/closes", map[string]any{"month": "2025-10"})
	require.Equal(t, http.StatusConflict, status, "a close of the month is running: %s", body)
}

// A query parameter that breaks its schema is named, not reported as the body.
func TestQueryParameterErrorsNameTheParameter(t *testing.T) {
	f := newAPIFixture(t)
	p := f.do("GET", "/api/v1/workers?limit=0", nil, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"limit"}, fields(t, p))
	p = f.do("GET", "/api/v1/closes?month=2026-13", nil, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"month"}, fields(t, p))
}
