package ippo

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// OtherServiceKind is a welfare service a worker may use on other days of
// the week alongside the program (併用).
type OtherServiceKind string

const (
	// ServiceContinuationB is 就労継続支援B型 (continuous employment support, type B).
	ServiceContinuationB OtherServiceKind = "employment_continuation_b"
	// ServiceTransition is 就労移行支援 (transition support for employment).
	ServiceTransition OtherServiceKind = "employment_transition"
)

func (k OtherServiceKind) Valid() bool { return k == ServiceContinuationB || k == ServiceTransition }

// Japanese is the service as staff and workers read it.
func (k OtherServiceKind) Japanese() string {
	switch k {
	case ServiceContinuationB:
		return "就労継続支援B型"
	case ServiceTransition:
		return "就労移行支援"
	}
	return string(k)
}

// OtherService records the weekdays a worker uses another service. Using
// one is allowed on other days only, so a schedule slot on these weekdays
// is refused.
type OtherService struct {
	Kind     OtherServiceKind `json:"service"`
	Weekdays []time.Weekday   `json:"weekdays"`
}

// OtherServiceDays returns every weekday any of the services is used on,
// in order, without repeats.
func OtherServiceDays(services []OtherService) []time.Weekday {
	var days []time.Weekday
	for _, s := range services {
		days = append(days, s.Weekdays...)
	}
	slices.Sort(days)
	return slices.Compact(days)
}

// ValidateOtherServices checks a worker's other services before they are
// recorded, naming every field at fault:
//
//   - services[i].service: a known service, each at most once (an empty
//     list records that the worker uses none);
//   - services[i].weekdays: at least one, each a real weekday once;
//   - services[i].weekdays[j]: not a weekday the worker's latest declared
//     schedule has a slot on, since the two would collide. The latest
//     declaration is the worker's current wish (a pending change included),
//     so the way to move a slot off a day is to declare a new schedule
//     first; latest is nil when nothing has been declared.
func ValidateOtherServices(services []OtherService, latest *Schedule) error {
	var f Fields
	seen := map[OtherServiceKind]bool{}
	for i, s := range services {
		field := func(name string) string { return fmt.Sprintf("services[%d].%s", i, name) }
		switch {
		case !s.Kind.Valid():
			f.Add(field("service"), "must be %s (就労継続支援B型) or %s (就労移行支援)", ServiceContinuationB, ServiceTransition)
		case seen[s.Kind]:
			f.Add(field("service"), "%s is listed twice; list each service once with all its weekdays", s.Kind)
		}
		seen[s.Kind] = true
		if len(s.Weekdays) == 0 {
			f.Add(field("weekdays"), "at least one weekday is required")
		}
		days := map[time.Weekday]bool{}
		for j, d := range s.Weekdays {
			dayField := fmt.Sprintf("services[%d].weekdays[%d]", i, j)
			switch {
			case d < time.Sunday || d > time.Saturday:
				f.Add(dayField, "must be a weekday")
				continue
			case days[d]:
				f.Add(dayField, "%s is listed twice", weekdayName(d))
				continue
			}
			days[d] = true
			if latest == nil {
				continue
			}
			var clash []string
			for _, sl := range latest.Slots {
				if sl.Weekday == d {
					clash = append(clash, sl.Start.String()+"–"+sl.End.String())
				}
			}
			if len(clash) > 0 {
				f.Add(dayField, "the schedule declared from %s has a slot on %s (%s); declare a schedule without %s first, then record the other service",
					latest.EffectiveFrom, weekdayName(d), strings.Join(clash, ", "), weekdayName(d))
			}
		}
	}
	return f.Err()
}

// weekdayName is the lower-case English name the API uses ("monday").
func weekdayName(d time.Weekday) string { return strings.ToLower(d.String()) }

// WeekdayName is the weekday as the API writes it: "sunday" … "saturday".
func WeekdayName(d time.Weekday) string { return weekdayName(d) }

// ParseWeekday reads a weekday name as the API writes it ("monday").
func ParseWeekday(s string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if weekdayName(d) == s {
			return d, true
		}
	}
	return 0, false
}
