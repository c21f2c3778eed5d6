package workflows

import (
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/stretchr/testify/require"
)

// The close's and the report's short steps wait between tries as long as
// the program clock says (a few program hours), not five real minutes on a
// three-second month; on the real calendar, as every activity does.
func TestClockOptionsFollowTheProgramClock(t *testing.T) {
	compressed := ippo.Clock{Anchor: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), MonthLength: 3 * time.Second}
	o := clockOptions(compressed)
	require.Equal(t, activities.RetryCeiling(compressed), o.RetryPolicy.MaximumInterval)
	require.Less(t, o.RetryPolicy.MaximumInterval, activityOptions.RetryPolicy.MaximumInterval)
	require.LessOrEqual(t, o.RetryPolicy.InitialInterval, o.RetryPolicy.MaximumInterval)
	require.Equal(t, 5*time.Minute, activityOptions.RetryPolicy.MaximumInterval, "the shared options are not changed")

	real := clockOptions(ippo.Clock{})
	require.Equal(t, activityOptions.RetryPolicy.MaximumInterval, real.RetryPolicy.MaximumInterval)
	require.Equal(t, activityOptions.StartToCloseTimeout, real.StartToCloseTimeout)
}
