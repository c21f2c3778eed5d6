package console

import (
	"testing"

	"github.com/ippo-center/ippo"
	"github.com/stretchr/testify/require"
)

func TestProblemsSayWhyInJapanese(t *testing.T) {
	tooLate := &ippo.Error{Code: ippo.ECONFLICT, Phase: ippo.PhaseActive,
		Message: "too late to end the contract on 2027-03-31: the center must give notice at least 30 days before the end (by 2027-03-01); the earliest possible end date is 2027-06-30",
		Details: map[string]string{"earliest_end_date": "2027-06-30"}}
	fields, p := problems(tooLate)
	require.Nil(t, fields)
	require.Equal(t, "2027年3月31日に終了するには、30日前までにお知らせする必要があり、その期限を過ぎています。いちばん早い終了日は2027年6月30日です。", p.Message)
	require.Equal(t, ippo.Date{Year: 2027, Month: 6, Day: 30}, p.Earliest)

	_, p = problems(ippo.WrongPhase("signing the contract", ippo.PhaseScreening, "eligibility", "withdrawal"))
	require.Equal(t, "いまの段階(利用審査中)では、この手続きはできません。", p.Message)
	require.Equal(t, []string{"利用の判定", "利用終了の記録"}, p.Allowed)

	fields, _ = problems(ippo.Invalid([]ippo.FieldError{
		{Field: "email", Message: "must be a plain email address such as hanako@example.jp"},
		{Field: "withdrawn_since", Message: "the hikikomori category needs 6 months or more (since 2026-06-02 or earlier)"},
		{Field: "slots", Message: "add up to 18 hours 20 minutes a week, over the weekly cap of 16 hours"},
		{Field: "name", Message: "something no pattern knows"},
	}))
	require.Equal(t, []fieldProblem{
		{Field: "email", Label: "メールアドレス", Message: "hanako@example.jp のような形のメールアドレスを入力してください。"},
		{Field: "withdrawn_since", Label: "ひきこもり状態が始まった時期", Message: "6か月以上続いていることが必要です(2026年6月2日以前)。"},
		{Field: "slots", Label: "slots", Message: "合計が週18時間20分になり、上限の16時間を超えています。無理のない時間にしましょう。"},
		{Field: "name", Label: "氏名", Message: "入力内容をお確かめください。"},
	}, fields)

	fields, p = problems(ippo.Errorf(ippo.EINTERNAL, "boom"))
	require.Nil(t, fields)
	require.Nil(t, p, "a fault of ours is not the person's problem to fix")
}

func TestCompareMarksWideGaps(t *testing.T) {
	staff := ippo.AssessmentRecord{Assessment: ippo.Assessment{By: ippo.AssessorStaff, On: ippo.Date{Year: 2026, Month: 1, Day: 5},
		Scores: ippo.PerDimension[int]{Stability: 4, Execution: 3, Habits: 5, Interpersonal: 4}}}
	old := ippo.AssessmentRecord{Assessment: ippo.Assessment{By: ippo.AssessorSelf, On: ippo.Date{Year: 2025, Month: 10, Day: 5},
		Scores: ippo.PerDimension[int]{Stability: 1, Execution: 1, Habits: 1, Interpersonal: 1}}}
	self := ippo.AssessmentRecord{Assessment: ippo.Assessment{By: ippo.AssessorSelf, On: ippo.Date{Year: 2026, Month: 1, Day: 7},
		Scores: ippo.PerDimension[int]{Stability: 4, Execution: 4, Habits: 2, Interpersonal: 5}}}
	rows, chart := compare([]ippo.AssessmentRecord{self, staff, old})
	require.Equal(t, []dimensionRow{
		{Name: "作業安定度", Staff: 4, Self: 4},
		{Name: "作業遂行", Staff: 3, Self: 4, Gap: 1},
		{Name: "基本的労働習慣", Staff: 5, Self: 2, Gap: 3, Marked: true},
		{Name: "対人技能", Staff: 4, Self: 5, Gap: 1},
	}, rows, "the latest of each, side by side")
	require.Contains(t, string(chart), "差3")
	rows, chart = compare(nil)
	require.Nil(t, rows)
	require.Empty(t, chart)
}
