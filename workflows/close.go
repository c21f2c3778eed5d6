package workflows

import (
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The monthly close workflow's contract.
//
// Task queue: the one the worker process polls (IPPO_TASK_QUEUE).
// Workflow ID: the Temporal Schedule MonthlyCloseScheduleID(queue) starts it
// as MonthlyCloseWorkflowID(queue) (Temporal appends the scheduled time);
// a close staff ask for is ManualCloseWorkflowID(queue, month).
// Input: MonthlyCloseInput; result: MonthlyCloseResult.
// No signals, updates or queries: staff follow a close in PostgreSQL
// (GET /api/v1/closes). Its history holds months, counts and worker IDs
// (page cursors) only.
//
// It closes a page of workers per activity (ClosePage, which heartbeats),
// so 12,000 workers are 24 activities, and continues as new every
// maxClosePagesPerRun pages, so the history stays small at any size. Each
// page is idempotent, so a retried page or a rerun close changes nothing.
const (
	MonthlyCloseWorkflow = "MonthlyClose"
)

// MonthlyCloseScheduleID is the Temporal Schedule that closes each month,
// one per task queue, so installations (and end-to-end tests) sharing a
// Temporal namespace do not collide.
func MonthlyCloseScheduleID(taskQueue string) string { return "monthly-close/" + taskQueue }

// MonthlyCloseWorkflowID is the ID the schedule starts closes with.
func MonthlyCloseWorkflowID(taskQueue string) string { return "monthly-close/" + taskQueue }

// ManualCloseWorkflowID is the ID of a close of month m that staff asked
// for: one such close of a month runs at a time.
func ManualCloseWorkflowID(taskQueue string, m ippo.YearMonth) string {
	return "monthly-close/" + taskQueue + "/" + m.String()
}

// MonthlyCloseInput starts a close, or continues one (Continued set).
type MonthlyCloseInput struct {
	// Clock is the installation's program clock: under IPPO_MONTH_LENGTH
	// the month that just ended is a program month.
	Clock ippo.Clock
	// Month, when set, closes that month only (a close staff asked for);
	// otherwise the close takes every month that has ended and is not
	// closed yet (normally the one that just ended).
	Month ippo.YearMonth `json:",omitzero"`

	// Continuation after continue-as-new: the months still to close (the
	// first in progress, begun or not), the page cursor, and the totals.
	Continued bool             `json:",omitempty"`
	Months    []ippo.YearMonth `json:",omitempty"`
	Begun     bool             `json:",omitempty"`
	After     string           `json:",omitempty"`
	Totals    MonthlyCloseResult
}

// MonthlyCloseResult says what a close did, summed over its pages.
type MonthlyCloseResult struct {
	Months []ippo.YearMonth
	Pages  int
	activities.ClosePageResult
}

// maxClosePagesPerRun bounds one run's history (about six events a page).
const maxClosePagesPerRun = 200

// closePageSize is how many workers a ClosePage activity closes.
const closePageSize = activities.DefaultClosePageSize

// scheduledStartTime is set by Temporal on workflows a Schedule starts.
var scheduledStartTime = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// A page renders and stores up to closePageSize emails; it heartbeats after
// each worker. Retries are unlimited: PostgreSQL and SendGrid outages are
// waited out, and every step of a page is idempotent. The wait between tries
// scales with a compressed clock (activities.RetryCeiling), so statements
// follow a SendGrid outage by program hours, not by five real minutes.
// (Retry options are not part of a history's commands: replay is unchanged.)
func closePageOptions(clock ippo.Clock) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 15 * time.Minute,
		HeartbeatTimeout:    2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    min(time.Second, activities.RetryCeiling(clock)),
			BackoffCoefficient: 2,
			MaximumInterval:    activities.RetryCeiling(clock),
		},
	}
}

// clockOptions are activityOptions whose wait between tries follows the
// program clock (activities.RetryCeiling): the close's and the report's
// short PostgreSQL steps follow an outage by program hours on a compressed
// clock, not by five real minutes. (Retry options are not part of a
// history's commands: replay is unchanged.)
func clockOptions(clock ippo.Clock) workflow.ActivityOptions {
	o := activityOptions
	p := *o.RetryPolicy
	p.MaximumInterval = activities.RetryCeiling(clock)
	p.InitialInterval = min(p.InitialInterval, p.MaximumInterval)
	o.RetryPolicy = &p
	return o
}

// MonthlyClose closes months: for each worker whose contract covered a day
// of the month, the figures, the statement (written once), the statement
// email (queued for the dispatcher, changeCloseOutbox), and below the
// target a kind schedule review suggestion and a staff to-do. Which month "just ended" is decided on the program clock at the
// scheduled time, so a compressed month closes too.
func MonthlyClose(ctx workflow.Context, in MonthlyCloseInput) (MonthlyCloseResult, error) {
	res := in.Totals
	months, after, begun := in.Months, in.After, in.Begun
	short := workflow.WithActivityOptions(ctx, clockOptions(in.Clock))
	if !in.Continued {
		if in.Month != (ippo.YearMonth{}) {
			months = []ippo.YearMonth{in.Month}
		} else {
			at := workflow.Now(ctx)
			if t, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartTime); ok && !t.IsZero() {
				at = t // a late start (a catch-up after an outage) still closes the month that had just ended
			}
			upTo := in.Clock.Today(at).YearMonth().Prev()
			if err := workflow.ExecuteActivity(short, a.PendingCloseMonths, upTo).Get(ctx, &months); err != nil {
				return res, err
			}
		}
		res.Months = months
	}
	dispatch := workflow.GetVersion(ctx, changeCloseOutbox, workflow.DefaultVersion, 1) == 1
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	pages := 0
	for len(months) > 0 {
		m := months[0]
		if !begun {
			if err := workflow.ExecuteActivity(short, a.BeginClose, activities.CloseStart{Month: m, WorkflowID: id}).Get(ctx, nil); err != nil {
				return res, err
			}
			begun = true
		}
		for {
			var r activities.ClosePageResult
			page := workflow.WithActivityOptions(ctx, closePageOptions(in.Clock))
			err := workflow.ExecuteActivity(page, a.ClosePage, activities.ClosePageInput{
				Month: m, After: after, Limit: closePageSize, Dispatch: dispatch,
			}).Get(ctx, &r)
			if err != nil {
				return res, err
			}
			res.Add(r)
			res.Pages++
			pages++
			if r.Done {
				break
			}
			after = r.Last
			if pages >= maxClosePagesPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
				return res, workflow.NewContinueAsNewError(ctx, MonthlyCloseWorkflow, MonthlyCloseInput{
					Clock: in.Clock, Month: in.Month, Continued: true, Months: months, Begun: true, After: after, Totals: res,
				})
			}
		}
		if err := workflow.ExecuteActivity(short, a.FinishClose, m).Get(ctx, nil); err != nil {
			return res, err
		}
		workflow.GetLogger(ctx).Info("month closed", "month", m.String(), "workers_so_far", res.Workers, "failed_so_far", res.Failed)
		months, after, begun = months[1:], "", false
	}
	return res, nil
}
