package worker_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/ippo-center/ippo/worker"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
)

func TestMain(m *testing.M) {
	code := m.Run()
	temporaltest.Stop()
	os.Exit(code)
}

// In production the close runs at 00:00 on the first of each month in
// Asia/Tokyo; ensuring the schedule again changes nothing.
func TestMonthlyCloseScheduleIsMonthlyInTokyo(t *testing.T) {
	c := temporaltest.Server(t).Client()
	ctx := context.Background()
	queue := "schedules-" + uuid.NewString()
	require.NoError(t, worker.EnsureSchedules(ctx, c, queue, ippo.Clock{}))
	require.NoError(t, worker.EnsureSchedules(ctx, c, queue, ippo.Clock{}), "ensuring twice is harmless")
	h := c.ScheduleClient().GetHandle(ctx, workflows.MonthlyCloseScheduleID(queue))
	t.Cleanup(func() { _ = h.Delete(context.Background()) })
	d, err := h.Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, "Asia/Tokyo", d.Schedule.Spec.TimeZoneName)
	require.NotEmpty(t, d.Info.NextActionTimes)
	for _, next := range d.Info.NextActionTimes {
		local := next.In(ippo.Tokyo)
		require.Equal(t, 1, local.Day(), "%s", local)
		require.Equal(t, 0, local.Hour()*3600+local.Minute()*60+local.Second(), "%s", local)
	}
	action := d.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.Equal(t, workflows.MonthlyCloseWorkflow, action.Workflow)
	require.Equal(t, queue, action.TaskQueue)
	require.Equal(t, ippo.Clock{}, clockOf(t, action))
}

// Under IPPO_MONTH_LENGTH the close runs every month length, and a new
// clock (a restart with another month length) replaces the old one.
func TestMonthlyCloseScheduleFollowsACompressedClock(t *testing.T) {
	c := temporaltest.Server(t).Client()
	ctx := context.Background()
	queue := "schedules-" + uuid.NewString()
	first := ippo.Clock{Anchor: time.Now().Truncate(time.Second), MonthLength: 30 * time.Second}
	require.NoError(t, worker.EnsureSchedules(ctx, c, queue, first))
	h := c.ScheduleClient().GetHandle(ctx, workflows.MonthlyCloseScheduleID(queue))
	t.Cleanup(func() { _ = h.Delete(context.Background()) })
	second := ippo.Clock{Anchor: first.Anchor.Add(time.Minute), MonthLength: time.Minute}
	require.NoError(t, worker.EnsureSchedules(ctx, c, queue, second))

	d, err := h.Describe(ctx)
	require.NoError(t, err)
	require.Len(t, d.Schedule.Spec.Intervals, 1)
	require.Equal(t, time.Minute, d.Schedule.Spec.Intervals[0].Every)
	require.Empty(t, d.Schedule.Spec.Calendars)
	got := clockOf(t, d.Schedule.Action.(*client.ScheduleWorkflowAction))
	require.True(t, second.Anchor.Equal(got.Anchor))
	require.Equal(t, second.MonthLength, got.MonthLength)
}

func clockOf(t *testing.T, a *client.ScheduleWorkflowAction) ippo.Clock {
	t.Helper()
	require.Len(t, a.Args, 1)
	var in workflows.MonthlyCloseInput
	// A schedule's arguments come back as stored: encrypted.
	require.NoError(t, temporaltest.Codec().DataConverter().FromPayload(a.Args[0].(*commonpb.Payload), &in))
	return in.Clock
}
