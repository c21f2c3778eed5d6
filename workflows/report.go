package workflows

import (
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The monthly report's contract.
//
// Task queue: the worker's. Workflow ID: MonthlyReportWorkflowID(queue),
// started by the Temporal Schedule MonthlyReportScheduleID(queue) on the
// first day of each month at 09:00 Asia/Tokyo (or half a month length
// after each close when IPPO_MONTH_LENGTH compresses time). It waits for
// the month's close and writes the city's report to the outbox once, for
// the worker process's dispatcher to deliver (changeCloseOutbox).
const MonthlyReportWorkflow = "MonthlyReport"

// MonthlyReportScheduleID is the schedule's ID; MonthlyReportWorkflowID the
// ID of the workflow it starts (the server appends the start time).
func MonthlyReportScheduleID(taskQueue string) string { return "monthly-report/" + taskQueue }
func MonthlyReportWorkflowID(taskQueue string) string { return "monthly-report/" + taskQueue }

// MonthlyReportInput names the program clock, and optionally the month
// (zero: the month that ended before the scheduled start).
type MonthlyReportInput struct {
	Clock ippo.Clock
	Month ippo.YearMonth `json:",omitzero"`
}

// reportOptions wait for the close: retried every few seconds at first,
// then every ten minutes (a program day on a compressed clock), for up to
// three days, or most of a month length on a compressed clock, so the wait
// is over before the schedule starts the next report (which would be
// skipped while this one still runs). A close that has not finished by then
// is for staff to look at (GET /api/v1/closes); the next report sends the
// month's once it has.
func reportOptions(clock ippo.Clock) workflow.ActivityOptions {
	every, wait := 10*time.Minute, 72*time.Hour
	if clock.Compressed() {
		every = max(clock.MonthLength/30, time.Second)
		wait = max(clock.MonthLength*4/5, 2*time.Second)
	}
	return workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: wait,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    min(2*time.Second, every),
			BackoffCoefficient: 2,
			MaximumInterval:    every,
		},
	}
}

// reportWaitsAtMost bounds a report's wait for its close only nominally
// (changeReportWaits): ten years, for as long as it takes.
const reportWaitsAtMost = 10 * 365 * 24 * time.Hour

// MonthlyReport emails the city's report for the month that just ended,
// once its close has finished; first it sends the reports of the months
// before it that are closed but were never reported (see
// activities.UnreportedMonths).
func MonthlyReport(ctx workflow.Context, in MonthlyReportInput) (activities.NoticeResult, error) {
	// Reports that began after changeCloseOutbox queue the email for the
	// dispatcher; earlier ones send it themselves.
	send := a.SendCityReport
	if workflow.GetVersion(ctx, changeCloseOutbox, workflow.DefaultVersion, 1) == 1 {
		send = a.EnqueueCityReport
	}
	m := in.Month
	if m == (ippo.YearMonth{}) {
		at := workflow.Now(ctx)
		if t, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartTime); ok && !t.IsZero() {
			at = t
		}
		m = in.Clock.Today(at).YearMonth().Prev()
	}
	short := workflow.WithActivityOptions(ctx, clockOptions(in.Clock))
	if workflow.GetVersion(ctx, changeReportCatchUp, workflow.DefaultVersion, 1) == 1 {
		var missed []ippo.YearMonth
		if err := workflow.ExecuteActivity(short, a.UnreportedMonths, m).Get(ctx, &missed); err != nil {
			return activities.NoticeResult{}, err
		}
		for _, earlier := range missed {
			if err := workflow.ExecuteActivity(short, send, earlier).Get(ctx, nil); err != nil {
				return activities.NoticeResult{}, err
			}
			workflow.GetLogger(ctx).Info("sent a missed city report", "month", earlier.String())
		}
	}
	opts := reportOptions(in.Clock)
	if workflow.GetVersion(ctx, changeReportWaits, workflow.DefaultVersion, 1) == 1 {
		// As long as the close takes (an outage of PostgreSQL or SendGrid
		// can hold it up for longer than a compressed month): firings of
		// the schedule skipped meanwhile are caught up by the next report
		// that runs, which looks back over every closed month.
		opts.ScheduleToCloseTimeout = reportWaitsAtMost
	}
	var res activities.NoticeResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), send, m).Get(ctx, &res)
	return res, err
}
