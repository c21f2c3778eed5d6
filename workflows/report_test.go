package workflows_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// TestMonthlyReportWaitsForTheClose: started on the first of May, the
// report is for April; it is retried until April's close has finished,
// then sent once.
func TestMonthlyReportWaitsForTheClose(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(day("2026-05-01").Start().Add(9 * time.Hour))
	env.RegisterWorkflowWithOptions(workflows.MonthlyReport, workflow.RegisterOptions{Name: workflows.MonthlyReportWorkflow})
	var asked []ippo.YearMonth
	env.RegisterActivityWithOptions(func(_ context.Context, m ippo.YearMonth) (activities.NoticeResult, error) {
		asked = append(asked, m)
		if len(asked) < 3 {
			return activities.NoticeResult{}, temporal.NewApplicationError(activities.ErrMonthNotClosed.Error(), "month_not_closed")
		}
		return activities.NoticeResult{OutboxID: "o", Status: ippo.EmailSent}, nil
	}, activity.RegisterOptions{Name: "SendCityReport"})

	env.ExecuteWorkflow(workflows.MonthlyReportWorkflow, workflows.MonthlyReportInput{})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res activities.NoticeResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, ippo.EmailSent, res.Status)
	require.Equal(t, []ippo.YearMonth{{Year: 2026, Month: 4}, {Year: 2026, Month: 4}, {Year: 2026, Month: 4}}, asked)
}
