package ippo

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func d(s string) Date {
	x, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return x
}

func TestAddMonthsCivil(t *testing.T) {
	cases := []struct {
		start  string
		months int
		want   string
	}{
		{"2026-04-01", 6, "2026-09-30"}, // the spec's example
		{"2026-08-31", 6, "2027-02-28"}, // no 2027-02-31: the month's last day
		{"2027-08-31", 6, "2028-02-29"}, // leap year
		{"2027-08-29", 6, "2028-02-28"}, // 2028-02-29 exists: the day before it
		{"2026-08-30", 6, "2027-02-28"}, // no 2027-02-30
		{"2026-08-29", 6, "2027-02-28"}, // no 2027-02-29
		{"2026-10-01", 3, "2026-12-31"}, // the first extension of the spec's example
		{"2026-11-30", 3, "2027-02-28"}, // no 2027-02-30
		{"2027-03-01", 3, "2027-05-31"},
		{"2026-12-15", 3, "2027-03-14"}, // across a year
		{"2026-01-31", 1, "2026-02-28"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2026-03-31", 1, "2026-04-30"},
		{"2026-10-01", -6, "2026-03-31"}, // backwards, as eligibility counts months
	}
	for _, c := range cases {
		require.Equal(t, c.want, AddMonthsCivil(d(c.start), c.months).String(), "%s + %d months", c.start, c.months)
	}
}

func TestParseDateRefusesNonDates(t *testing.T) {
	for _, s := range []string{"2026-02-30", "2026-13-01", "26-01-01", "2026/01/01", "", "2026-1-1"} {
		_, err := ParseDate(s)
		require.Error(t, err, s)
	}
}

func TestDateJSONRoundTrip(t *testing.T) {
	type wrap struct {
		On  Date `json:"on"`
		Off Date `json:"off,omitzero"`
	}
	b, err := json.Marshal(wrap{On: d("2026-04-01")})
	require.NoError(t, err)
	require.JSONEq(t, `{"on":"2026-04-01"}`, string(b))
	var w wrap
	require.NoError(t, json.Unmarshal([]byte(`{"on":"2028-02-29"}`), &w))
	require.Equal(t, Date{2028, 2, 29}, w.On)
	require.Error(t, json.Unmarshal([]byte(`{"on":"2027-02-29"}`), &w))
}

func TestDateArithmetic(t *testing.T) {
	require.Equal(t, "2027-01-01", d("2026-12-31").AddDays(1).String())
	require.Equal(t, 365, d("2026-01-01").DaysUntil(d("2027-01-01")))
	require.Equal(t, -1, d("2026-03-01").DaysUntil(d("2026-02-28")))
	require.True(t, d("2026-03-01").After(d("2026-02-28")))
	require.Equal(t, "2026-02", d("2026-03-01").YearMonth().Prev().String())
	require.Equal(t, "2027-01", YearMonth{2026, 12}.Next().String())
	for n, want := range map[int]string{0: "2026-03", 1: "2026-04", 10: "2027-01", -2: "2026-01", -3: "2025-12", -15: "2024-12", -27: "2023-12"} {
		require.Equal(t, want, YearMonth{2026, 3}.AddMonths(n).String(), "%+d months", n)
	}
	require.Equal(t, "2026-02-28", YearMonth{2026, 2}.Last().String())
	require.Equal(t, "2026年4月1日", d("2026-04-01").Japanese())
}

func TestDateOfIsTokyo(t *testing.T) {
	// 2026-03-31 15:00 UTC is already 2026-04-01 in Tokyo.
	require.Equal(t, "2026-04-01", DateOf(d("2026-03-31").Start().UTC().Add(24*3600e9)).String())
	require.Equal(t, "2026-04-01", DateOf(mustUTC("2026-03-31T15:00:00Z")).String())
	require.Equal(t, "2026-03-31", DateOf(mustUTC("2026-03-31T14:59:59Z")).String())
}
