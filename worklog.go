package ippo

import (
	"math"
)

// MaxNoteLength is the most characters a free-text note may have: a work
// log's quality note, an absence reason, an assessment comment.
const MaxNoteLength = 2000

// MaxOutput is the most a work log's output may count: far beyond any
// day's work, and within what PostgreSQL keeps as an integer when a month's
// logs are summed.
const MaxOutput = 1_000_000

// WorkLog is the work done on one day on one task. Time is kept in whole
// minutes so that sums and fees are exact; the API takes hours as a decimal
// and converts them with HoursToMinutes.
type WorkLog struct {
	Date    Date   `json:"date"`
	Minutes int    `json:"minutes"`
	TaskID  string `json:"task_id"`
	// Output is the amount produced, in the task's own unit (pages
	// proofread, records entered, …).
	Output int `json:"output"`
	// Quality is a free note on the quality of the output.
	Quality string `json:"quality,omitempty"`
	// Late marks work on a day of a month already closed, logged after its
	// statement was issued: it is paid with the next statement (see
	// CloseInput.Late).
	Late bool `json:"late,omitempty"`
}

// HoursToMinutes converts hours typed as a decimal to whole minutes, rounded
// to the nearest minute. Any whole minute is accepted, so the fee is never cut
// by a coarse grid; rounding only absorbs decimals that cannot be exact
// (1.33 hours is 80 minutes, 1.83 is 110). It refuses a value that is not a
// number, is not more than 0 after rounding, or is more than 24 hours, with
// an EINVALID error on the field "hours".
func HoursToMinutes(hours float64) (int, error) {
	var f Fields
	switch {
	case math.IsNaN(hours) || math.IsInf(hours, 0):
		f.Add("hours", "must be a number of hours such as 1.5")
	case math.Round(hours*60) <= 0:
		f.Add("hours", "must be more than 0")
	case hours > 24:
		f.Add("hours", "must be at most 24 in one day")
	default:
		return int(math.Round(hours * 60)), nil
	}
	return 0, f.Err()
}

// ValidateWorkLog checks a work log before it is recorded. Errors name the
// API's fields, so time is reported on "hours":
//
//   - date is required and must not be after today;
//   - hours must be more than 0, and the day's total with the logs already
//     recorded (alreadyLoggedThatDay, in minutes) must not exceed
//     maxDailyHours: more is almost always a typing slip;
//   - task_id is required and must be a task the caller knows (knownTask);
//   - output must be from 0 to MaxOutput; quality follows the text rules
//     (CheckText), at most MaxNoteLength characters.
func ValidateWorkLog(w WorkLog, alreadyLoggedThatDay int, today Date, maxDailyHours float64, knownTask bool) error {
	var f Fields
	switch {
	case w.Date.IsZero():
		f.Add("date", "is required")
	case w.Date.After(today):
		f.Add("date", "cannot be in the future (today is %s): log work once it is done", today)
	}
	maxMinutes := int(math.Round(maxDailyHours * 60))
	switch {
	case w.Minutes <= 0:
		f.Add("hours", "must be more than 0")
	case alreadyLoggedThatDay <= 0 && w.Minutes > maxMinutes:
		f.Add("hours", "%s is more than the daily maximum of %s", hoursPhrase(w.Minutes), hoursPhrase(maxMinutes))
	case alreadyLoggedThatDay > 0 && alreadyLoggedThatDay+w.Minutes > maxMinutes:
		f.Add("hours", "%s already logged on %s, so %s more would make %s, over the daily maximum of %s",
			hoursPhrase(alreadyLoggedThatDay), w.Date, hoursPhrase(w.Minutes), hoursPhrase(alreadyLoggedThatDay+w.Minutes), hoursPhrase(maxMinutes))
	}
	switch {
	case w.TaskID == "":
		f.Add("task_id", "is required")
	case !knownTask:
		f.Add("task_id", "%q is not a known task", w.TaskID)
	}
	switch {
	case w.Output < 0:
		f.Add("output", "cannot be negative")
	case w.Output > MaxOutput:
		f.Add("output", "must be at most %d", MaxOutput)
	}
	f.Text("quality", w.Quality, MaxNoteLength, true)
	return f.Err()
}

// AbsenceKind is what a one-message notice (一報) tells the center. The
// wording is neutral on purpose: resting when unwell is good practice, and
// no notice may read as a fault.
type AbsenceKind string

const (
	AbsenceAbsent     AbsenceKind = "absent"      // the whole day off
	AbsenceLate       AbsenceKind = "late"        // starting later than declared
	AbsenceEarlyLeave AbsenceKind = "early_leave" // finishing earlier than declared
)

func (k AbsenceKind) Valid() bool {
	return k == AbsenceAbsent || k == AbsenceLate || k == AbsenceEarlyLeave
}

// Japanese is the kind as workers and staff read it.
func (k AbsenceKind) Japanese() string {
	switch k {
	case AbsenceAbsent:
		return "お休み"
	case AbsenceLate:
		return "遅れて開始"
	case AbsenceEarlyLeave:
		return "早めに終了"
	}
	return string(k)
}

// Absence is a notice of a day off, a late start or an early finish. It may
// be sent any time, before or after the day, and the reason is always
// optional.
//
// An absence never reduces the theoretical (declared) hours of the month; it
// only explains why actual hours are missing. The monthly close does not read
// absences at all.
type Absence struct {
	Date Date        `json:"date"`
	Kind AbsenceKind `json:"kind"`
	// From is when work will start, for a late start only.
	From *TimeOfDay `json:"from,omitempty"`
	// Until is when work will end, for an early finish only.
	Until  *TimeOfDay `json:"until,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

// ValidateAbsence checks a notice: date required; kind absent, late or
// early_leave; a late start needs from (and no until), an early finish needs
// until (and no from), a day off takes neither; times between 00:00 and
// 24:00; reason optional, at most MaxNoteLength characters.
func ValidateAbsence(a Absence) error {
	var f Fields
	if a.Date.IsZero() {
		f.Add("date", "is required")
	}
	needFrom, needUntil := false, false
	switch a.Kind {
	case AbsenceAbsent:
	case AbsenceLate:
		needFrom = true
	case AbsenceEarlyLeave:
		needUntil = true
	case "":
		f.Add("kind", "is required: absent, late or early_leave")
	default:
		f.Add("kind", "must be absent, late or early_leave")
	}
	if a.Kind.Valid() {
		check := func(field string, t *TimeOfDay, need bool, what string) {
			switch {
			case t == nil && need:
				f.Add(field, "is required for %s: %s", a.Kind, what)
			case t != nil && !need:
				f.Add(field, "does not apply to %s; leave it empty", a.Kind)
			case t != nil && !t.Valid():
				f.Add(field, "must be between 00:00 and 24:00")
			}
		}
		check("from", a.From, needFrom, "the time work will start")
		check("until", a.Until, needUntil, "the time work will end")
	}
	f.Text("reason", a.Reason, MaxNoteLength, true)
	return f.Err()
}
