package ippo

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// logsOf returns one log of the given minutes on each date.
func logsOn(minutes int, dates ...Date) []WorkLog {
	out := make([]WorkLog, len(dates))
	for i, d := range dates {
		out[i] = WorkLog{Date: d, Minutes: minutes, TaskID: "task-1"}
	}
	return out
}

func april2026(day int) Date   { return NewDate(2026, 4, day) }
func october2025(day int) Date { return NewDate(2025, 10, day) }

// mondays150 declares Monday 10:00–12:30 from 2026-03-01. April 2026 has four
// Mondays (6, 13, 20, 27), so 600 minutes; 80% of it is exactly 480.
var mondays150 = Schedules{{EffectiveFrom: NewDate(2026, 3, 1), Slots: []Slot{weeklySlot(time.Monday, tod(10, 0), tod(12, 30))}}}

func TestCloseMonthUtilization(t *testing.T) {
	wages := DefaultPolicy().Wages
	tests := []struct {
		name     string
		logs     []WorkLog
		actual   int
		permille int
		below    bool
		text     string
	}{
		{"exactly 80% is not below", logsOn(120, april2026(6), april2026(13), april2026(20), april2026(27)), 480, 800, false, "80.0%"},
		{"one minute short of 80% is below", append(logsOn(120, april2026(6), april2026(13), april2026(20)), logsOn(119, april2026(27))...), 479, 798, true, "79.8%"},
		{"one minute over 80%", append(logsOn(120, april2026(6), april2026(13), april2026(20)), logsOn(121, april2026(27))...), 481, 801, false, "80.1%"},
		{"absences lower actual, not theoretical", logsOn(150, april2026(6), april2026(20)), 300, 500, true, "50.0%"},
		{"nothing logged", nil, 0, 0, true, "0.0%"},
		{"more than declared", logsOn(180, april2026(6), april2026(13), april2026(20), april2026(27)), 720, 1200, false, "120.0%"},
		{"work on undeclared days counts as actual", logsOn(120, april2026(1), april2026(2), april2026(3), april2026(4)), 480, 800, false, "80.0%"},
		{"logs of other months are ignored", append(logsOn(120, april2026(6), april2026(13), april2026(20), april2026(27)), logsOn(600, NewDate(2026, 3, 30), NewDate(2026, 5, 4))...), 480, 800, false, "80.0%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := CloseMonth(CloseInput{
				Month: YearMonth{2026, 4}, Schedules: mondays150, ActiveFrom: NewDate(2026, 3, 1),
				Logs: tt.logs, Wages: wages, TargetPercent: 80,
			})
			require.NoError(t, err)
			require.Equal(t, 600, m.TheoreticalMinutes)
			require.Equal(t, tt.actual, m.ActualMinutes)
			require.Equal(t, tt.actual, m.TotalMinutes)
			require.Equal(t, tt.permille, m.UtilizationPermille)
			require.Equal(t, tt.below, m.BelowTarget)
			require.Equal(t, tt.text, m.UtilizationText())
			require.Equal(t, 80, m.TargetPercent)
		})
	}
}

// Rounding the displayed figure down keeps it consistent with BelowTarget:
// 79.96% shows as 79.9%, never as a rounded-up 80.0%.
func TestCloseMonthBelowTargetNeverShowsTarget(t *testing.T) {
	// Mon–Fri 09:00–11:05 (125 minutes) in April 2026: 22 weekdays, 2750
	// minutes; 80% is 2200.
	var slots []Slot
	for wd := time.Monday; wd <= time.Friday; wd++ {
		slots = append(slots, weeklySlot(wd, tod(9, 0), tod(11, 5)))
	}
	in := CloseInput{
		Month: YearMonth{2026, 4}, Schedules: Schedules{{EffectiveFrom: april2026(1), Slots: slots}},
		ActiveFrom: april2026(1), Wages: DefaultPolicy().Wages, TargetPercent: 80,
		Logs: append(logsOn(100, april2026(1), april2026(2), april2026(3), april2026(6), april2026(7), april2026(8), april2026(9), april2026(10), april2026(13), april2026(14), april2026(15),
			april2026(16), april2026(17), april2026(20), april2026(21), april2026(22), april2026(23), april2026(24), april2026(27), april2026(28), april2026(29)), logsOn(99, april2026(30))...),
	}
	m, err := CloseMonth(in)
	require.NoError(t, err)
	require.Equal(t, 2750, m.TheoreticalMinutes)
	require.Equal(t, 2199, m.ActualMinutes) // 79.963…%
	require.Equal(t, 799, m.UtilizationPermille)
	require.Equal(t, "79.9%", m.UtilizationText())
	require.True(t, m.BelowTarget)
}

func TestCloseMonthTheoretical(t *testing.T) {
	changed := Schedules{
		mondays150[0],
		{EffectiveFrom: april2026(15), Slots: []Slot{weeklySlot(time.Monday, tod(10, 0), tod(12, 0)), weeklySlot(time.Thursday, tod(13, 0), tod(14, 0))}},
	}
	tests := []struct {
		name          string
		schedules     Schedules
		from, until   Date
		theoretical   int
		belowOnNoLogs bool
	}{
		{"whole month", mondays150, NewDate(2026, 3, 1), Date{}, 600, true},
		// Joins on Wed 15th: Mondays 20 and 27 only.
		{"joins mid-month", mondays150, april2026(15), Date{}, 300, true},
		{"joins on a declared day, which counts", mondays150, april2026(20), Date{}, 300, true},
		{"joins the day after a declared day", mondays150, april2026(21), Date{}, 150, true},
		{"contract ends mid-month, the last day counts", mondays150, NewDate(2026, 3, 1), april2026(20), 450, true},
		{"contract ends the day before a declared day", mondays150, NewDate(2026, 3, 1), april2026(19), 300, true},
		{"contract ended before the month", mondays150, NewDate(2025, 10, 1), NewDate(2026, 3, 31), 0, false},
		{"contract starts after the month", mondays150, NewDate(2026, 5, 1), Date{}, 0, false},
		{"one-day contract", mondays150, april2026(13), april2026(13), 150, true},
		// Mondays 6, 13 at 150 under v1; from the 15th Mondays 20, 27 at 120
		// and Thursdays 16, 23, 30 at 60.
		{"schedule changes mid-month", changed, NewDate(2026, 3, 1), Date{}, 300 + 240 + 180, true},
		{"schedule change and a mid-month join", changed, april2026(14), Date{}, 240 + 180, true},
		{"first schedule starts mid-month", Schedules{changed[1]}, april2026(1), Date{}, 240 + 180, true},
		{"no schedule at all", nil, april2026(1), Date{}, 0, false},
		{"schedule starts after the month", Schedules{{EffectiveFrom: NewDate(2026, 5, 1), Slots: mondays150[0].Slots}}, april2026(1), Date{}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := CloseMonth(CloseInput{
				Month: YearMonth{2026, 4}, Schedules: tt.schedules, ActiveFrom: tt.from, ActiveUntil: tt.until,
				Wages: DefaultPolicy().Wages, TargetPercent: 80,
			})
			require.NoError(t, err)
			require.Equal(t, tt.theoretical, m.TheoreticalMinutes)
			require.Equal(t, tt.belowOnNoLogs, m.BelowTarget)
			// The close agrees with DeclaredMinutesOn day by day.
			sum := 0
			for d := april2026(1); !d.After(april2026(30)); d = d.AddDays(1) {
				if !d.Before(tt.from) && (tt.until.IsZero() || !d.After(tt.until)) {
					sum += tt.schedules.DeclaredMinutesOn(d)
				}
			}
			require.Equal(t, sum, m.TheoreticalMinutes)
		})
	}
}

func TestCloseMonthZeroSlots(t *testing.T) {
	m, err := CloseMonth(CloseInput{
		Month: YearMonth{2026, 4}, ActiveFrom: april2026(1),
		Logs: logsOn(90, april2026(8)), Wages: DefaultPolicy().Wages, TargetPercent: 80,
	})
	require.NoError(t, err)
	require.Equal(t, 0, m.TheoreticalMinutes)
	require.Equal(t, 90, m.ActualMinutes)
	require.Equal(t, 0, m.UtilizationPermille)
	require.False(t, m.BelowTarget, "no theoretical minutes is never below target")
	require.Equal(t, "-", m.UtilizationText())
	require.Equal(t, []FeeLine{{From: april2026(1), To: april2026(30), RateYen: 1225, Minutes: 90, AmountYen: 1837}}, m.Lines) // 1.5 h × 1225 = 1837.5
	require.Equal(t, 1837, m.TotalYen)
	require.Equal(t, 1837, m.PayableYen)

	empty, err := CloseMonth(CloseInput{Month: YearMonth{2026, 4}, ActiveFrom: april2026(1), Wages: DefaultPolicy().Wages, TargetPercent: 80})
	require.NoError(t, err)
	require.Equal(t, MonthFigures{Month: YearMonth{2026, 4}, TargetPercent: 80, Lines: []FeeLine{}, LateLines: []LateLine{}}, empty)
	b, err := json.Marshal(empty)
	require.NoError(t, err)
	require.JSONEq(t, `{"month":"2026-04","theoretical_minutes":0,"actual_minutes":0,"utilization_permille":0,"target_percent":80,
		"below_target":false,"lines":[],"total_minutes":0,"total_yen":0,"late_lines":[],"late_minutes":0,"late_yen":0,"payable_yen":0}`, string(b))
}

// October 2025 in Kanagawa: ¥1,162 until the 3rd, ¥1,225 from the 4th.
func TestCloseMonthOctober2025Split(t *testing.T) {
	mwf := Schedules{{EffectiveFrom: NewDate(2025, 4, 1), Slots: []Slot{
		weeklySlot(time.Monday, tod(10, 0), tod(12, 0)),
		weeklySlot(time.Wednesday, tod(10, 0), tod(12, 0)),
		weeklySlot(time.Friday, tod(10, 0), tod(12, 0)),
	}}}
	// 2025-10-01 is a Wednesday: 14 Mon/Wed/Fri in October, 1680 minutes.
	// Two days off (15th, 22nd) are simply missing from the logs.
	logs := logsOn(120, october2025(1), october2025(3), // 4 h at ¥1,162 = ¥4,648
		october2025(6), october2025(8), october2025(10), october2025(13), october2025(17), october2025(20),
		october2025(24), october2025(27), october2025(29), october2025(31)) // 20 h at ¥1,225 = ¥24,500
	m, err := CloseMonth(CloseInput{
		Month: YearMonth{2025, 10}, Schedules: mwf, ActiveFrom: NewDate(2025, 4, 1),
		Logs: logs, Wages: DefaultPolicy().Wages, TargetPercent: 80,
	})
	require.NoError(t, err)
	require.Equal(t, []FeeLine{
		{From: october2025(1), To: october2025(3), RateYen: 1162, Minutes: 240, AmountYen: 4648},
		{From: october2025(4), To: october2025(31), RateYen: 1225, Minutes: 1200, AmountYen: 24500},
	}, m.Lines)
	require.Equal(t, 1440, m.TotalMinutes)
	require.Equal(t, 29148, m.TotalYen)
	require.Equal(t, 1680, m.TheoreticalMinutes)
	require.Equal(t, 1440, m.ActualMinutes)
	require.Equal(t, 857, m.UtilizationPermille) // 85.71…%
	require.False(t, m.BelowTarget)
}

func TestCloseMonthFeeLines(t *testing.T) {
	kanagawa := DefaultPolicy().Wages
	tests := []struct {
		name  string
		month YearMonth
		wages WageTable
		logs  []WorkLog
		lines []FeeLine
		total int
		// The contract (from zero: since 2024, still running).
		from, until Date
	}{
		{
			name: "a contract inside the month: its days, not the rate's month", month: YearMonth{2025, 12}, wages: kanagawa,
			from: NewDate(2025, 12, 14), until: NewDate(2025, 12, 26),
			logs:  logsOn(60, NewDate(2025, 12, 15)),
			lines: []FeeLine{{From: NewDate(2025, 12, 14), To: NewDate(2025, 12, 26), RateYen: 1225, Minutes: 60, AmountYen: 1225}},
			total: 1225,
		},
		{
			name: "a contract that starts mid-month and goes on", month: YearMonth{2025, 12}, wages: kanagawa,
			from:  NewDate(2025, 12, 14),
			logs:  logsOn(60, NewDate(2025, 12, 15)),
			lines: []FeeLine{{From: NewDate(2025, 12, 14), To: NewDate(2025, 12, 31), RateYen: 1225, Minutes: 60, AmountYen: 1225}},
			total: 1225,
		},
		{
			name: "a contract that ends mid-month across a wage change", month: YearMonth{2025, 10}, wages: kanagawa,
			from: NewDate(2025, 4, 1), until: NewDate(2025, 10, 20),
			logs: logsOn(60, october2025(2), october2025(20)),
			lines: []FeeLine{
				{From: october2025(1), To: october2025(3), RateYen: 1162, Minutes: 60, AmountYen: 1162},
				{From: october2025(4), To: october2025(20), RateYen: 1225, Minutes: 60, AmountYen: 1225},
			},
			total: 2387,
		},
		{
			name: "a log outside the contract days widens its line to it", month: YearMonth{2025, 12}, wages: kanagawa,
			from: NewDate(2025, 12, 14), until: NewDate(2025, 12, 26),
			logs:  logsOn(60, NewDate(2025, 12, 28)),
			lines: []FeeLine{{From: NewDate(2025, 12, 14), To: NewDate(2025, 12, 28), RateYen: 1225, Minutes: 60, AmountYen: 1225}},
			total: 1225,
		},
		{
			name: "logs only before the change: one line", month: YearMonth{2025, 10}, wages: kanagawa,
			logs:  logsOn(60, october2025(2)),
			lines: []FeeLine{{From: october2025(1), To: october2025(3), RateYen: 1162, Minutes: 60, AmountYen: 1162}},
			total: 1162,
		},
		{
			name: "logs only after the change: one line", month: YearMonth{2025, 10}, wages: kanagawa,
			logs:  logsOn(60, october2025(4)),
			lines: []FeeLine{{From: october2025(4), To: october2025(31), RateYen: 1225, Minutes: 60, AmountYen: 1225}},
			total: 1225,
		},
		{
			name: "the last day at the old rate and the first at the new", month: YearMonth{2025, 10}, wages: kanagawa,
			logs: logsOn(30, october2025(3), october2025(4)),
			lines: []FeeLine{
				{From: october2025(1), To: october2025(3), RateYen: 1162, Minutes: 30, AmountYen: 581},
				{From: october2025(4), To: october2025(31), RateYen: 1225, Minutes: 30, AmountYen: 612}, // 612.5 → 612
			},
			total: 1193,
		},
		{
			name: "a month with no change", month: YearMonth{2025, 9}, wages: kanagawa,
			logs:  logsOn(60, NewDate(2025, 9, 1), NewDate(2025, 9, 30)),
			lines: []FeeLine{{From: NewDate(2025, 9, 1), To: NewDate(2025, 9, 30), RateYen: 1162, Minutes: 120, AmountYen: 2324}},
			total: 2324,
		},
		{
			name: "a change on the 1st gives one line", month: YearMonth{2024, 10}, wages: kanagawa,
			logs:  logsOn(60, NewDate(2024, 10, 1)),
			lines: []FeeLine{{From: NewDate(2024, 10, 1), To: NewDate(2024, 10, 31), RateYen: 1162, Minutes: 60, AmountYen: 1162}},
			total: 1162,
		},
		{
			name: "floor per line, not per log: 3 × 1 minute at ¥1,162 is ¥58 (58.1), not 3 × ¥19", month: YearMonth{2025, 9}, wages: kanagawa,
			logs:  logsOn(1, NewDate(2025, 9, 1), NewDate(2025, 9, 2), NewDate(2025, 9, 3)),
			lines: []FeeLine{{From: NewDate(2025, 9, 1), To: NewDate(2025, 9, 30), RateYen: 1162, Minutes: 3, AmountYen: 58}},
			total: 58,
		},
		{
			name: "fractions of a yen are dropped: 7 minutes at ¥1,225 is ¥142 (142.9)", month: YearMonth{2025, 11}, wages: kanagawa,
			logs:  logsOn(7, NewDate(2025, 11, 5)),
			lines: []FeeLine{{From: NewDate(2025, 11, 1), To: NewDate(2025, 11, 30), RateYen: 1225, Minutes: 7, AmountYen: 142}},
			total: 142,
		},
		{
			name: "the same rate twice is one line", month: YearMonth{2026, 1},
			wages: WageTable{{From: NewDate(2025, 10, 4), Yen: 1225}, {From: NewDate(2026, 1, 10), Yen: 1225}},
			logs:  logsOn(60, NewDate(2026, 1, 5), NewDate(2026, 1, 20)),
			lines: []FeeLine{{From: NewDate(2026, 1, 1), To: NewDate(2026, 1, 31), RateYen: 1225, Minutes: 120, AmountYen: 2450}},
			total: 2450,
		},
		{
			name: "two changes in one month", month: YearMonth{2026, 1},
			wages: WageTable{{From: NewDate(2025, 1, 1), Yen: 1000}, {From: NewDate(2026, 1, 10), Yen: 1100}, {From: NewDate(2026, 1, 20), Yen: 1200}},
			logs:  logsOn(60, NewDate(2026, 1, 9), NewDate(2026, 1, 10), NewDate(2026, 1, 19), NewDate(2026, 1, 31)),
			lines: []FeeLine{
				{From: NewDate(2026, 1, 1), To: NewDate(2026, 1, 9), RateYen: 1000, Minutes: 60, AmountYen: 1000},
				{From: NewDate(2026, 1, 10), To: NewDate(2026, 1, 19), RateYen: 1100, Minutes: 120, AmountYen: 2200},
				{From: NewDate(2026, 1, 20), To: NewDate(2026, 1, 31), RateYen: 1200, Minutes: 60, AmountYen: 1200},
			},
			total: 4400,
		},
		{
			name: "a table that starts mid-month, with logs after its start", month: YearMonth{2026, 1},
			wages: WageTable{{From: NewDate(2026, 1, 15), Yen: 1225}},
			logs:  logsOn(60, NewDate(2026, 1, 15)),
			lines: []FeeLine{{From: NewDate(2026, 1, 15), To: NewDate(2026, 1, 31), RateYen: 1225, Minutes: 60, AmountYen: 1225}},
			total: 1225,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.from.IsZero() {
				tt.from = NewDate(2024, 1, 1)
			}
			m, err := CloseMonth(CloseInput{
				Month: tt.month, ActiveFrom: tt.from, ActiveUntil: tt.until, Logs: tt.logs, Wages: tt.wages, TargetPercent: 80,
			})
			require.NoError(t, err)
			require.Equal(t, tt.lines, m.Lines)
			require.Equal(t, tt.total, m.TotalYen)
			require.Equal(t, m.ActualMinutes, m.TotalMinutes)
		})
	}
}

func TestCloseMonthRefuses(t *testing.T) {
	base := CloseInput{Month: YearMonth{2026, 4}, Schedules: mondays150, ActiveFrom: april2026(1), Wages: DefaultPolicy().Wages, TargetPercent: 80}
	tests := []struct {
		name string
		edit func(*CloseInput)
		says string
	}{
		{"target 0", func(in *CloseInput) { in.TargetPercent = 0 }, "target 0% is not between 1 and 100"},
		{"target 101", func(in *CloseInput) { in.TargetPercent = 101 }, "target 101%"},
		{"no contract start", func(in *CloseInput) { in.ActiveFrom = Date{} }, "no start date"},
		{"contract ends before it starts", func(in *CloseInput) { in.ActiveUntil = NewDate(2026, 3, 31) }, "ends (2026-03-31) before it starts (2026-04-01)"},
		{"a log of zero minutes", func(in *CloseInput) { in.Logs = logsOn(0, april2026(6)) }, "has 0 minutes"},
		{"a log before the wage table", func(in *CloseInput) {
			in.Month = YearMonth{2024, 9}
			in.ActiveFrom = NewDate(2024, 9, 1)
			in.Logs = logsOn(60, NewDate(2024, 9, 30))
		}, "no wage rate is in force on 2024-09-30"},
		{"a log before a table that starts mid-month", func(in *CloseInput) {
			in.Wages = WageTable{{From: april2026(15), Yen: 1225}}
			in.Logs = logsOn(60, april2026(14))
		}, "no wage rate is in force on 2026-04-14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			tt.edit(&in)
			m, err := CloseMonth(in)
			require.ErrorContains(t, err, tt.says)
			require.Equal(t, MonthFigures{}, m)
		})
	}
	// The boundaries themselves are accepted.
	for _, target := range []int{1, 100} {
		in := base
		in.TargetPercent = target
		_, err := CloseMonth(in)
		require.NoError(t, err, "target %d", target)
	}
}

// syntheticWorkers returns n workers with 2–3 slots a week of 2–3 hours, a
// third of them with a schedule change mid-month and a tenth joining
// mid-month, and about 10 logs each in the month.
func syntheticWorkers(n int, month YearMonth) []CloseInput {
	wages := DefaultPolicy().Wages
	ins := make([]CloseInput, n)
	for i := range ins {
		days := []time.Weekday{time.Monday, time.Wednesday, time.Friday}
		if i%2 == 1 {
			days = []time.Weekday{time.Tuesday, time.Thursday}
		}
		length := TimeOfDay(120 + 60*(i%2))
		var slots []Slot
		for _, d := range days {
			slots = append(slots, Slot{Weekday: d, Start: tod(10, 0), End: tod(10, 0) + length, Mode: ModeRemote})
		}
		ss := Schedules{{EffectiveFrom: month.Prev().First(), Slots: slots}}
		if i%3 == 0 {
			ss = append(ss, Schedule{EffectiveFrom: month.First().AddDays(14), Slots: slots[:2]})
		}
		from := month.Prev().First()
		if i%10 == 0 {
			from = month.First().AddDays(9)
		}
		logs := make([]WorkLog, 0, 10)
		for d := 1; d <= 28 && len(logs) < 10; d += 2 + i%2 {
			logs = append(logs, WorkLog{Date: Date{month.Year, month.Month, d}, Minutes: 90 + 15*(d%4), TaskID: fmt.Sprintf("task-%d", d%5), Output: d})
		}
		ins[i] = CloseInput{Month: month, Schedules: ss, ActiveFrom: from, Logs: logs, Wages: wages, TargetPercent: 80}
	}
	return ins
}

func TestSyntheticWorkersClose(t *testing.T) {
	ins := syntheticWorkers(120, YearMonth{2025, 10})
	for _, in := range ins {
		m, err := CloseMonth(in)
		require.NoError(t, err)
		require.Positive(t, m.TheoreticalMinutes)
		require.Len(t, in.Logs, 10)
		require.Equal(t, m.ActualMinutes, m.TotalMinutes)
		require.Len(t, m.Lines, 2, "October 2025 spans the wage change")
	}
}

// BenchmarkCloseMonth closes October 2025 (which spans a wage change) for
// 12,000 synthetic workers per iteration.
func BenchmarkCloseMonth(b *testing.B) {
	const workers = 12000
	ins := syntheticWorkers(workers, YearMonth{2025, 10})
	b.ReportAllocs()
	var yen int
	for b.Loop() {
		yen = 0
		for i := range ins {
			m, err := CloseMonth(ins[i])
			if err != nil {
				b.Fatal(err)
			}
			yen += m.TotalYen
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/workers, "ns/worker")
	if yen == 0 {
		b.Fatal("no fee computed")
	}
}

// TestCloseMonthPaysLateWork: work logged late for closed months is paid
// with the statement, each day at its own rate, without touching the
// month's hours or utilization; nonsense late work is refused.
func TestCloseMonthPaysLateWork(t *testing.T) {
	in := CloseInput{
		Month: YearMonth{2026, 4}, Schedules: mondays150, ActiveFrom: NewDate(2025, 9, 1),
		Logs: logsOn(120, april2026(6)), Wages: DefaultPolicy().Wages, TargetPercent: 80,
		Late: []LateWork{
			{LogID: "b", Date: NewDate(2026, 3, 30), Minutes: 90, RateYen: 1225},
			{LogID: "a", Date: NewDate(2025, 10, 3), Minutes: 61, RateYen: 1162},
		},
	}
	m, err := CloseMonth(in)
	require.NoError(t, err)
	require.Equal(t, 120, m.ActualMinutes, "late work is not the month's work")
	require.Equal(t, 200, m.UtilizationPermille)
	require.Equal(t, 2450, m.TotalYen)
	require.Equal(t, []LateLine{
		{LateWork: LateWork{LogID: "a", Date: NewDate(2025, 10, 3), Minutes: 61, RateYen: 1162}, AmountYen: 1181}, // 61 × 1162 / 60 = 1181.36…
		{LateWork: LateWork{LogID: "b", Date: NewDate(2026, 3, 30), Minutes: 90, RateYen: 1225}, AmountYen: 1837}, // 1837.5
	}, m.LateLines, "oldest first, each floored")
	require.Equal(t, 151, m.LateMinutes)
	require.Equal(t, 3018, m.LateYen)
	require.Equal(t, 2450+3018, m.PayableYen)

	for name, late := range map[string]LateWork{
		"not an earlier month": {Date: april2026(2), Minutes: 60, RateYen: 1225},
		"no minutes":           {Date: NewDate(2026, 3, 2), Minutes: 0, RateYen: 1225},
		"no rate":              {Date: NewDate(2026, 3, 2), Minutes: 60},
	} {
		t.Run(name, func(t *testing.T) {
			bad := in
			bad.Late = []LateWork{late}
			_, err := CloseMonth(bad)
			require.Error(t, err)
		})
	}
}
