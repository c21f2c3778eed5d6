package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/stretchr/testify/require"
)

// TestTaskPageShowsTheRankingAndRefusesPlainly: a task's page lists the
// workers the ranking suggests with their reasons in Japanese, and a form
// to request it of those checked; what cannot be sent is refused beside
// the form in Japanese (nothing checked, a task with no due date, a
// quality outside 1–5) and changes nothing. A viewer sees the ranking and
// its reasons but no form, and is refused if they send one anyway. The
// requests themselves (which need the task's workflow) are taken in the
// browser test (e2e TestConsoleTaskRequests).
func TestTaskPageShowsTheRankingAndRefusesPlainly(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	fan, other := h.activeWorker(), h.activeWorker()
	_, err := h.db.PutTaskPreference(ctx, fan, ippo.TaskPreference{Likes: []string{"proofreading"}}, "staff:test")
	require.NoError(t, err)
	today := ippo.DateOf(time.Now())
	task, err := h.db.CreateClientTask(ctx, ippo.ClientTask{Type: "proofreading", Client: "鎌倉商事", ExpectedMinutes: 120,
		DueOn: today.AddDays(14)}, "staff:test")
	require.NoError(t, err)
	undated, err := h.db.CreateClientTask(ctx, ippo.ClientTask{Type: "web", Client: "鎌倉商事"}, "staff:test")
	require.NoError(t, err)

	_, secret := h.token("鎌田", "staff")
	b := h.browser()
	b.signIn(secret)
	status, body, _ := b.get("/console/tasks")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `href="/console/tasks/`+task.ID+`"`, "the catalog links each task's page")

	status, body, _ = b.get("/console/tasks/" + task.ID)
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "受付中")
	require.Contains(t, body, "校正を好きな作業に挙げています", "each suggestion carries its reasons")
	require.Contains(t, body, "校正はまだ経験がありません（初めての方にもご案内しています）")
	require.Contains(t, body, "断っていただいても差し支えありません", "a request, not an order")
	require.Contains(t, body, `value="`+fan+`"`)
	require.Contains(t, body, `value="`+other+`"`)
	require.Less(t, strings.Index(body, `value="`+fan+`"`), strings.Index(body, `value="`+other+`"`), "the one who likes the type comes first")
	require.NotContains(t, body, `id="form-delivery"`, "nothing to deliver before it is assigned")
	csrf := csrfOf(t, body)

	status, body, _ = b.post("/console/tasks/"+task.ID+"/requests", url.Values{"csrf": {csrf}, "step_key": {"k1"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "依頼する方を一人以上選んでください。")
	status, body, _ = b.post("/console/tasks/"+undated.ID+"/requests", url.Values{"csrf": {csrf}, "step_key": {"k2"}, "worker_id": {fan}})
	require.Equal(t, http.StatusConflict, status)
	require.Contains(t, body, "この案件には納期がありません")
	require.Contains(t, body, `value="`+fan+`" checked`, "what was checked stays checked")
	status, body, _ = b.post("/console/tasks/"+task.ID+"/delivery", url.Values{"csrf": {csrf}, "step_key": {"k3"}, "output": {"12"}, "quality": {"9"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "仕上がり: 1から5のどれかを選んでください。")
	reqs, err := h.db.TaskRequests(ctx, undated.ID)
	require.NoError(t, err)
	require.Empty(t, reqs, "a refused request changes nothing")

	status, _, _ = b.get("/console/tasks/" + "0d5f3c2e-8b9a-4f1e-9c3d-2a7b6e5f4d3c")
	require.Equal(t, http.StatusNotFound, status)
	status, _, _ = b.get("/console/tasks/not-a-task")
	require.Equal(t, http.StatusNotFound, status)

	// The catalog form takes the terms a request states.
	status, body, _ = b.post("/console/tasks", url.Values{"csrf": {csrf}, "type": {"校正"}, "client": {"鎌倉商事"},
		"expected_hours": {"たくさん"}, "due_on": {"2026-13-40"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "見込みの時間: 0より大きく1000までの時間数で入力してください")
	require.Contains(t, body, "納期: 日付を選んでください。")
	status, _, _ = b.post("/console/tasks", url.Values{"csrf": {csrf}, "type": {"校正"}, "client": {"鎌倉商事"},
		"expected_hours": {"2.5"}, "due_on": {today.AddDays(7).String()}})
	require.Equal(t, http.StatusSeeOther, status)
	tasks, err := h.db.ClientTasks(ctx)
	require.NoError(t, err)
	require.Len(t, tasks, 3)

	_, viewerSecret := h.token("見学", "viewer")
	v := h.browser()
	v.signIn(viewerSecret)
	status, body, _ = v.get("/console/tasks/" + task.ID)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "校正を好きな作業に挙げています", "a viewer sees the reasons")
	require.NotContains(t, body, `name="worker_id"`, "and cannot choose anyone")
	require.NotContains(t, body, "選んだ方に依頼する")
	status, body, _ = v.post("/console/tasks/"+task.ID+"/requests", url.Values{"csrf": {v.csrf()}, "worker_id": {fan}})
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, body, "この操作の権限がありません")
}
