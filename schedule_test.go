package ippo

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func tod(h, m int) TimeOfDay { return NewTimeOfDay(h, m) }

func weeklySlot(wd time.Weekday, start, end TimeOfDay) Slot {
	return Slot{Weekday: wd, Start: start, End: end, Mode: ModeRemote}
}

// fieldErrors returns the field errors of an EINVALID error, failing the test
// for any other error.
func ruleFieldErrors(t *testing.T, err error) []FieldError {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *Error
	require.True(t, errors.As(err, &e), "not an *ippo.Error: %v", err)
	require.Equal(t, EINVALID, e.Code)
	return e.Fields
}

// fieldNames lists the fields named by an EINVALID error, in order.
func ruleFieldNames(t *testing.T, err error) []string {
	t.Helper()
	var names []string
	for _, f := range ruleFieldErrors(t, err) {
		names = append(names, f.Field)
	}
	return names
}

func TestParseTimeOfDay(t *testing.T) {
	tests := []struct {
		in   string
		want TimeOfDay
		ok   bool
	}{
		{"00:00", 0, true},
		{"10:00", 600, true},
		{"9:05", 545, true},
		{"23:59", 1439, true},
		{"24:00", 1440, true},
		{"12:07", 727, true}, // any whole minute
		{"24:01", 0, false},
		{"25:00", 0, false},
		{"10:60", 0, false},
		{"10:5", 0, false},
		{"100:00", 0, false},
		{"-1:00", 0, false},
		{"10", 0, false},
		{"", 0, false},
		{"ab:cd", 0, false},
		{"１０:００", 0, false}, // full-width digits
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTimeOfDay(tt.in)
			if !tt.ok {
				require.Error(t, err)
				require.Contains(t, err.Error(), "HH:MM")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestTimeOfDayJSON(t *testing.T) {
	tests := []struct {
		t    TimeOfDay
		json string
	}{
		{0, `"00:00"`},
		{tod(9, 5), `"09:05"`},
		{tod(13, 30), `"13:30"`},
		{EndOfDay, `"24:00"`},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			b, err := json.Marshal(tt.t)
			require.NoError(t, err)
			require.JSONEq(t, tt.json, string(b))
			var back TimeOfDay
			require.NoError(t, json.Unmarshal(b, &back))
			require.Equal(t, tt.t, back)
		})
	}
	_, err := json.Marshal(TimeOfDay(1441))
	require.Error(t, err)
	_, err = json.Marshal(TimeOfDay(-1))
	require.Error(t, err)
	var x TimeOfDay
	require.Error(t, json.Unmarshal([]byte(`"24:30"`), &x))
	require.Error(t, json.Unmarshal([]byte(`600`), &x))
}

func TestSlotJSON(t *testing.T) {
	s := Schedule{
		EffectiveFrom: NewDate(2026, 4, 6),
		Slots:         []Slot{{Weekday: time.Monday, Start: tod(10, 0), End: tod(12, 0), Mode: ModeOnsite}},
	}
	b, err := json.Marshal(s)
	require.NoError(t, err)
	require.JSONEq(t, `{"effective_from":"2026-04-06","slots":[{"weekday":1,"start":"10:00","end":"12:00","mode":"onsite"}]}`, string(b))
	var back Schedule
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, s, back)
}

func TestWorkModeJapanese(t *testing.T) {
	require.Equal(t, "在宅", ModeRemote.Japanese())
	require.Equal(t, "通所", ModeOnsite.Japanese())
	require.False(t, WorkMode("office").Valid())
}

func TestValidateSchedule(t *testing.T) {
	today := NewDate(2026, 4, 1)
	mon := func(start, end TimeOfDay) Slot { return weeklySlot(time.Monday, start, end) }
	tests := []struct {
		name   string
		s      Schedule
		other  []time.Weekday
		cap    float64
		fields []string
		says   []string // fragments of the messages, in order
	}{
		{
			name: "Mon/Wed/Fri 10–12 is fine",
			s: Schedule{EffectiveFrom: today, Slots: []Slot{
				mon(tod(10, 0), tod(12, 0)),
				weeklySlot(time.Wednesday, tod(10, 0), tod(12, 0)),
				weeklySlot(time.Friday, tod(10, 0), tod(12, 0)),
			}},
			cap: 16,
		},
		{
			name: "effective today is fine, tomorrow too",
			s:    Schedule{EffectiveFrom: today.AddDays(1), Slots: []Slot{mon(tod(10, 0), tod(12, 0))}},
			cap:  16,
		},
		{
			name:   "effective yesterday is in the past",
			s:      Schedule{EffectiveFrom: today.AddDays(-1), Slots: []Slot{mon(tod(10, 0), tod(12, 0))}},
			cap:    16,
			fields: []string{"effective_from"},
			says:   []string{"today (2026-04-01) or later"},
		},
		{
			name:   "effective_from missing",
			s:      Schedule{Slots: []Slot{mon(tod(10, 0), tod(12, 0))}},
			cap:    16,
			fields: []string{"effective_from"},
			says:   []string{"is required"},
		},
		{
			name:   "no slots",
			s:      Schedule{EffectiveFrom: today},
			cap:    16,
			fields: []string{"slots"},
			says:   []string{"at least one slot"},
		},
		{
			name:   "end before start",
			s:      Schedule{EffectiveFrom: today, Slots: []Slot{mon(tod(12, 0), tod(10, 0))}},
			cap:    16,
			fields: []string{"slots[0].end"},
			says:   []string{"after the start (12:00)"},
		},
		{
			name:   "end equal to start",
			s:      Schedule{EffectiveFrom: today, Slots: []Slot{mon(tod(10, 0), tod(12, 0)), mon(tod(13, 0), tod(13, 0))}},
			cap:    16,
			fields: []string{"slots[1].end"},
			says:   []string{"after the start (13:00)"},
		},
		{
			name:   "one minute is a slot",
			s:      Schedule{EffectiveFrom: today, Slots: []Slot{mon(tod(10, 0), tod(10, 1))}},
			cap:    16,
			fields: nil,
		},
		{
			name: "times out of range",
			s: Schedule{EffectiveFrom: today, Slots: []Slot{
				mon(EndOfDay, EndOfDay+1),
				mon(-5, tod(1, 0)),
			}},
			cap:    16,
			fields: []string{"slots[0].start", "slots[0].end", "slots[1].start"},
		},
		{
			name:   "a slot may run to 24:00",
			s:      Schedule{EffectiveFrom: today, Slots: []Slot{mon(tod(22, 0), EndOfDay)}},
			cap:    16,
			fields: nil,
		},
		{
			name:   "weekday out of range, end still checked",
			s:      Schedule{EffectiveFrom: today, Slots: []Slot{weeklySlot(7, tod(12, 0), tod(11, 0))}},
			cap:    16,
			fields: []string{"slots[0].weekday", "slots[0].end"},
		},
		{
			name:   "mode missing",
			s:      Schedule{EffectiveFrom: today, Slots: []Slot{{Weekday: time.Monday, Start: tod(10, 0), End: tod(12, 0)}}},
			cap:    16,
			fields: []string{"slots[0].mode"},
			says:   []string{"remote (在宅) or onsite (通所)"},
		},
		{
			name:   "overlap on the same day names both",
			s:      Schedule{EffectiveFrom: today, Slots: []Slot{mon(tod(10, 0), tod(12, 0)), mon(tod(11, 30), tod(13, 0))}},
			cap:    16,
			fields: []string{"slots[1]"},
			says:   []string{"Monday 11:30–13:00 overlaps slots[0] (10:00–12:00)"},
		},
		{
			name:   "a slot inside another overlaps",
			s:      Schedule{EffectiveFrom: today, Slots: []Slot{mon(tod(9, 0), tod(15, 0)), mon(tod(10, 0), tod(11, 0))}},
			cap:    16,
			fields: []string{"slots[1]"},
		},
		{
			name:   "touching slots do not overlap",
			s:      Schedule{EffectiveFrom: today, Slots: []Slot{mon(tod(10, 0), tod(12, 0)), mon(tod(12, 0), tod(13, 0))}},
			cap:    16,
			fields: nil,
		},
		{
			name: "same times on different days do not overlap",
			s: Schedule{EffectiveFrom: today, Slots: []Slot{
				mon(tod(10, 0), tod(12, 0)),
				weeklySlot(time.Tuesday, tod(10, 0), tod(12, 0)),
			}},
			cap: 16,
		},
		{
			name: "three overlapping slots name every pair",
			s: Schedule{EffectiveFrom: today, Slots: []Slot{
				mon(tod(10, 0), tod(12, 0)),
				mon(tod(11, 0), tod(13, 0)),
				mon(tod(11, 30), tod(12, 30)),
			}},
			cap:    16,
			fields: []string{"slots[1]", "slots[2]", "slots[2]"},
			says:   []string{"overlaps slots[0]", "overlaps slots[0]", "overlaps slots[1]"},
		},
		{
			name: "weekly total exactly at the cap",
			s: Schedule{EffectiveFrom: today, Slots: []Slot{
				mon(tod(9, 0), tod(17, 0)),
				weeklySlot(time.Tuesday, tod(9, 0), tod(17, 0)),
			}},
			cap: 16,
		},
		{
			name: "weekly total one minute over the cap",
			s: Schedule{EffectiveFrom: today, Slots: []Slot{
				mon(tod(9, 0), tod(17, 0)),
				weeklySlot(time.Tuesday, tod(9, 0), tod(17, 1)),
			}},
			cap:    16,
			fields: []string{"slots"},
			says:   []string{"16 hours 1 minute a week, over the weekly cap of 16 hours"},
		},
		{
			name: "weekly total over the cap says total and cap",
			s: Schedule{EffectiveFrom: today, Slots: []Slot{
				mon(tod(9, 0), tod(15, 0)),
				weeklySlot(time.Tuesday, tod(9, 0), tod(15, 0)),
				weeklySlot(time.Wednesday, tod(9, 0), tod(14, 30)),
			}},
			cap:    16,
			fields: []string{"slots"},
			says:   []string{"add up to 17.5 hours a week, over the weekly cap of 16 hours"},
		},
		{
			name:   "fractional cap",
			s:      Schedule{EffectiveFrom: today, Slots: []Slot{mon(tod(9, 0), tod(21, 45))}},
			cap:    12.5,
			fields: []string{"slots"},
			says:   []string{"12.75 hours a week, over the weekly cap of 12.5 hours"},
		},
		{
			name:   "slot on a day of another service",
			s:      Schedule{EffectiveFrom: today, Slots: []Slot{mon(tod(10, 0), tod(12, 0)), weeklySlot(time.Thursday, tod(10, 0), tod(12, 0))}},
			other:  []time.Weekday{time.Tuesday, time.Thursday},
			cap:    16,
			fields: []string{"slots[1].weekday"},
			says:   []string{"another service (就労継続支援B型 or 就労移行支援) on Thursday; concurrent use is allowed on other days"},
		},
		{
			name:  "other service on other days is fine",
			s:     Schedule{EffectiveFrom: today, Slots: []Slot{mon(tod(10, 0), tod(12, 0))}},
			other: []time.Weekday{time.Tuesday, time.Thursday},
			cap:   16,
		},
		{
			name: "every rule at once, in a stable order",
			s: Schedule{EffectiveFrom: today.AddDays(-3), Slots: []Slot{
				mon(tod(10, 0), tod(12, 0)),
				mon(tod(11, 0), tod(9, 0)),
				weeklySlot(time.Tuesday, tod(10, 0), tod(12, 0)),
			}},
			other:  []time.Weekday{time.Tuesday},
			cap:    1,
			fields: []string{"effective_from", "slots[1].end", "slots[2].weekday", "slots"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateSchedule(tt.s, tt.other, tt.cap, today)
			if tt.fields == nil {
				require.NoError(t, err)
				return
			}
			require.Equal(t, tt.fields, ruleFieldNames(t, err))
			fe := ruleFieldErrors(t, err)
			for i, frag := range tt.says {
				require.Contains(t, fe[i].Message, frag)
			}
		})
	}
}

func TestScheduleMinutes(t *testing.T) {
	s := Schedule{Slots: []Slot{
		weeklySlot(time.Monday, tod(10, 0), tod(12, 0)),
		weeklySlot(time.Monday, tod(13, 0), tod(14, 30)),
		weeklySlot(time.Friday, tod(9, 15), tod(11, 0)),
	}}
	require.Equal(t, 210, s.MinutesOn(time.Monday))
	require.Equal(t, 105, s.MinutesOn(time.Friday))
	require.Equal(t, 0, s.MinutesOn(time.Sunday))
	require.Equal(t, 315, s.WeeklyMinutes())
	require.Equal(t, 5.25, s.WeeklyHours())
	require.Equal(t, 0, weeklySlot(time.Monday, tod(12, 0), tod(10, 0)).Minutes())
	require.Equal(t, "Monday 10:00–12:00 remote", s.Slots[0].String())
}

func TestSchedulesInForce(t *testing.T) {
	v1 := Schedule{EffectiveFrom: NewDate(2026, 4, 1), Slots: []Slot{weeklySlot(time.Monday, tod(10, 0), tod(12, 0))}}
	v2 := Schedule{EffectiveFrom: NewDate(2026, 4, 15), Slots: []Slot{
		weeklySlot(time.Monday, tod(10, 0), tod(13, 0)),
		weeklySlot(time.Wednesday, tod(10, 0), tod(12, 0)),
	}}
	v2fix := Schedule{EffectiveFrom: NewDate(2026, 4, 15), Slots: []Slot{weeklySlot(time.Monday, tod(10, 0), tod(11, 0))}}
	tests := []struct {
		name     string
		ss       Schedules
		on       Date
		declared int
		weekly   int
	}{
		{"none at all", nil, NewDate(2026, 4, 6), 0, 0},
		{"before the first version", Schedules{v1, v2}, NewDate(2026, 3, 30), 0, 0}, // a Monday
		{"first day of v1 (Wed, nothing declared)", Schedules{v1, v2}, NewDate(2026, 4, 1), 0, 120},
		{"Monday under v1", Schedules{v1, v2}, NewDate(2026, 4, 13), 120, 120},
		{"v2 starts on its effective date (Wed)", Schedules{v1, v2}, NewDate(2026, 4, 15), 120, 300},
		{"Monday under v2", Schedules{v1, v2}, NewDate(2026, 4, 20), 180, 300},
		{"order of the slice does not matter", Schedules{v2, v1}, NewDate(2026, 4, 13), 120, 120},
		{"same date: the later in the slice wins", Schedules{v1, v2, v2fix}, NewDate(2026, 4, 20), 60, 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.declared, tt.ss.DeclaredMinutesOn(tt.on))
			require.Equal(t, tt.weekly, tt.ss.WeeklyMinutesOn(tt.on))
		})
	}
}

func TestSchedulesPut(t *testing.T) {
	at := func(d int) Schedule {
		return Schedule{EffectiveFrom: NewDate(2026, 4, d), Slots: []Slot{weeklySlot(time.Monday, tod(10, 0), tod(10, d))}}
	}
	dates := func(ss Schedules) []int {
		var out []int
		for _, s := range ss {
			out = append(out, s.EffectiveFrom.Day)
		}
		return out
	}
	tests := []struct {
		name string
		ss   Schedules
		put  Schedule
		want []int
	}{
		{"first version", nil, at(1), []int{1}},
		{"later version is appended", Schedules{at(1)}, at(15), []int{1, 15}},
		{"same date replaces", Schedules{at(1), at(15)}, at(15), []int{1, 15}},
		{"earlier than a pending version supersedes it", Schedules{at(1), at(20)}, at(10), []int{1, 10}},
		{"unsorted input comes out sorted", Schedules{at(5), at(1)}, at(10), []int{1, 5, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := dates(tt.ss)
			got := tt.ss.Put(tt.put)
			require.Equal(t, tt.want, dates(got))
			require.Equal(t, before, dates(tt.ss), "receiver must not change")
			s, ok := got.InForce(tt.put.EffectiveFrom)
			require.True(t, ok)
			require.Equal(t, tt.put, s)
		})
	}
}

func TestHoursPhrase(t *testing.T) {
	tests := []struct {
		minutes int
		want    string
	}{
		{0, "0 hours"},
		{60, "1 hour"},
		{960, "16 hours"},
		{1050, "17.5 hours"},
		{45, "0.75 hours"},
		{81, "1.35 hours"},
		{80, "1 hour 20 minutes"},
		{961, "16 hours 1 minute"},
		{1, "0 hours 1 minute"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, hoursPhrase(tt.minutes), "%d minutes", tt.minutes)
	}
}
