package workflows_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
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
	if os.Getenv("IPPO_RECORD_HISTORIES") == "" {
		t.Skip("set IPPO_RECORD_HISTORIES=1 (make histories) to record new histories")
	}
	c := temporaltest.Server(t).Client()
	tag := os.Getenv("IPPO_HISTORY_TAG")
	if tag == "" {
		tag = time.Now().Format("20060102")
	}
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

	hist := &historypb.History{}
	it := c.GetWorkflowHistory(ctx, id, run.GetRunID(), false, 0)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		hist.Events = append(hist.Events, e)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(closeHistories, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(closeHistories, tag+"-monthly-close-run1.json"), b, 0o644))
}

// TestReplayMonthlyCloseHistories replays every saved monthly close with
// today's code: a change the closes already running would not survive
// fails here (put it behind workflow.GetVersion, see versions.go).
func TestReplayMonthlyCloseHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(closeHistories, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no saved monthly close histories: run `make histories`")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(workflows.MonthlyClose, workflow.RegisterOptions{Name: workflows.MonthlyCloseWorkflow})
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f))
		})
	}
}
