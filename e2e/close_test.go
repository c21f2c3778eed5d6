package e2e_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/stretchr/testify/require"
)

// TestMonthlyCloseSendsTheStatement: with a three-second month, a worker
// declares a schedule and logs an hour; the Temporal Schedule closes the
// month, and the statement (and, at an hour of a longer declared day, the
// kind suggestion to review the schedule) is in the outbox.
func TestMonthlyCloseSendsTheStatement(t *testing.T) {
	t.Parallel()
	p := start(t, options{monthLength: "3s"})

	id := p.do("POST", "/api/v1/applicants", applicant("jiro@example.jp"), http.StatusCreated)["id"].(string)
	path := "/api/v1/workers/" + id
	p.do("POST", path+"/eligibility", map[string]any{"decision": "approve"}, http.StatusOK)
	p.do("POST", path+"/contract", map[string]any{}, http.StatusOK)

	// A program day lasts 100 ms, so "today" is read just before each
	// request, and a request that lands on the next day is sent again.
	today := func() ippo.Date {
		d, err := ippo.ParseDate(p.do("GET", "/api/v1/policy", nil, http.StatusOK)["today"].(string))
		require.NoError(t, err)
		return d
	}
	var slots []any
	for _, wd := range []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"} {
		slots = append(slots, map[string]any{"weekday": wd, "start": "10:00", "end": "12:00", "mode": "remote"})
	}
	retry := func(what string, send func() int, want int) {
		t.Helper()
		for i := 0; ; i++ {
			status := send()
			if status == want {
				return
			}
			require.Less(t, i, 5, "%s: %d", what, status)
		}
	}
	retry("declare the schedule", func() int {
		status, _ := p.raw("PUT", path+"/schedule", map[string]any{"effective_from": today().String(), "slots": slots}, true)
		return status
	}, http.StatusOK)
	task := p.do("POST", "/api/v1/tasks", map[string]any{"type": "data_entry", "client": "鎌倉商事", "output_unit": "件"}, http.StatusCreated)["id"].(string)
	p.do("POST", path+"/tasks", map[string]any{"task_id": task}, http.StatusCreated)
	var logged ippo.Date
	retry("log an hour", func() int {
		logged = today()
		status, _ := p.raw("POST", path+"/work-logs", map[string]any{"date": logged.String(), "hours": 1, "task_id": task, "output": 40}, true)
		return status
	}, http.StatusCreated)
	month := logged.YearMonth()

	// The schedule closes the month within a month length of its end.
	var statement map[string]any
	p.eventually(20*time.Second, "the statement of "+month.String(), func() bool {
		for _, s := range p.do("GET", path+"/statements", nil, http.StatusOK)["items"].([]any) {
			if m := s.(map[string]any); m["month"] == month.String() {
				statement = m
				return true
			}
		}
		return false
	})
	require.EqualValues(t, 60, statement["actual_minutes"])
	require.EqualValues(t, 1225, statement["total_yen"], "an hour at Kanagawa's ¥1,225")
	require.GreaterOrEqual(t, statement["theoretical_minutes"], float64(120), "the day of the log is a declared day")
	require.Equal(t, true, statement["below_target"])
	require.Equal(t, true, statement["review_suggested"])

	var emails []map[string]any
	p.eventually(10*time.Second, "the close's emails", func() bool {
		emails = nil
		for _, e := range p.outbox(id) {
			if strings.HasPrefix(e["key"].(string), "close/"+month.String()+"/") {
				emails = append(emails, e)
			}
		}
		return len(emails) == 2 && settled(emails)
	})
	require.ElementsMatch(t, []string{"monthly_statement", "schedule_review_suggestion"}, templates(emails))
	for _, e := range emails {
		require.Equal(t, "held", e["status"])
		require.Contains(t, e["subject"], month.Japanese())
		if e["template"] == "monthly_statement" {
			require.Contains(t, e["text"], "鎌倉 花子 様")
			require.Contains(t, e["text"], "1時間 × 1,225円 = 1,225円")
			require.Contains(t, e["text"], "体調がすぐれない日は")
			require.Contains(t, e["text"], p.base+"/l/", "the statement carries the absence link")
		}
	}

	// The close enqueues the emails first and then gives staff the to-do.
	p.eventually(10*time.Second, "staff's schedule-review to-do", func() bool {
		todos := p.do("GET", "/api/v1/staff-tasks", nil, http.StatusOK)["items"].([]any)
		return slices.ContainsFunc(todos, func(x any) bool {
			m := x.(map[string]any)
			return m["kind"] == "schedule_review" && m["worker_id"] == id
		})
	})

	p.eventually(10*time.Second, "the close to be done", func() bool {
		closes := p.do("GET", "/api/v1/closes?month="+month.String(), nil, http.StatusOK)["items"].([]any)
		return len(closes) == 1 && closes[0].(map[string]any)["status"] == "done"
	})
	status, csv := p.raw("GET", "/api/v1/statements?format=csv&month="+month.String(), nil, true)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(csv), id)

	// Closing the month again (an admin's request) changes nothing.
	started := p.do("POST", "/api/v1/closes", map[string]any{"month": month.String()}, http.StatusAccepted)
	require.Contains(t, started["workflow_id"], month.String())
	p.eventually(10*time.Second, "the second close to be done", func() bool {
		c := p.do("GET", "/api/v1/closes?month="+month.String(), nil, http.StatusOK)["items"].([]any)[0].(map[string]any)
		return c["status"] == "done" && c["runs"] == float64(2)
	})
	again := p.do("GET", path+"/statements", nil, http.StatusOK)["items"].([]any)
	require.Contains(t, again, any(statement), "the statement is as it was")
	closeEmails := 0
	for _, e := range p.outbox(id) {
		if strings.HasPrefix(e["key"].(string), "close/"+month.String()+"/") {
			closeEmails++
		}
	}
	require.Equal(t, 2, closeEmails, "nothing is sent twice")
	p.do("POST", "/api/v1/closes", map[string]any{"month": today().YearMonth().Next().String()}, http.StatusUnprocessableEntity)

	// The city's report for the month follows the close, once, to the
	// policy's city contact; the API answers the same figures.
	var report map[string]any
	p.eventually(15*time.Second, "the city's report of "+month.String(), func() bool {
		for _, e := range p.do("GET", "/api/v1/outbox?limit=500", nil, http.StatusOK)["items"].([]any) {
			if m := e.(map[string]any); m["key"] == "report/"+month.String()+"/city" {
				report = m
				return true
			}
		}
		return false
	})
	require.Equal(t, "city_monthly_report", report["template"])
	require.Equal(t, "shuro@city.kamakura.example.jp", report["recipient"])
	require.Contains(t, report["text"], "稼働時間の合計: 1時間")
	require.NotContains(t, report["text"], "鎌倉 花子", "counts only, never a person")
	figures := p.do("GET", "/api/v1/reports/monthly?month="+month.String(), nil, http.StatusOK)
	require.Equal(t, true, figures["closed"])
	require.EqualValues(t, 60, figures["actual_minutes"])
	require.EqualValues(t, 1225, figures["fees_yen"])
	require.EqualValues(t, 1, figures["categories"].(map[string]any)["disability"])
	// A month that has not ended (the next one: this one may end, and be
	// closed, between reading today and asking).
	p.do("GET", "/api/v1/reports/monthly?month="+today().YearMonth().Next().String(), nil, http.StatusUnprocessableEntity)

	// The month is closed: it takes no more work, unless staff mark it
	// late; then a later statement pays it, once.
	problem := p.do("POST", path+"/work-logs", map[string]any{"date": logged.String(), "hours": 1, "task_id": task}, http.StatusConflict)
	require.Contains(t, problem["detail"], "is closed")
	late := p.do("POST", path+"/work-logs", map[string]any{"date": logged.String(), "hours": 0.5, "task_id": task, "late": true}, http.StatusCreated)
	var paidBy map[string]any
	p.eventually(20*time.Second, "a statement paying the late work", func() bool {
		for _, s := range p.do("GET", path+"/statements", nil, http.StatusOK)["items"].([]any) {
			if m := s.(map[string]any); m["late_yen"] != float64(0) {
				paidBy = m
				return true
			}
		}
		return false
	})
	require.NotEqual(t, month.String(), paidBy["month"])
	require.EqualValues(t, 612, paidBy["late_yen"], "half an hour at ¥1,225, floored")
	require.Equal(t, late["id"], paidBy["late_lines"].([]any)[0].(map[string]any)["work_log_id"])
	require.EqualValues(t, paidBy["total_yen"].(float64)+612, paidBy["payable_yen"])

	kinds := map[string]bool{}
	for _, e := range p.do("GET", path+"/timeline", nil, http.StatusOK)["items"].([]any) {
		kinds[e.(map[string]any)["kind"].(string)] = true
	}
	for _, k := range []string{"schedule_declared", "task_assigned", "work_logged", "statement_issued", "monthly_statement"} {
		require.True(t, kinds[k], "the timeline shows %s", k)
	}
}

// lifecycleEmails returns the worker's emails without those of monthly
// closes, oldest first.
func (p *instance) lifecycleEmails(id string) []map[string]any {
	var out []map[string]any
	for _, e := range p.outbox(id) {
		if !strings.HasPrefix(e["key"].(string), "close/") {
			out = append(out, e)
		}
	}
	return out
}
