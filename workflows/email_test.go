package workflows_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
)

// TestEmailWorkflow: a resend or an alert runs its activity until SendGrid
// takes the email (a retryable failure is retried with backoff), and an
// input naming neither or both is refused.
func TestEmailWorkflow(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       workflows.EmailInput
		activity string
		wantErr  bool
	}{
		{name: "resend", in: workflows.EmailInput{OutboxID: "e-1"}, activity: "DeliverEmail"},
		{name: "alert", in: workflows.EmailInput{Alert: &activities.StaffAlert{OutboxID: "e-1", Status: ippo.EmailBounced}}, activity: "AlertStaff"},
		{name: "neither", in: workflows.EmailInput{}, wantErr: true},
		{name: "both", in: workflows.EmailInput{OutboxID: "e-1", Alert: &activities.StaffAlert{OutboxID: "e-1"}}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := patient(s.NewTestWorkflowEnvironment())
			calls := map[string]int{}
			answer := func(name string) func(context.Context) (activities.NoticeResult, error) {
				return func(context.Context) (activities.NoticeResult, error) {
					calls[name]++
					if calls[name] < 3 {
						return activities.NoticeResult{}, errors.New("sendgrid: retryable failure: status 503")
					}
					return activities.NoticeResult{OutboxID: "e-1", Status: ippo.EmailSent}, nil
				}
			}
			env.RegisterActivityWithOptions(func(ctx context.Context, _ string) (activities.NoticeResult, error) {
				return answer("DeliverEmail")(ctx)
			}, activity.RegisterOptions{Name: "DeliverEmail"})
			env.RegisterActivityWithOptions(func(ctx context.Context, _ activities.StaffAlert) (activities.NoticeResult, error) {
				return answer("AlertStaff")(ctx)
			}, activity.RegisterOptions{Name: "AlertStaff"})

			env.ExecuteWorkflow(workflows.Email, tc.in)
			require.True(t, env.IsWorkflowCompleted())
			if tc.wantErr {
				require.Error(t, env.GetWorkflowError())
				require.Empty(t, calls)
				return
			}
			require.NoError(t, env.GetWorkflowError())
			var res activities.NoticeResult
			require.NoError(t, env.GetWorkflowResult(&res))
			require.Equal(t, ippo.EmailSent, res.Status)
			require.Equal(t, map[string]int{tc.activity: 3}, calls, "retried until it went, then not again")
		})
	}
}
