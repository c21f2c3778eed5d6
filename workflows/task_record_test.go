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
	queue := "record-task-" + uuid.NewString()
	wk := worker.New(c, queue, worker.Options{})
	wk.RegisterWorkflowWithOptions(workflows.ClientTask, workflow.RegisterOptions{Name: workflows.ClientTaskWorkflow})
	w := &taskWorld{}
	w.register(wk)
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
	update(workflows.UpdateRequestTask, workflows.RequestTask{WorkerIDs: []string{"w1", "w2"}, Actor: "staff:a"})
	update(workflows.UpdateAnswerTask, workflows.AnswerTask{WorkerID: "w1", Actor: "worker"})
	r := update(workflows.UpdateAnswerTask, workflows.AnswerTask{WorkerID: "w2", Accept: true, Actor: "worker"})
	require.Equal(t, ippo.TaskAssigned, r.Status)
	update(workflows.UpdateDeliverTask, workflows.DeliverTask{Output: 12, Quality: 4, Actor: "staff:a"})
	update(workflows.UpdateCloseTask, workflows.TaskStepBy{Actor: "staff:a"})
	require.NoError(t, run.Get(ctx, nil))

	saveHistory(ctx, t, c, id, run.GetRunID(), filepath.Join(taskHistories, tag+"-requested-declined-accepted-delivered-run1.json"))
}

// TestReplayClientTaskHistories replays every saved client task with
// today's code (see versions.go for what to do when it fails).
func TestReplayClientTaskHistories(t *testing.T) {
	replayHistories(t, filepath.Join(taskHistories, "*.json"), workflows.ClientTask, workflows.ClientTaskWorkflow)
}
