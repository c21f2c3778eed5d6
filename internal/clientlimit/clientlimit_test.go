package clientlimit

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

func TestBudgetPerClientAndWindow(t *testing.T) {
	l := New(3, time.Minute, 100)
	for i := range 3 {
		require.True(t, l.Allow("10.0.0.1", t0), "request %d", i)
	}
	require.False(t, l.Allow("10.0.0.1", t0))
	require.True(t, l.Over("10.0.0.1", t0))
	require.True(t, l.Allow("10.0.0.2", t0), "each client has its own count")
	require.False(t, l.Over("10.0.0.1", t0.Add(time.Minute)), "a new window")
	require.True(t, l.Allow("10.0.0.1", t0.Add(time.Minute)))
}

// TestAFloodOfAddressesCannotStopTheCounting: the old limiter stopped
// counting new clients after 10,000; here a client that keeps sending is
// counted however many other addresses appear.
func TestAFloodOfAddressesCannotStopTheCounting(t *testing.T) {
	l := New(5, time.Minute, 100)
	for i := range 10_000 {
		l.Allow(fmt.Sprintf("flood-%d", i), t0)
		if i%50 == 0 {
			l.Allow("attacker", t0)
		}
	}
	require.Equal(t, 100, l.Len(), "bounded")
	require.False(t, l.Allow("attacker", t0), "still counted: over its budget")
	require.True(t, l.Allow("newcomer", t0), "a new client still gets its budget")
	for range 4 {
		l.Allow("newcomer", t0)
	}
	require.False(t, l.Allow("newcomer", t0), "and a client first seen after the flood is counted too")
}

func TestAddAndOverCountWithoutAsking(t *testing.T) {
	l := New(2, time.Minute, 10)
	require.False(t, l.Over("a", t0))
	l.Add("a", t0)
	require.False(t, l.Over("a", t0))
	l.Add("a", t0)
	require.True(t, l.Over("a", t0))
	require.False(t, l.Over("a", t0.Add(time.Minute)))
}
