package ippo

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TimeOfDay is a clock time in minutes since midnight, 0 (00:00) to 1440
// (24:00). 24:00 is allowed so a slot may run to the end of the day. Any whole
// minute is accepted: a declaration is the worker's own, and forcing it onto
// a 15-minute grid would only make people round their real hours.
//
// It is written "HH:MM" in JSON.
type TimeOfDay int

// EndOfDay is 24:00, the latest a slot may end.
const EndOfDay TimeOfDay = 24 * 60

// NewTimeOfDay returns h:m. It does not check the range; Valid does.
func NewTimeOfDay(h, m int) TimeOfDay { return TimeOfDay(h*60 + m) }

// Valid reports whether t lies between 00:00 and 24:00.
func (t TimeOfDay) Valid() bool { return t >= 0 && t <= EndOfDay }

// String renders t as HH:MM (24:00 for the end of the day).
func (t TimeOfDay) String() string {
	if !t.Valid() {
		return fmt.Sprintf("TimeOfDay(%d)", int(t))
	}
	return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60)
}

func (t TimeOfDay) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, fmt.Errorf("time of day %d minutes is outside 00:00–24:00", int(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText parses HH:MM (H:MM too) between 00:00 and 24:00.
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	p, err := ParseTimeOfDay(string(b))
	if err != nil {
		return err
	}
	*t = p
	return nil
}

// ParseTimeOfDay parses HH:MM (or H:MM) between 00:00 and 24:00.
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	bad := fmt.Errorf("%q is not a time of day in the form HH:MM between 00:00 and 24:00", s)
	hs, ms, ok := strings.Cut(s, ":")
	if !ok || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 || !isDigits(hs) || !isDigits(ms) {
		return 0, bad
	}
	h, _ := strconv.Atoi(hs)
	m, _ := strconv.Atoi(ms)
	t := NewTimeOfDay(h, m)
	if m > 59 || !t.Valid() {
		return 0, bad
	}
	return t, nil
}

// WorkMode is where a slot is worked.
type WorkMode string

const (
	ModeRemote WorkMode = "remote" // 在宅: at home
	ModeOnsite WorkMode = "onsite" // 通所: at the center
)

func (m WorkMode) Valid() bool { return m == ModeRemote || m == ModeOnsite }

// Japanese is the mode as staff and workers read it.
func (m WorkMode) Japanese() string {
	switch m {
	case ModeRemote:
		return "在宅"
	case ModeOnsite:
		return "通所"
	}
	return string(m)
}

// Slot is one regular weekly period the worker declares, such as Monday
// 10:00–12:00 at home. Weekday is Go's time.Weekday, so in JSON it is a
// number: 0 Sunday, 1 Monday … 6 Saturday (as JavaScript's getDay).
type Slot struct {
	Weekday time.Weekday `json:"weekday"`
	Start   TimeOfDay    `json:"start"`
	End     TimeOfDay    `json:"end"`
	Mode    WorkMode     `json:"mode"`
}

// Minutes is the length of the slot; 0 if it ends before it starts.
func (s Slot) Minutes() int { return max(int(s.End-s.Start), 0) }

func (s Slot) String() string {
	return fmt.Sprintf("%s %s–%s %s", s.Weekday, s.Start, s.End, s.Mode)
}

// Schedule is a worker's declared weekly schedule from a date on. It is the
// worker's own declaration of when they mean to work, not an order: it sets
// the theoretical hours that utilization is measured against, nothing more.
type Schedule struct {
	EffectiveFrom Date   `json:"effective_from"`
	Slots         []Slot `json:"slots"`
}

// WeeklyMinutes is the total of all slots in a week.
func (s Schedule) WeeklyMinutes() int {
	total := 0
	for _, sl := range s.Slots {
		total += sl.Minutes()
	}
	return total
}

// WeeklyHours is WeeklyMinutes in hours, for display.
func (s Schedule) WeeklyHours() float64 { return float64(s.WeeklyMinutes()) / 60 }

// MinutesOn is the total of the slots on weekday wd.
func (s Schedule) MinutesOn(wd time.Weekday) int {
	total := 0
	for _, sl := range s.Slots {
		if sl.Weekday == wd {
			total += sl.Minutes()
		}
	}
	return total
}

// ValidateSchedule checks a declaration before it is accepted and names every
// field at fault:
//
//   - effective_from is required and must be today or later: a declaration
//     never rewrites the past, so closed months keep their figures;
//   - slots: at least one;
//   - slots[i].weekday/.start/.end/.mode: a real weekday, times between 00:00
//     and 24:00, the end after the start, remote or onsite;
//   - slots[i].weekday: not a day the worker uses another service
//     (就労継続支援B型, 就労移行支援); concurrent use is allowed on other days;
//   - slots[j]: two slots on the same weekday must not overlap (one ending at
//     10:00 and one starting at 10:00 do not);
//   - slots: the weekly total must not exceed weeklyCapHours (taken to the
//     nearest minute).
func ValidateSchedule(s Schedule, otherServiceDays []time.Weekday, weeklyCapHours float64, today Date) error {
	var f Fields
	switch {
	case s.EffectiveFrom.IsZero():
		f.Add("effective_from", "is required: the date the schedule starts")
	case s.EffectiveFrom.Before(today):
		f.Add("effective_from", "must be today (%s) or later: a schedule cannot start in the past", today)
	}
	if len(s.Slots) == 0 {
		f.Add("slots", "at least one slot is required")
	}
	ok := make([]bool, len(s.Slots)) // slots whose own fields are sound
	for i, sl := range s.Slots {
		field := func(name string) string { return fmt.Sprintf("slots[%d].%s", i, name) }
		good := true
		if sl.Weekday < time.Sunday || sl.Weekday > time.Saturday {
			f.Add(field("weekday"), "must be 0 (Sunday) to 6 (Saturday)")
			good = false
		} else {
			for _, d := range otherServiceDays {
				if d == sl.Weekday {
					f.Add(field("weekday"), "the worker uses another service (就労継続支援B型 or 就労移行支援) on %s; concurrent use is allowed on other days only, so choose another day", sl.Weekday)
					break
				}
			}
		}
		startOK := sl.Start >= 0 && sl.Start < EndOfDay
		if !startOK {
			f.Add(field("start"), "must be between 00:00 and 23:59")
			good = false
		}
		switch {
		case !sl.End.Valid():
			f.Add(field("end"), "must be between 00:00 and 24:00")
			good = false
		case startOK && sl.End <= sl.Start:
			f.Add(field("end"), "must be after the start (%s)", sl.Start)
			good = false
		}
		if !sl.Mode.Valid() {
			f.Add(field("mode"), "must be remote (在宅) or onsite (通所)")
		}
		ok[i] = good
	}
	for j, b := range s.Slots {
		if !ok[j] {
			continue
		}
		for i, a := range s.Slots[:j] {
			if ok[i] && a.Weekday == b.Weekday && a.Start < b.End && b.Start < a.End {
				f.Add(fmt.Sprintf("slots[%d]", j), "%s %s–%s overlaps slots[%d] (%s–%s); slots on the same day must not overlap",
					b.Weekday, b.Start, b.End, i, a.Start, a.End)
			}
		}
	}
	total := 0
	for i, sl := range s.Slots {
		if ok[i] {
			total += sl.Minutes()
		}
	}
	if capMinutes := int(math.Round(weeklyCapHours * 60)); total > capMinutes {
		f.Add("slots", "add up to %s a week, over the weekly cap of %s", hoursPhrase(total), hoursPhrase(capMinutes))
	}
	return f.Err()
}

// Schedules are the versions of one worker's schedule, in ascending order of
// EffectiveFrom. Lookups do not depend on the order, but Put keeps it.
type Schedules []Schedule

// InForce returns the version in force on d: the one with the latest
// EffectiveFrom on or before d (of two on the same date, the later in the
// slice). ok is false if none is in force yet.
func (ss Schedules) InForce(d Date) (s Schedule, ok bool) {
	best := -1
	for i, v := range ss {
		if v.EffectiveFrom.After(d) {
			continue
		}
		if best < 0 || !v.EffectiveFrom.Before(ss[best].EffectiveFrom) {
			best = i
		}
	}
	if best < 0 {
		return Schedule{}, false
	}
	return ss[best], true
}

// DeclaredMinutesOn is the declared minutes on date d under the version in
// force on d; 0 when no version is in force.
func (ss Schedules) DeclaredMinutesOn(d Date) int {
	s, ok := ss.InForce(d)
	if !ok {
		return 0
	}
	return s.MinutesOn(d.Weekday())
}

// WeeklyMinutesOn is the weekly total of the version in force on d; 0 when
// none is.
func (ss Schedules) WeeklyMinutesOn(d Date) int {
	s, _ := ss.InForce(d)
	return s.WeeklyMinutes()
}

// Put returns the versions with s added, in order. A new declaration is the
// worker's current wish, so it supersedes every version that would start on
// or after s.EffectiveFrom (a pending future change, or a same-day one);
// versions already in force before it are kept, so the past is unchanged.
// The receiver is not modified.
func (ss Schedules) Put(s Schedule) Schedules {
	out := make(Schedules, 0, len(ss)+1)
	for _, v := range ss {
		if v.EffectiveFrom.Before(s.EffectiveFrom) {
			out = append(out, v)
		}
	}
	out = append(out, s)
	slices.SortStableFunc(out, func(a, b Schedule) int { return a.EffectiveFrom.Compare(b.EffectiveFrom) })
	return out
}

// hoursPhrase renders minutes as hours for staff: "16 hours", "17.5 hours",
// "1 hour", and "2 hours 20 minutes" when a decimal would not be exact.
func hoursPhrase(minutes int) string {
	unit := func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	}
	switch {
	case minutes%60 == 0:
		return fmt.Sprintf("%d %s", minutes/60, unit(minutes/60, "hour", "hours"))
	case minutes%3 == 0: // minutes/60 is a finite decimal (at most two places)
		return strconv.FormatFloat(float64(minutes)/60, 'f', -1, 64) + " hours"
	default:
		h, m := minutes/60, minutes%60
		return fmt.Sprintf("%d %s %d %s", h, unit(h, "hour", "hours"), m, unit(m, "minute", "minutes"))
	}
}
