package ippo

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func scoresOf(stability, execution, habits, interpersonal int) PerDimension[int] {
	return PerDimension[int]{Stability: stability, Execution: execution, Habits: habits, Interpersonal: interpersonal}
}

func TestDimensions(t *testing.T) {
	require.Equal(t, [4]Dimension{"stability", "execution", "habits", "interpersonal"}, Dimensions)
	want := []string{"作業安定度", "作業遂行", "基本的労働習慣", "対人技能"}
	for i, d := range Dimensions {
		require.True(t, d.Valid())
		require.Equal(t, want[i], d.Japanese())
	}
	require.False(t, Dimension("speed").Valid())
	require.Equal(t, "支援員評価", AssessorStaff.Japanese())
	require.Equal(t, "自己評価", AssessorSelf.Japanese())
}

func TestPerDimensionGetSet(t *testing.T) {
	var p PerDimension[int]
	for i, d := range Dimensions {
		p.Set(d, i+1)
	}
	require.Equal(t, scoresOf(1, 2, 3, 4), p)
	for i, d := range Dimensions {
		require.Equal(t, i+1, p.Get(d))
	}
	p.Set("speed", 9)
	require.Equal(t, scoresOf(1, 2, 3, 4), p)
	require.Equal(t, 0, p.Get("speed"))
}

func TestAssessmentJSON(t *testing.T) {
	a := Assessment{By: AssessorSelf, On: NewDate(2026, 6, 20), Scores: scoresOf(4, 3, 5, 4)}
	b, err := json.Marshal(a)
	require.NoError(t, err)
	require.JSONEq(t, `{"by":"self","on":"2026-06-20","scores":{"stability":4,"execution":3,"habits":5,"interpersonal":4}}`, string(b))

	a.Comments.Habits = "毎日同じ時間に始められた"
	a.Comment = "順調"
	b, err = json.Marshal(a)
	require.NoError(t, err)
	require.JSONEq(t, `{"by":"self","on":"2026-06-20","scores":{"stability":4,"execution":3,"habits":5,"interpersonal":4},
		"comments":{"stability":"","execution":"","habits":"毎日同じ時間に始められた","interpersonal":""},"comment":"順調"}`, string(b))

	var back Assessment
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, a, back)
}

func TestValidateAssessment(t *testing.T) {
	today := NewDate(2026, 6, 30)
	good := Assessment{By: AssessorStaff, On: today, Scores: scoresOf(3, 4, 5, 1)}
	with := func(f func(*Assessment)) Assessment { a := good; f(&a); return a }
	tests := []struct {
		name   string
		a      Assessment
		fields []string
		says   string
	}{
		{name: "a sound staff assessment", a: good},
		{name: "a self-assessment in the past", a: with(func(a *Assessment) { a.By = AssessorSelf; a.On = today.AddDays(-10) })},
		{name: "all ones and all fives", a: with(func(a *Assessment) { a.Scores = scoresOf(1, 1, 5, 5) })},
		{name: "tomorrow", a: with(func(a *Assessment) { a.On = today.AddDays(1) }), fields: []string{"on"}, says: "cannot be in the future"},
		{name: "no date", a: with(func(a *Assessment) { a.On = Date{} }), fields: []string{"on"}},
		{name: "no assessor", a: with(func(a *Assessment) { a.By = "" }), fields: []string{"by"}, says: "staff or self"},
		{name: "unknown assessor", a: with(func(a *Assessment) { a.By = "manager" }), fields: []string{"by"}},
		{name: "a score of 0 is missing", a: with(func(a *Assessment) { a.Scores.Execution = 0 }),
			fields: []string{"scores.execution"}, says: "is required: a score from 1 to 5 (作業遂行)"},
		{name: "a score of 6", a: with(func(a *Assessment) { a.Scores.Interpersonal = 6 }),
			fields: []string{"scores.interpersonal"}, says: "must be from 1 to 5, not 6 (対人技能)"},
		{name: "a negative score", a: with(func(a *Assessment) { a.Scores.Stability = -1 }), fields: []string{"scores.stability"}},
		{name: "no scores at all, in the fixed order", a: with(func(a *Assessment) { a.Scores = PerDimension[int]{} }),
			fields: []string{"scores.stability", "scores.execution", "scores.habits", "scores.interpersonal"}},
		{name: "comments at the limit", a: with(func(a *Assessment) {
			a.Comments.Stability = strings.Repeat("安", MaxNoteLength)
			a.Comment = strings.Repeat("全", MaxNoteLength)
		})},
		{name: "comments too long", a: with(func(a *Assessment) {
			a.Comments.Habits = strings.Repeat("習", MaxNoteLength+1)
			a.Comment = strings.Repeat("全", MaxNoteLength+1)
		}), fields: []string{"comments.habits", "comment"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateAssessment(tt.a, today)
			if tt.fields == nil {
				require.NoError(t, err)
				return
			}
			require.Equal(t, tt.fields, ruleFieldNames(t, err))
			if tt.says != "" {
				require.Contains(t, ruleFieldErrors(t, err)[0].Message, tt.says)
			}
		})
	}
}

func TestAssessmentAverage(t *testing.T) {
	tests := []struct {
		s    PerDimension[int]
		sum  int
		avg  float64
		text string
	}{
		{scoresOf(4, 4, 4, 4), 16, 4, "4.00"},
		{scoresOf(5, 3, 4, 3), 15, 3.75, "3.75"},
		{scoresOf(1, 1, 1, 2), 5, 1.25, "1.25"},
		{scoresOf(5, 5, 5, 5), 20, 5, "5.00"},
	}
	for _, tt := range tests {
		a := Assessment{Scores: tt.s}
		require.Equal(t, tt.sum, a.Sum())
		require.Equal(t, tt.avg, a.Average())
		require.Equal(t, tt.text, a.AverageText())
	}
}

func TestGap(t *testing.T) {
	staff := Assessment{By: AssessorStaff, Scores: scoresOf(3, 4, 2, 5)}
	self := Assessment{By: AssessorSelf, Scores: scoresOf(4, 4, 1, 3)}
	require.Equal(t, scoresOf(1, 0, -1, -2), Gap(staff, self))
	require.Equal(t, scoresOf(-1, 0, 1, 2), Gap(self, staff))
	b, err := json.Marshal(Gap(staff, staff))
	require.NoError(t, err)
	require.JSONEq(t, `{"stability":0,"execution":0,"habits":0,"interpersonal":0}`, string(b))
}

func TestStepUpReady(t *testing.T) {
	staffOf := func(s PerDimension[int]) *Assessment { return &Assessment{By: AssessorStaff, Scores: s} }
	selfOf := func(s PerDimension[int]) *Assessment { return &Assessment{By: AssessorSelf, Scores: s} }
	tests := []struct {
		name      string
		staff     *Assessment
		self      *Assessment
		threshold float64
		want      bool
	}{
		{"both exactly at 4.0", staffOf(scoresOf(4, 4, 4, 4)), selfOf(scoresOf(5, 3, 4, 4)), 4, true},
		{"both above", staffOf(scoresOf(5, 5, 4, 4)), selfOf(scoresOf(5, 5, 5, 4)), 4, true},
		{"staff just below (3.75)", staffOf(scoresOf(4, 4, 4, 3)), selfOf(scoresOf(5, 5, 5, 5)), 4, false},
		{"self just below (3.75)", staffOf(scoresOf(5, 5, 5, 5)), selfOf(scoresOf(3, 4, 4, 4)), 4, false},
		{"no self-assessment yet", staffOf(scoresOf(5, 5, 5, 5)), nil, 4, false},
		{"no staff assessment yet", nil, selfOf(scoresOf(5, 5, 5, 5)), 4, false},
		{"neither", nil, nil, 4, false},
		{"a quarter threshold met exactly", staffOf(scoresOf(4, 4, 4, 3)), selfOf(scoresOf(3, 4, 4, 4)), 3.75, true},
		{"a quarter threshold missed", staffOf(scoresOf(4, 4, 3, 3)), selfOf(scoresOf(4, 4, 4, 4)), 3.75, false},
		{"threshold 3.3: 3.5 reaches it", staffOf(scoresOf(4, 3, 4, 3)), selfOf(scoresOf(4, 3, 4, 3)), 3.3, true},
		{"threshold 3.3: 3.25 does not", staffOf(scoresOf(4, 3, 3, 3)), selfOf(scoresOf(4, 3, 4, 3)), 3.3, false},
		{"threshold 5 needs all fives", staffOf(scoresOf(5, 5, 5, 5)), selfOf(scoresOf(5, 5, 5, 5)), 5, true},
		{"assessments passed the wrong way round", selfOf(scoresOf(5, 5, 5, 5)), staffOf(scoresOf(5, 5, 5, 5)), 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, StepUpReady(tt.staff, tt.self, tt.threshold))
		})
	}
}

func TestNextAssessmentDue(t *testing.T) {
	d := NewDate
	tests := []struct {
		name     string
		last     Date
		interval int
		ext      Date
		want     Date
	}{
		{"every 3 months, no extension ahead", d(2026, 4, 10), 3, Date{}, d(2026, 7, 10)},
		{"month-end clamps", d(2026, 1, 31), 1, Date{}, d(2026, 2, 28)},
		{"month-end clamps in a leap year", d(2028, 1, 31), 1, Date{}, d(2028, 2, 29)},
		{"30 Nov + 3 → 28 Feb", d(2026, 11, 30), 3, Date{}, d(2027, 2, 28)},
		{"across the year", d(2026, 12, 31), 3, Date{}, d(2027, 3, 31)},
		{"30 Jan + 1 → 28 Feb", d(2026, 1, 30), 1, Date{}, d(2026, 2, 28)},
		{"28 Feb (month-end) + 1 → 31 Mar", d(2026, 2, 28), 1, Date{}, d(2026, 3, 31)},
		{"27 Feb + 1 → 27 Mar", d(2026, 2, 27), 1, Date{}, d(2026, 3, 27)},
		{"interval below 1 is 1", d(2026, 4, 10), 0, Date{}, d(2026, 5, 10)},
		// Signed 2026-04-01: term ends 09-30, first extension 10-01.
		{"first, from the signing date", d(2026, 4, 1), 3, d(2026, 10, 1), d(2026, 7, 1)},
		{"cadence one day before the extension is kept", d(2026, 6, 30), 3, d(2026, 10, 1), d(2026, 9, 30)},
		{"cadence on the extension day moves to the day before", d(2026, 7, 1), 3, d(2026, 10, 1), d(2026, 9, 30)},
		{"a late assessment is pulled back before the extension", d(2026, 7, 3), 3, d(2026, 10, 1), d(2026, 9, 30)},
		{"a day before the lead window: still capped", d(2026, 8, 31), 3, d(2026, 10, 1), d(2026, 9, 30)},
		{"first day of the lead window counts for the extension", d(2026, 9, 1), 3, d(2026, 10, 1), d(2026, 12, 1)},
		{"early for the extension: not asked again days later", d(2026, 9, 20), 3, d(2026, 10, 1), d(2026, 12, 20)},
		{"the day before the extension; a month-end stays a month-end", d(2026, 9, 30), 3, d(2026, 10, 1), d(2026, 12, 31)},
		{"on the extension day the extension is past", d(2026, 10, 1), 3, d(2026, 10, 1), d(2027, 1, 1)},
		{"a stale extension is ignored", d(2026, 10, 5), 3, d(2026, 10, 1), d(2027, 1, 5)},
		{"lead window clamps at month-end (ext 31 Mar → from 28 Feb)", d(2026, 2, 28), 3, d(2026, 3, 31), d(2026, 5, 31)},
		{"just outside a clamped lead window", d(2026, 2, 27), 3, d(2026, 3, 31), d(2026, 3, 30)},
		{"a 6-month interval still meets each extension", d(2026, 9, 30), 6, d(2027, 1, 1), d(2026, 12, 31)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, NextAssessmentDue(tt.last, tt.interval, tt.ext))
		})
	}
}
