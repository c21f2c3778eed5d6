package ippo

import (
	"fmt"
)

// Dimension is one of the four things an assessment scores.
type Dimension string

const (
	DimensionStability     Dimension = "stability"     // 作業安定度: work stability
	DimensionExecution     Dimension = "execution"     // 作業遂行: task execution
	DimensionHabits        Dimension = "habits"        // 基本的労働習慣: basic work habits
	DimensionInterpersonal Dimension = "interpersonal" // 対人技能: interpersonal skills
)

// Dimensions lists the dimensions in the order they are always shown.
var Dimensions = [4]Dimension{DimensionStability, DimensionExecution, DimensionHabits, DimensionInterpersonal}

func (d Dimension) Valid() bool {
	for _, x := range Dimensions {
		if d == x {
			return true
		}
	}
	return false
}

// Japanese is the dimension's label on forms and emails.
func (d Dimension) Japanese() string {
	switch d {
	case DimensionStability:
		return "作業安定度"
	case DimensionExecution:
		return "作業遂行"
	case DimensionHabits:
		return "基本的労働習慣"
	case DimensionInterpersonal:
		return "対人技能"
	}
	return string(d)
}

// PerDimension holds one value for each dimension. In JSON it is an object
// keyed by dimension: {"stability":4,"execution":3,"habits":5,"interpersonal":4}.
// A struct rather than a map, so a dimension cannot be misspelt or left out
// by construction, and the order is fixed.
type PerDimension[T any] struct {
	Stability     T `json:"stability"`
	Execution     T `json:"execution"`
	Habits        T `json:"habits"`
	Interpersonal T `json:"interpersonal"`
}

// Get returns the value for d, or the zero value for an unknown dimension.
func (p PerDimension[T]) Get(d Dimension) T {
	switch d {
	case DimensionStability:
		return p.Stability
	case DimensionExecution:
		return p.Execution
	case DimensionHabits:
		return p.Habits
	case DimensionInterpersonal:
		return p.Interpersonal
	}
	var zero T
	return zero
}

// Set sets the value for d; an unknown dimension is ignored.
func (p *PerDimension[T]) Set(d Dimension, v T) {
	switch d {
	case DimensionStability:
		p.Stability = v
	case DimensionExecution:
		p.Execution = v
	case DimensionHabits:
		p.Habits = v
	case DimensionInterpersonal:
		p.Interpersonal = v
	}
}

// Assessor says whose view an assessment is.
type Assessor string

const (
	AssessorStaff Assessor = "staff" // a staff member's assessment
	AssessorSelf  Assessor = "self"  // the worker's self-assessment
)

func (a Assessor) Valid() bool { return a == AssessorStaff || a == AssessorSelf }

// Japanese is the assessor as forms and emails name it.
func (a Assessor) Japanese() string {
	switch a {
	case AssessorStaff:
		return "支援員評価"
	case AssessorSelf:
		return "自己評価"
	}
	return string(a)
}

// Score bounds.
const (
	MinScore = 1
	MaxScore = 5
)

// Assessment is one assessment of a worker, by staff or by the worker.
type Assessment struct {
	By     Assessor          `json:"by"`
	On     Date              `json:"on"`
	Scores PerDimension[int] `json:"scores"`
	// Comments on single dimensions, each optional.
	Comments PerDimension[string] `json:"comments,omitzero"`
	// Comment is an optional overall comment.
	Comment string `json:"comment,omitempty"`
}

// ValidateAssessment checks an assessment: by staff or self; on required and
// not after today; every score from 1 to 5 (scores.stability, …); comments
// optional, at most MaxNoteLength characters each (comments.stability, …,
// comment).
func ValidateAssessment(a Assessment, today Date) error {
	var f Fields
	switch {
	case a.By == "":
		f.Add("by", "is required: staff or self")
	case !a.By.Valid():
		f.Add("by", "must be staff or self")
	}
	switch {
	case a.On.IsZero():
		f.Add("on", "is required")
	case a.On.After(today):
		f.Add("on", "cannot be in the future (today is %s)", today)
	}
	for _, d := range Dimensions {
		if s := a.Scores.Get(d); s < MinScore || s > MaxScore {
			if s == 0 {
				f.Add("scores."+string(d), "is required: a score from %d to %d (%s)", MinScore, MaxScore, d.Japanese())
			} else {
				f.Add("scores."+string(d), "must be from %d to %d, not %d (%s)", MinScore, MaxScore, s, d.Japanese())
			}
		}
	}
	for _, d := range Dimensions {
		f.Text("comments."+string(d), a.Comments.Get(d), MaxNoteLength, true)
	}
	f.Text("comment", a.Comment, MaxNoteLength, true)
	return f.Err()
}

// Sum is the total of the four scores (4 to 20 for a valid assessment).
func (a Assessment) Sum() int {
	return a.Scores.Stability + a.Scores.Execution + a.Scores.Habits + a.Scores.Interpersonal
}

// Average is the mean of the four scores, a multiple of 0.25 (exact in
// floating point). Decisions use Sum, not Average.
func (a Assessment) Average() float64 { return float64(a.Sum()) / float64(len(Dimensions)) }

// AverageText renders the average with two decimals, e.g. "3.75".
func (a Assessment) AverageText() string { return fmt.Sprintf("%.2f", a.Average()) }

// Gap is self − staff for each dimension: positive where the worker rates
// themself higher than staff do.
func Gap(staff, self Assessment) PerDimension[int] {
	var g PerDimension[int]
	for _, d := range Dimensions {
		g.Set(d, self.Scores.Get(d)-staff.Scores.Get(d))
	}
	return g
}

// StepUpReady reports whether a step-up should be recommended: the latest
// staff and the latest self assessment both exist (and are by staff and by
// self respectively) and both averages reach threshold; reaching it exactly
// counts. It compares sum ≥ 4 × threshold: multiplying by 4 is exact in
// floating point and the sum is an integer, so there is no rounding at the
// boundary (a threshold of 4.0 is met by a sum of 16).
func StepUpReady(latestStaff, latestSelf *Assessment, threshold float64) bool {
	if latestStaff == nil || latestSelf == nil || latestStaff.By != AssessorStaff || latestSelf.By != AssessorSelf {
		return false
	}
	need := float64(len(Dimensions)) * threshold
	return float64(latestStaff.Sum()) >= need && float64(latestSelf.Sum()) >= need
}

// AssessmentLeadMonths is how long before a contract extension an
// assessment counts as that extension's assessment (see NextAssessmentDue).
const AssessmentLeadMonths = 1

// NextAssessmentDue returns the date the next assessment is due. Pass the
// date of the last assessment, or the contract's signing date when there has
// been none.
//
// The rule:
//
//  1. Cadence: the last day of the period of intervalMonths that starts the
//     day after last (Civil Code arts. 140, 143, as AddMonthsCivil). That is
//     the same day intervalMonths later (2026-04-10 + 3 → 2026-07-10); after
//     a month's last day, that month's last day (2026-09-30 + 3 →
//     2026-12-31); and the last day of a shorter month when it has no such
//     day (2026-01-30 + 1 → 2026-02-28).
//  2. Before the extension: if nextExtension is set and after last, and the
//     cadence date falls on or after it, the due date is the day before
//     nextExtension, so every extension is preceded by an assessment.
//  3. Unless last already is that extension's assessment: one made within
//     AssessmentLeadMonths before the extension (on or after the same day a
//     month earlier, or that month's last day if it has none: from
//     2026-09-01 for an extension on 2026-10-01, from 2026-02-28 for one on
//     2026-03-31) counts for it, and rule 2 does not apply, so an assessment
//     made early for the extension is not asked for again days later.
//
// A zero nextExtension (no extension ahead) applies rule 1 only. The due
// date depends on nextExtension, so recompute it when an extension takes
// effect (the next one then becomes nextExtension).
// intervalMonths below 1 is taken as 1.
func NextAssessmentDue(last Date, intervalMonths int, nextExtension Date) Date {
	due := AddMonthsCivil(last.AddDays(1), max(intervalMonths, 1))
	if nextExtension.IsZero() || !nextExtension.After(last) || due.Before(nextExtension) {
		return due
	}
	windowStart := AddMonthsCivil(nextExtension.AddDays(1), -AssessmentLeadMonths)
	if !last.Before(windowStart) {
		return due
	}
	return nextExtension.AddDays(-1)
}
