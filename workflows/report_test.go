package workflows_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

func reportEnv(t *testing.T, w *reportWorld) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := patient(suite.NewTestWorkflowEnvironment())
	env.RegisterWorkflowWithOptions(workflows.MonthlyReport, workflow.RegisterOptions{Name: workflows.MonthlyReportWorkflow})
	w.register(env)
	return env
}

// TestMonthlyReportWaitsForTheClose: started on the first of May, the
// report is for April; it is retried until April's close has finished,
// then sent once.
func TestMonthlyReportWaitsForTheClose(t *testing.T) {
	w := newReportWorld()
	env := reportEnv(t, w)
	env.SetStartTime(day("2026-05-01").Start().Add(9 * time.Hour))
	w.closesAt = map[ippo.YearMonth]int{ym(2026, 4): 3}

	env.ExecuteWorkflow(workflows.MonthlyReportWorkflow, workflows.MonthlyReportInput{})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res activities.NoticeResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, ippo.EmailHeld, res.Status)
	require.Equal(t, []ippo.YearMonth{ym(2026, 4), ym(2026, 4), ym(2026, 4)}, w.asked)
	require.Equal(t, []ippo.YearMonth{ym(2026, 4)}, w.sentMonths())
	require.Equal(t, []string{"EnqueueCityReport", "EnqueueCityReport", "EnqueueCityReport"}, w.by,
		"a report that begins after the change queues its email for the dispatcher, never sends it itself")
}

// TestMonthlyReportCatchesUp: a report that never ran (its schedule firing
// was skipped while an earlier report waited) is sent by the next one,
// before its own month's, and a month already reported is not sent again.
func TestMonthlyReportCatchesUp(t *testing.T) {
	w := newReportWorld(ym(2025, 12), ym(2026, 2), ym(2026, 3), ym(2026, 4))
	w.sent = []ippo.YearMonth{ym(2026, 2)}
	env := reportEnv(t, w)
	env.SetStartTime(day("2026-05-01").Start().Add(9 * time.Hour))

	env.ExecuteWorkflow(workflows.MonthlyReportWorkflow, workflows.MonthlyReportInput{})
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, []ippo.YearMonth{ym(2026, 2), ym(2025, 12), ym(2026, 3), ym(2026, 4)}, w.sentMonths(),
		"December and March caught up, oldest first, then April; February not again")
}

// TestMonthlyReportWaitsAsLongAsItTakes: on a compressed clock, a close
// held up for longer than a month (an outage) is waited for; the report is
// sent once it finishes, never dropped.
func TestMonthlyReportWaitsAsLongAsItTakes(t *testing.T) {
	w := newReportWorld()
	w.closesAt = map[ippo.YearMonth]int{ym(2026, 4): 6}
	env := reportEnv(t, w)
	clock := ippo.Clock{Anchor: day("2026-05-01").Start(), MonthLength: 3 * time.Second}
	env.SetStartTime(clock.Anchor)

	env.ExecuteWorkflow(workflows.MonthlyReportWorkflow, workflows.MonthlyReportInput{Clock: clock})
	require.NoError(t, env.GetWorkflowError(), "asked %d times, after %s", len(w.asked), env.Now().Sub(clock.Anchor))
	require.Equal(t, []ippo.YearMonth{ym(2026, 4)}, w.sentMonths())
	require.Greater(t, env.Now().Sub(clock.Anchor), clock.MonthLength, "it waited longer than a month, as long as the close took")
}
