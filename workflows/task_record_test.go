package workflows_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// taskHistories is where client task histories are kept.
const taskHistories = "testdata/histories/task"

// TestRecordHistoriesClientTask runs a client task on the real Temporal dev
// server (in-memory activities) through two requests, a decline, an
// acceptance, a delivery and the close, and saves its history for
// TestReplayClientTaskHistories. It runs only with IPPO_RECORD_HISTORIES=1
// (make histories).
func TestRecordHistoriesClientTask(t *testing.T) {
	tag := recordingTag(t)
	c := temporaltest.Server(t).Client()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id, runID := runClientTask(ctx, t, c)
	saveHistory(ctx, t, c, id, runID, filepath.Join(taskHistories, tag+"-requested-declined-accepted-delivered-run1.json"))
}

// TestRecordHistoriesClientTaskCancelled records a task asked of two
// workers, declined by one and cancelled while the other still waits (who
// is told it was called off, changeCancelTells), for
// TestReplayClientTaskHistories. It runs only with IPPO_RECORD_HISTORIES=1.
func TestRecordHistoriesClientTaskCancelled(t *testing.T) {
	tag := recordingTag(t)
	c := temporaltest.Server(t).Client()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id, runID := startClientTask(ctx, t, c, func(update func(string, any) workflows.TaskResult) {
		update(workflows.UpdateRequestTask, workflows.RequestTask{WorkerIDs: []string{"w1", "w2"}, Actor: "staff:a"})
		update(workflows.UpdateAnswerTask, workflows.AnswerTask{WorkerID: "w1", Actor: "worker"})
		r := update(workflows.UpdateCancelTask, workflows.TaskStepBy{Actor: "staff:a"})
		require.Equal(t, ippo.TaskCancelled, r.Status)
	})
	saveHistory(ctx, t, c, id, runID, filepath.Join(taskHistories, tag+"-requested-declined-cancelled-run1.json"))
}

// runClientTask runs a client task on the server (in-memory activities)
// through two requests, a decline, an acceptance, a delivery and the close,
// and returns its workflow and run IDs.
func runClientTask(ctx context.Context, t *testing.T, c client.Client) (string, string) {
	t.Helper()
	return startClientTask(ctx, t, c, func(update func(string, any) workflows.TaskResult) {
		update(workflows.UpdateRequestTask, workflows.RequestTask{WorkerIDs: []string{"w1", "w2"}, Actor: "staff:a"})
		update(workflows.UpdateAnswerTask, workflows.AnswerTask{WorkerID: "w1", Actor: "worker"})
		r := update(workflows.UpdateAnswerTask, workflows.AnswerTask{WorkerID: "w2", Accept: true, Actor: "worker"})
		require.Equal(t, ippo.TaskAssigned, r.Status)
		update(workflows.UpdateDeliverTask, workflows.DeliverTask{Output: 12, Quality: 4, Actor: "staff:a"})
		update(workflows.UpdateCloseTask, workflows.TaskStepBy{Actor: "staff:a"})
	})
}

// startClientTask starts a client task on the server (in-memory
// activities), takes the steps, waits for the workflow to end and returns
// its workflow and run IDs.
func startClientTask(ctx context.Context, t *testing.T, c client.Client, steps func(update func(string, any) workflows.TaskResult)) (string, string) {
	t.Helper()
	queue := "record-task-" + uuid.NewString()
	wk := worker.New(c, queue, worker.Options{})
	wk.RegisterWorkflowWithOptions(workflows.ClientTask, workflow.RegisterOptions{Name: workflows.ClientTaskWorkflow})
	w := newWorld()
	w.registerActivities(wk)
	require.NoError(t, wk.Start())
	defer wk.Stop()

	clock := ippo.Clock{Anchor: time.Now().Truncate(time.Second), MonthLength: 30 * time.Second}
	taskID := uuid.NewString()
	id := workflows.ClientTaskWorkflowID(taskID)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, workflows.ClientTaskWorkflow,
		workflows.ClientTaskInput{TaskID: taskID, Due: clock.Today(time.Now()).AddDays(20), Clock: clock})
	require.NoError(t, err)
	update := func(name string, arg any) workflows.TaskResult {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: name, Args: []any{arg},
			WaitForStage: client.WorkflowUpdateStageCompleted})
		require.NoError(t, err)
		var r workflows.TaskResult
		require.NoError(t, h.Get(ctx, &r))
		return r
	}
	steps(update)
	require.NoError(t, run.Get(ctx, nil))
	return id, run.GetRunID()
}

// TestTaskStepCosts pins what each step of a client task costs on the real
// Temporal dev server with today's code: two workflow tasks and one
// activity task per step — the decision's task, and the one that sees its
// one write done; the write is an activity so that it runs only once the
// decision is recorded (changeDurableEffects), and the request's policy
// read is a local activity. It prints the costs before changeTaskEffects, from
// the history recorded then (v1-issue14-*), where each step and email was
// an activity of its own.
func TestTaskStepCosts(t *testing.T) {
	before := loadHistory(t, filepath.Join(taskHistories, "v1-issue14-requested-declined-accepted-delivered-run1.json"))
	c := temporaltest.Server(t).Client()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id, runID := runClientTask(ctx, t, c)
	h := &historypb.History{}
	it := c.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, e)
	}
	steps := []string{workflows.UpdateRequestTask, workflows.UpdateAnswerTask, workflows.UpdateDeliverTask, workflows.UpdateCloseTask}
	now := map[string]cost{}
	for _, step := range steps {
		old := updateCost(t, before.Events, step, 0)
		now[step] = updateCost(t, h.Events, step, 0)
		t.Logf("%-14s before %+v  now %+v", step, old, now[step])
	}
	require.Equal(t, cost{Tasks: 6, Activities: 5}, updateCost(t, before.Events, workflows.UpdateRequestTask, 0),
		"the measure itself: asking two workers cost 6 tasks and 5 activities before (policy, two steps, two emails)")
	require.Equal(t, map[string]cost{
		workflows.UpdateRequestTask: {Tasks: 2, Activities: 1, Local: 1},
		workflows.UpdateAnswerTask:  {Tasks: 2, Activities: 1},
		workflows.UpdateDeliverTask: {Tasks: 2, Activities: 1},
		workflows.UpdateCloseTask:   {Tasks: 2, Activities: 1},
	}, now)
}

// TestReplayClientTaskHistories replays every saved client task with
// today's code (see versions.go for what to do when it fails).
func TestReplayClientTaskHistories(t *testing.T) {
	replayHistories(t, filepath.Join(taskHistories, "*.json"), workflows.ClientTask, workflows.ClientTaskWorkflow)
}
