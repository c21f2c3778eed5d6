package ippo

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func mustUTC(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestClockIdentityWithoutMonthLength(t *testing.T) {
	var c Clock
	now := mustUTC("2026-04-01T01:02:03Z")
	require.Equal(t, now, c.Program(now))
	require.Equal(t, now, c.Real(now))
	require.Equal(t, time.Hour, c.Wait(now, now.Add(time.Hour)))
	require.Zero(t, c.Wait(now, now.Add(-time.Hour)))
}

func TestCompressedClock(t *testing.T) {
	anchor := mustUTC("2026-04-01T00:00:00Z")
	c := Clock{Anchor: anchor, MonthLength: 30 * time.Second} // a program day is one second
	require.Equal(t, anchor.Add(24*time.Hour), c.Program(anchor.Add(time.Second)))
	require.Equal(t, anchor.Add(30*24*time.Hour), c.Program(anchor.Add(30*time.Second)))
	require.Equal(t, anchor.Add(time.Second), c.Real(anchor.Add(24*time.Hour)))
	// A timer set for Real(p) never wakes before p, whatever the rounding.
	for _, p := range []time.Time{
		anchor.Add(7 * time.Hour), anchor.Add(123456789 * time.Nanosecond), anchor.Add(-5 * time.Hour),
		mustUTC("2031-07-15T15:00:00Z"),
	} {
		require.False(t, c.Program(c.Real(p)).Before(p), "program(real(%s))", p)
	}
	require.Equal(t, "2026-04-04", c.Today(anchor.Add(3*time.Second)).String())
}

func TestCompressedClockIsMonotone(t *testing.T) {
	c := Clock{Anchor: mustUTC("2026-01-01T00:00:00Z"), MonthLength: 7 * time.Second}
	prev := c.Program(c.Anchor)
	for i := 1; i < 2000; i++ {
		p := c.Program(c.Anchor.Add(time.Duration(i) * 3 * time.Millisecond))
		require.False(t, p.Before(prev))
		prev = p
	}
}
