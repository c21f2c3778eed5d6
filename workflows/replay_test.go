package workflows_test

import (
	"path/filepath"
	"testing"

	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayRecordedHistories replays every history saved under
// testdata/histories with today's code. A change to the workflow that
// running lifecycles would not survive fails here: put it behind
// workflow.GetVersion (versions.go).
func TestReplayRecordedHistories(t *testing.T) {
	replayHistories(t, "testdata/histories/*.json", workflows.Lifecycle, workflows.LifecycleWorkflow)
}

// TestReplayDetectsAnUnversionedChange proves the replay test can fail: a
// history replayed against a different workflow does not pass.
func TestReplayDetectsAnUnversionedChange(t *testing.T) {
	files, _ := filepath.Glob("testdata/histories/*.json")
	require.NotEmpty(t, files)
	r := worker.NewWorkflowReplayer()
	changed := func(ctx workflow.Context, in workflows.LifecycleInput) error {
		return workflow.Sleep(ctx, 1) // not what the history recorded
	}
	r.RegisterWorkflowWithOptions(changed, workflow.RegisterOptions{Name: workflows.LifecycleWorkflow})
	require.Error(t, r.ReplayWorkflowHistoryFromJSONFile(nil, files[0]))
}
