package ippo

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestValidateOtherServices(t *testing.T) {
	latest := &Schedule{EffectiveFrom: NewDate(2026, 5, 1), Slots: []Slot{
		weeklySlot(time.Tuesday, tod(10, 0), tod(12, 0)),
		weeklySlot(time.Tuesday, tod(13, 0), tod(14, 0)),
		weeklySlot(time.Friday, tod(10, 0), tod(12, 0)),
	}}
	b := func(days ...time.Weekday) OtherService {
		return OtherService{Kind: ServiceContinuationB, Weekdays: days}
	}
	tests := []struct {
		name     string
		services []OtherService
		latest   *Schedule
		fields   []string
	}{
		{"none recorded", nil, latest, nil},
		{"days without slots", []OtherService{b(time.Monday, time.Wednesday), {Kind: ServiceTransition, Weekdays: []time.Weekday{time.Thursday}}}, latest, nil},
		{"no schedule yet", []OtherService{b(time.Tuesday)}, nil, nil},
		{"a day with slots", []OtherService{b(time.Monday, time.Tuesday)}, latest, []string{"services[0].weekdays[1]"}},
		{"unknown service", []OtherService{{Kind: "day_care", Weekdays: []time.Weekday{time.Monday}}}, latest, []string{"services[0].service"}},
		{"service twice", []OtherService{b(time.Monday), b(time.Wednesday)}, latest, []string{"services[1].service"}},
		{"no weekdays", []OtherService{b()}, latest, []string{"services[0].weekdays"}},
		{"weekday twice", []OtherService{b(time.Monday, time.Monday)}, latest, []string{"services[0].weekdays[1]"}},
		{"not a weekday", []OtherService{b(7)}, latest, []string{"services[0].weekdays[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.fields, ruleFieldNames(t, ValidateOtherServices(tt.services, tt.latest)))
		})
	}
}

func TestValidateOtherServicesNamesTheClashingSlots(t *testing.T) {
	latest := &Schedule{EffectiveFrom: NewDate(2026, 5, 1), Slots: []Slot{
		weeklySlot(time.Tuesday, tod(10, 0), tod(12, 0)),
		weeklySlot(time.Tuesday, tod(13, 0), tod(14, 0)),
	}}
	f := ruleFieldErrors(t, ValidateOtherServices([]OtherService{{Kind: ServiceTransition, Weekdays: []time.Weekday{time.Tuesday}}}, latest))
	require.Len(t, f, 1)
	require.Contains(t, f[0].Message, "2026-05-01")
	require.Contains(t, f[0].Message, "tuesday (10:00–12:00, 13:00–14:00)")
}

func TestOtherServiceDays(t *testing.T) {
	days := OtherServiceDays([]OtherService{
		{Kind: ServiceContinuationB, Weekdays: []time.Weekday{time.Thursday, time.Monday}},
		{Kind: ServiceTransition, Weekdays: []time.Weekday{time.Monday, time.Saturday}},
	})
	require.Equal(t, []time.Weekday{time.Monday, time.Thursday, time.Saturday}, days)
	require.Empty(t, OtherServiceDays(nil))
}

func TestWeekdayNames(t *testing.T) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		got, ok := ParseWeekday(WeekdayName(d))
		require.True(t, ok)
		require.Equal(t, d, got)
	}
	require.Equal(t, "monday", WeekdayName(time.Monday))
	_, ok := ParseWeekday("Monday")
	require.False(t, ok, "names are lower case, as the API writes them")
	require.Equal(t, "就労継続支援B型", ServiceContinuationB.Japanese())
	require.Equal(t, "就労移行支援", ServiceTransition.Japanese())
}
