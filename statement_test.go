package ippo

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWagesOver(t *testing.T) {
	kanagawa := []PolicyVersion{{EffectiveFrom: NewDate(2022, 10, 1), Policy: DefaultPolicy()}}
	// A policy version from 2026-04-16 that raises the rate from that day and
	// (wrongly) restates an earlier rate: the days before it keep theirs.
	raised := DefaultPolicy()
	raised.Wages = WageTable{{From: NewDate(2024, 10, 1), Yen: 1000}, {From: NewDate(2026, 4, 16), Yen: 1300}}
	withRaise := append(append([]PolicyVersion{}, kanagawa...), PolicyVersion{EffectiveFrom: NewDate(2026, 4, 16), Policy: raised})
	late := DefaultPolicy()
	late.Wages = WageTable{{From: NewDate(2026, 4, 10), Yen: 1300}}
	startsLate := []PolicyVersion{{EffectiveFrom: NewDate(2022, 10, 1), Policy: late}}

	tests := []struct {
		name     string
		versions []PolicyVersion
		month    YearMonth
		want     WageTable
	}{
		{"one rate all month", kanagawa, YearMonth{2026, 4}, WageTable{{From: NewDate(2026, 4, 1), Yen: 1225}}},
		{"October 2025 splits on the 4th", kanagawa, YearMonth{2025, 10}, WageTable{
			{From: NewDate(2025, 10, 1), Yen: 1162}, {From: NewDate(2025, 10, 4), Yen: 1225}}},
		{"a policy change applies from its date", withRaise, YearMonth{2026, 4}, WageTable{
			{From: NewDate(2026, 4, 1), Yen: 1225}, {From: NewDate(2026, 4, 16), Yen: 1300}}},
		{"days before the table have no rate", startsLate, YearMonth{2026, 4}, WageTable{
			{From: NewDate(2026, 4, 1), Yen: 0}, {From: NewDate(2026, 4, 10), Yen: 1300}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, WagesOver(tt.versions, tt.month))
		})
	}
}

// The per-day wage table gives CloseMonth the October 2025 split.
func TestWagesOverCloseOctober2025(t *testing.T) {
	versions := []PolicyVersion{{EffectiveFrom: NewDate(2022, 10, 1), Policy: DefaultPolicy()}}
	m, err := CloseMonth(CloseInput{
		Month: YearMonth{2025, 10}, ActiveFrom: NewDate(2025, 4, 1),
		Logs:  logsOn(90, october2025(3), october2025(4)),
		Wages: WagesOver(versions, YearMonth{2025, 10}), TargetPercent: TargetOver(versions, YearMonth{2025, 10}),
	})
	require.NoError(t, err)
	require.Equal(t, []FeeLine{
		{From: october2025(1), To: october2025(3), RateYen: 1162, Minutes: 90, AmountYen: 1743},
		{From: october2025(4), To: october2025(31), RateYen: 1225, Minutes: 90, AmountYen: 1837}, // 1837.5 → 1837
	}, m.Lines)
	require.Equal(t, 3580, m.TotalYen)
}

func TestSuggestReview(t *testing.T) {
	below := MonthFigures{Month: YearMonth{2026, 4}, BelowTarget: true}
	tests := []struct {
		name  string
		m     MonthFigures
		until Date
		want  bool
	}{
		{"below, contract goes on", below, Date{}, true},
		{"below, contract ends after the month", below, NewDate(2026, 5, 1), true},
		{"below, contract ended on the last day", below, NewDate(2026, 4, 30), false},
		{"below, withdrew mid-month", below, NewDate(2026, 4, 12), false},
		{"at or above target", MonthFigures{Month: YearMonth{2026, 4}}, Date{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, SuggestReview(tt.m, tt.until))
		})
	}
}

func TestTargetOver(t *testing.T) {
	later := DefaultPolicy()
	later.UtilizationTargetPercent = 70
	versions := []PolicyVersion{
		{EffectiveFrom: NewDate(2022, 10, 1), Policy: DefaultPolicy()},
		{EffectiveFrom: NewDate(2026, 4, 30), Policy: later},
	}
	require.Equal(t, 80, TargetOver(versions, YearMonth{2026, 3}))
	require.Equal(t, 70, TargetOver(versions, YearMonth{2026, 4}), "the target in force when the month ends")
}

func TestPaymentDue(t *testing.T) {
	for _, c := range []struct {
		month YearMonth
		due   Date
	}{
		{YearMonth{2026, 1}, NewDate(2026, 2, 28)},
		{YearMonth{2028, 1}, NewDate(2028, 2, 29)}, // leap year
		{YearMonth{2026, 5}, NewDate(2026, 6, 30)},
		{YearMonth{2026, 11}, NewDate(2026, 12, 31)},
		{YearMonth{2026, 12}, NewDate(2027, 1, 31)}, // across the year
	} {
		require.Equal(t, c.due, PaymentDue(c.month), "%s", c.month)
	}
}
