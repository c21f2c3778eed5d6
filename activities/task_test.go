package activities_test

import (
	"context"
	"testing"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/stretchr/testify/require"
)

// TestTaskRequestEmail: the request states the task's terms in writing
// (content, expected hours, window, the rate in force, payment terms) with
// an answer link, says declining is fine, and is written once however
// often the activity runs.
func TestTaskRequestEmail(t *testing.T) {
	r := newRig(t)
	r.a.Sender = nil // kept in the outbox
	ctx := context.Background()
	task, err := r.db.CreateClientTask(ctx, ippo.ClientTask{Type: "proofreading", Client: "鎌倉出版", Description: "商品説明文の確認",
		ExpectedMinutes: 600, StartsOn: ippo.NewDate(2026, 12, 7), DueOn: ippo.NewDate(2026, 12, 20)}, "staff:test")
	require.NoError(t, err)
	n := activities.Notice{Key: "task/" + task.ID + "/step/1/task_request/" + r.workerID, Email: activities.EmailTaskRequest, WorkerID: r.workerID,
		Facts: activities.Facts{TaskID: task.ID, On: ippo.NewDate(2026, 12, 1), DueOn: task.DueOn, LinkExpires: task.DueOn, AnswerBy: ippo.NewDate(2026, 12, 4)}}
	res, err := r.a.Notify(ctx, n)
	require.NoError(t, err)
	again, err := r.a.Notify(ctx, n)
	require.NoError(t, err)
	require.Equal(t, res.OutboxID, again.OutboxID)
	e := r.email(t, res.OutboxID)
	for _, want := range []string{"校正", "商品説明文の確認", "10時間くらい", "2026年12月7日から2026年12月20日まで", "1225円",
		"翌月末日", "https://ippo.example.jp/l/", "お断りいただいても、まったく問題ありません", "2026年12月4日ごろまで"} {
		require.Contains(t, e.Text, want)
	}
	require.NotContains(t, e.Text, "鎌倉出版", "the client's name is not the worker's business")
	n2, err := r.db.CountRows(ctx, "outbox")
	require.NoError(t, err)
	require.Equal(t, 1, n2)

	// A staff to-do for an unanswered request names the task and never
	// blames the worker; a retry writes it once.
	todo := activities.StaffTodo{Key: "task/" + task.ID + "/step/2/todo", Kind: activities.TodoTaskUnanswered, WorkerID: r.workerID, TaskID: task.ID}
	require.NoError(t, r.a.CreateStaffTodo(ctx, todo))
	require.NoError(t, r.a.CreateStaffTodo(ctx, todo))
	todos := r.tasks(t)
	require.Len(t, todos, 1)
	require.Contains(t, todos[0].Body, task.ID)
	require.Contains(t, todos[0].Body, "急かさず")
}
