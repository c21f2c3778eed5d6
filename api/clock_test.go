package api_test

import (
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/stretchr/testify/require"
)

// TestClock: the program's date comes from the server, with how fast the
// program runs when compressed. Both answers are checked against
// themselves (one reading), never against the test's own clock.
func TestClock(t *testing.T) {
	e := newEnv(t)
	read := func() (c map[string]any, real, program time.Time) {
		c = e.json("viewer", "GET", "/api/v1/clock", nil, 200)
		var err error
		real, err = time.Parse(time.RFC3339Nano, c["real_time"].(string))
		require.NoError(t, err)
		program, err = time.Parse(time.RFC3339Nano, c["program_time"].(string))
		require.NoError(t, err)
		require.Equal(t, ippo.DateOf(program).String(), c["today"], "today is the program instant's date in Tokyo")
		return c, real, program
	}

	c, real, program := read()
	require.Equal(t, false, c["compressed"])
	require.NotContains(t, c, "month_length")
	require.True(t, real.Equal(program), "uncompressed, program time is real time")
	e.json("", "GET", "/api/v1/clock", nil, 401)

	anchor := time.Now().Add(-24 * time.Hour)
	e.srv.Start(ippo.Clock{Anchor: anchor, MonthLength: 3 * time.Second})
	c, real, program = read()
	require.Equal(t, true, c["compressed"])
	require.Equal(t, "3s", c["month_length"])
	require.Equal(t, "100ms", c["day_length"])
	require.True(t, program.After(real.AddDate(10, 0, 0)), "a day of real time is 864,000 program days")
}

// TestPolicyFromToday: without effective_from a policy version is in force
// from the server's today, so a client on a compressed clock never sends a
// date that has just passed.
func TestPolicyFromToday(t *testing.T) {
	e := newEnv(t)
	current := e.json("viewer", "GET", "/api/v1/policy", nil, 200)["in_force"].(map[string]any)
	current["capacity"] = 70
	st := e.json("admin", "PUT", "/api/v1/policy", map[string]any{"policy": current}, 200)
	versions := st["versions"].([]any)
	last := versions[len(versions)-1].(map[string]any)
	// The server read its today when it took the version and again when it
	// answered: the same day, or the day before if midnight fell between.
	today, err := ippo.ParseDate(st["today"].(string))
	require.NoError(t, err)
	require.Contains(t, []any{today.String(), today.AddDays(-1).String()}, last["effective_from"])
	require.EqualValues(t, 70, st["in_force"].(map[string]any)["capacity"])
}
