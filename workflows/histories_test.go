package workflows_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Saved histories are the record of what running workflows did: they are
// added to (make histories, after a versioned change), never rewritten, and
// every one is replayed with today's code.

// recordingTag skips the test unless IPPO_RECORD_HISTORIES=1 (make
// histories), and returns the tag new files are named with
// (IPPO_HISTORY_TAG, or today's date).
func recordingTag(t *testing.T) string {
	t.Helper()
	if os.Getenv("IPPO_RECORD_HISTORIES") == "" {
		t.Skip("set IPPO_RECORD_HISTORIES=1 (make histories) to record new histories")
	}
	if tag := os.Getenv("IPPO_HISTORY_TAG"); tag != "" {
		return tag
	}
	return time.Now().Format("20060102")
}

// saveHistory writes the history of one run to file, and returns it.
func saveHistory(ctx context.Context, t *testing.T, c client.Client, workflowID, runID, file string) *historypb.History {
	t.Helper()
	hist := &historypb.History{}
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, 0)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		hist.Events = append(hist.Events, e)
	}
	// Saved decrypted, so a reviewer can read what a run did; the
	// replayer takes plain and encrypted payloads alike.
	require.NoError(t, proxy.VisitPayloads(ctx, hist, proxy.VisitPayloadsOptions{
		Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			return temporaltest.Codec().Decode(ps)
		},
	}))
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
	require.NoError(t, os.WriteFile(file, b, 0o644))
	return hist
}

// replayHistories replays every history matching pattern against wf,
// registered as name. A change the running workflows would not survive
// fails here: put it behind workflow.GetVersion (versions.go).
func replayHistories(t *testing.T, pattern string, wf any, name string) {
	t.Helper()
	files, err := filepath.Glob(pattern)
	require.NoError(t, err)
	require.NotEmpty(t, files, "no saved histories match %s: run `make histories`", pattern)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			codec := temporaltest.Codec()
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				DataConverter: codec.DataConverter(), FailureConverter: codec.FailureConverter(),
			})
			require.NoError(t, err)
			r.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: name})
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f))
		})
	}
}
