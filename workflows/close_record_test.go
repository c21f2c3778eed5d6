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

// closeHistories is where monthly close histories are kept, apart from the
// lifecycle's (TestReplayRecordedHistories replays those as lifecycles).
const closeHistories = "testdata/histories/close"

// TestRecordHistoriesMonthlyClose runs a monthly close on the real Temporal
// dev server (in-memory activities: two months of 1,200 workers) and saves
// its history for TestReplayMonthlyCloseHistories. Like
// TestRecordHistories, it runs only with IPPO_RECORD_HISTORIES=1 (make
// histories).
func TestRecordHistoriesMonthlyClose(t *testing.T) {
	tag := recordingTag(t)
	c := temporaltest.Server(t).Client()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	queue := "record-close-" + uuid.NewString()
	w := &closeWorld{workers: 1200, pending: []ippo.YearMonth{ym(2026, 3), ym(2026, 4)}}
	wk := worker.New(c, queue, worker.Options{})
	wk.RegisterWorkflowWithOptions(workflows.MonthlyClose, workflow.RegisterOptions{Name: workflows.MonthlyCloseWorkflow})
	w.register(wk)
	require.NoError(t, wk.Start())
	defer wk.Stop()

	clock := ippo.Clock{Anchor: time.Now().Truncate(time.Second), MonthLength: 3 * time.Second}
	id := workflows.MonthlyCloseWorkflowID(queue)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue},
		workflows.MonthlyCloseWorkflow, workflows.MonthlyCloseInput{Clock: clock})
	require.NoError(t, err)
	var res workflows.MonthlyCloseResult
	require.NoError(t, run.Get(ctx, &res))
	require.Equal(t, 2400, res.Workers)

	saveHistory(ctx, t, c, id, run.GetRunID(), filepath.Join(closeHistories, tag+"-monthly-close-run1.json"))
}

// TestReplayMonthlyCloseHistories replays every saved monthly close with
// today's code: a change the closes already running would not survive
// fails here (put it behind workflow.GetVersion, see versions.go).
func TestReplayMonthlyCloseHistories(t *testing.T) {
	replayHistories(t, filepath.Join(closeHistories, "*.json"), workflows.MonthlyClose, workflows.MonthlyCloseWorkflow)
}
