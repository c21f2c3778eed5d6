package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/workflows"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// EnsureSchedules creates the Temporal Schedules Ippo's workflows run on,
// or brings existing ones up to date (a changed IPPO_MONTH_LENGTH gives the
// close a new clock and interval). It is idempotent: every worker process
// calls it at start, and all converge on the same schedules.
func EnsureSchedules(ctx context.Context, c client.Client, taskQueue string, clock ippo.Clock) error {
	if err := ensureSchedule(ctx, c, MonthlyCloseSchedule(taskQueue, clock)); err != nil {
		return err
	}
	return ensureSchedule(ctx, c, MonthlyReportSchedule(taskQueue, clock))
}

// MonthlyReportSchedule emails the city's report: at 09:00 Asia/Tokyo on
// the first day of every month (the close started at 00:00; the report
// waits for it), or, when IPPO_MONTH_LENGTH compresses time, every month
// length, half a month after each close.
func MonthlyReportSchedule(taskQueue string, clock ippo.Clock) client.ScheduleOptions {
	spec := client.ScheduleSpec{
		Calendars: []client.ScheduleCalendarSpec{{
			Second:     []client.ScheduleRange{{Start: 0}},
			Minute:     []client.ScheduleRange{{Start: 0}},
			Hour:       []client.ScheduleRange{{Start: 9}},
			DayOfMonth: []client.ScheduleRange{{Start: 1}},
			Month:      []client.ScheduleRange{{Start: 1, End: 12}},
			DayOfWeek:  []client.ScheduleRange{{Start: 0, End: 6}},
			Comment:    "the first day of each month, 09:00 Asia/Tokyo",
		}},
		TimeZoneName: "Asia/Tokyo",
	}
	catchup := 28 * 24 * time.Hour
	if clock.Compressed() {
		spec = client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: clock.MonthLength, Offset: clock.MonthLength / 2}}}
		catchup = max(clock.MonthLength, 10*time.Second)
	}
	return client.ScheduleOptions{
		ID:   workflows.MonthlyReportScheduleID(taskQueue),
		Spec: spec,
		Action: &client.ScheduleWorkflowAction{
			ID:        workflows.MonthlyReportWorkflowID(taskQueue),
			Workflow:  workflows.MonthlyReportWorkflow,
			Args:      []any{workflows.MonthlyReportInput{Clock: clock}},
			TaskQueue: taskQueue,
		},
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: catchup,
		Note:          "Ippo's monthly report to the city",
	}
}

// MonthlyCloseSchedule is the schedule that closes each month: at 00:00
// Asia/Tokyo on the first day of every month, or, when IPPO_MONTH_LENGTH
// compresses time, every month length (the close then works out which
// program month has just ended on its own clock). A close still running
// when the next is due makes the next one skip; the close after it catches
// up every month not yet closed.
func MonthlyCloseSchedule(taskQueue string, clock ippo.Clock) client.ScheduleOptions {
	spec := client.ScheduleSpec{
		Calendars: []client.ScheduleCalendarSpec{{
			Second:     []client.ScheduleRange{{Start: 0}},
			Minute:     []client.ScheduleRange{{Start: 0}},
			Hour:       []client.ScheduleRange{{Start: 0}},
			DayOfMonth: []client.ScheduleRange{{Start: 1}},
			Month:      []client.ScheduleRange{{Start: 1, End: 12}},
			DayOfWeek:  []client.ScheduleRange{{Start: 0, End: 6}},
			Comment:    "the first day of each month, 00:00 Asia/Tokyo",
		}},
		TimeZoneName: "Asia/Tokyo",
	}
	// A close that the server could not start on time (an outage) still
	// runs when it is back, within a month.
	catchup := 28 * 24 * time.Hour
	if clock.Compressed() {
		spec = client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: clock.MonthLength}}}
		catchup = max(clock.MonthLength, 10*time.Second) // the server's minimum
	}
	return client.ScheduleOptions{
		ID:   workflows.MonthlyCloseScheduleID(taskQueue),
		Spec: spec,
		Action: &client.ScheduleWorkflowAction{
			ID:        workflows.MonthlyCloseWorkflowID(taskQueue),
			Workflow:  workflows.MonthlyCloseWorkflow,
			Args:      []any{workflows.MonthlyCloseInput{Clock: clock}},
			TaskQueue: taskQueue,
		},
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: catchup,
		Note:          "Ippo's monthly close: statements, fees and utilization for every worker under contract",
	}
}

func ensureSchedule(ctx context.Context, c client.Client, o client.ScheduleOptions) error {
	sc := c.ScheduleClient()
	_, err := sc.Create(ctx, o)
	if err == nil {
		return nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create schedule %s: %w", o.ID, err)
	}
	err = sc.GetHandle(ctx, o.ID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec, s.Action = &o.Spec, o.Action
			if s.Policy == nil {
				s.Policy = &client.SchedulePolicies{}
			}
			s.Policy.Overlap, s.Policy.CatchupWindow = o.Overlap, o.CatchupWindow
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("update schedule %s: %w", o.ID, err)
	}
	return nil
}
