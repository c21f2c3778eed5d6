package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

// TestUnreportedMonths: a report looks back over every closed month
// whose city report was never sent — not at months still open, not at
// months already reported; a month before Ippo's first close is not
// waited for.
func TestUnreportedMonths(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ym := func(y int, m time.Month) ippo.YearMonth { return ippo.YearMonth{Year: y, Month: m} }
	for _, m := range []ippo.YearMonth{ym(2026, 1), ym(2026, 2), ym(2026, 3), ym(2026, 5)} {
		require.NoError(t, f.db.BeginClose(ctx, m, "close"))
		require.NoError(t, f.db.FinishClose(ctx, m))
	}
	require.NoError(t, f.db.BeginClose(ctx, ym(2026, 4), "close")) // still running

	_, err := f.acts.SendCityReport(ctx, ym(2026, 2))
	require.NoError(t, err)
	_, err = f.acts.SendCityReport(ctx, ym(2026, 4))
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, "month_not_closed", appErr.Type())
	require.Contains(t, appErr.Error(), "2026-04", "the error names the month")

	got, err := f.acts.UnreportedMonths(ctx, ym(2026, 5))
	require.NoError(t, err)
	require.Equal(t, []ippo.YearMonth{ym(2026, 1), ym(2026, 3)}, got, "February reported, April open")

	got, err = f.acts.UnreportedMonths(ctx, ym(2026, 6))
	require.NoError(t, err)
	require.Equal(t, []ippo.YearMonth{ym(2026, 1), ym(2026, 3), ym(2026, 5)}, got)

	_, err = f.acts.SendCityReport(ctx, ym(2026, 3))
	require.NoError(t, err)
	got, err = f.acts.UnreportedMonths(ctx, ym(2026, 6))
	require.NoError(t, err)
	require.Equal(t, []ippo.YearMonth{ym(2026, 1), ym(2026, 5)}, got, "a report sent is not sent again")

	_, err = f.acts.SendCityReport(ctx, ym(2025, 12))
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, "month_never_closed", appErr.Type(), "before the first close: nothing to wait for")
	require.True(t, appErr.NonRetryable())
	sent, err := f.db.OutboxStatuses(ctx, []string{activities.CityReportKey(ym(2026, 3))})
	require.NoError(t, err)
	require.Equal(t, ippo.EmailHeld, sent[activities.CityReportKey(ym(2026, 3))], "kept in the outbox without SendGrid")
}

// TestEnqueueCityReport: after the outbox change, the report is written
// once, queued for the dispatcher (the activity sends nothing itself), and
// still waits for its month's close.
func TestEnqueueCityReport(t *testing.T) {
	f := newFixture(t)
	sender := &countingSender{}
	f.acts.Sender = sender
	ctx := context.Background()
	april := ippo.YearMonth{Year: 2026, Month: 4}
	require.NoError(t, f.db.BeginClose(ctx, april, "close"))
	_, err := f.acts.EnqueueCityReport(ctx, april)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, "month_not_closed", appErr.Type())
	require.NoError(t, f.db.FinishClose(ctx, april))

	for range 2 { // a retry writes nothing twice
		res, err := f.acts.EnqueueCityReport(ctx, april)
		require.NoError(t, err)
		require.Equal(t, activities.OutboxID(activities.CityReportKey(april)), res.OutboxID)
		require.Equal(t, ippo.EmailQueued, res.Status)
	}
	require.Zero(t, sender.total(), "the activity never sends")
	due, err := f.db.ClaimDueEmails(ctx, 10)
	require.NoError(t, err)
	require.Len(t, due, 1, "the dispatcher finds the report due")
	require.Equal(t, activities.CityReportKey(april), due[0].Key)
}
