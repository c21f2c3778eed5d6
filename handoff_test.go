package ippo

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDestinationsAndItemsHaveJapaneseNames(t *testing.T) {
	for _, d := range Destinations {
		require.True(t, d.Valid())
		require.NotEqual(t, string(d), d.Japanese(), "%s needs a Japanese name", d)
	}
	require.False(t, Destination("retired").Valid())
	require.Equal(t, "就労継続支援A型", DestinationTypeA.Japanese())
	for _, i := range ShareItems {
		require.True(t, i.Valid())
		require.NotEqual(t, string(i), i.Japanese(), "%s needs a label", i)
	}
	require.False(t, ShareItem("medical_records").Valid())
	for _, p := range ConsentPurposes {
		require.NotEqual(t, string(p), p.Japanese())
	}
	for _, dt := range DisabilityTypes {
		require.NotEqual(t, string(dt), dt.Japanese())
	}
}

func TestValidateConsentRequest(t *testing.T) {
	today := NewDate(2027, 3, 1)
	give := ConsentRequest{Action: ConsentGive, AgencyID: "a-1", Purpose: PurposeGraduationHandoff,
		Items: []ShareItem{ShareContact, ShareWorkHistory}, On: today, WordingVersion: " 2027-01 "}
	with := func(f func(*ConsentRequest)) ConsentRequest {
		r := give
		r.Items = append([]ShareItem(nil), give.Items...)
		f(&r)
		return r
	}
	tests := []struct {
		name   string
		r      ConsentRequest
		fields []string
	}{
		{name: "a consent given today", r: give},
		{name: "a withdrawal", r: with(func(r *ConsentRequest) { r.Action, r.Items = ConsentWithdraw, nil })},
		{name: "no action", r: with(func(r *ConsentRequest) { r.Action = "" }), fields: []string{"action"}},
		{name: "opt-out is not a consent", r: with(func(r *ConsentRequest) { r.Action = "opt_out" }), fields: []string{"action"}},
		{name: "no agency", r: with(func(r *ConsentRequest) { r.AgencyID = "" }), fields: []string{"agency_id"}},
		{name: "unknown purpose", r: with(func(r *ConsentRequest) { r.Purpose = "marketing" }), fields: []string{"purpose"}},
		{name: "tomorrow", r: with(func(r *ConsentRequest) { r.On = today.AddDays(1) }), fields: []string{"on"}},
		{name: "no date", r: with(func(r *ConsentRequest) { r.On = Date{} }), fields: []string{"on"}},
		{name: "no wording version", r: with(func(r *ConsentRequest) { r.WordingVersion = "  " }), fields: []string{"wording_version"}},
		{name: "giving nothing", r: with(func(r *ConsentRequest) { r.Items = nil }), fields: []string{"items"}},
		{name: "an unknown item", r: with(func(r *ConsentRequest) { r.Items = []ShareItem{"diagnosis"} }), fields: []string{"items"}},
		{name: "an item twice", r: with(func(r *ConsentRequest) { r.Items = []ShareItem{ShareContact, ShareContact} }), fields: []string{"items"}},
		{name: "items on a withdrawal", r: with(func(r *ConsentRequest) { r.Action = ConsentWithdraw }), fields: []string{"items"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			err := ValidateConsentRequest(&r, today)
			if tt.fields == nil {
				require.NoError(t, err)
				return
			}
			require.Equal(t, tt.fields, ruleFieldNames(t, err))
		})
	}
	r := give
	require.NoError(t, ValidateConsentRequest(&r, today))
	require.Equal(t, []ShareItem{ShareWorkHistory, ShareContact}, r.Items, "items in the order emails show them")
	require.Equal(t, "2027-01", r.WordingVersion)
}

func TestConsentInForce(t *testing.T) {
	c := Consent{GivenOn: NewDate(2027, 3, 1), Items: []ShareItem{ShareWorkHistory}}
	require.False(t, c.InForce(NewDate(2027, 2, 28)), "not before it was given")
	require.True(t, c.InForce(NewDate(2027, 3, 1)))
	require.True(t, c.Allows(ShareWorkHistory))
	require.False(t, c.Allows(ShareDisabilityType), "only what was named")
	c.WithdrawnOn = NewDate(2027, 3, 10)
	require.False(t, c.InForce(NewDate(2027, 3, 5)), "a withdrawn consent allows nothing, whatever the date")
}

func TestLatestAssessments(t *testing.T) {
	rec := func(id string, by Assessor, on Date) AssessmentRecord {
		return AssessmentRecord{ID: id, Assessment: Assessment{By: by, On: on}}
	}
	d := NewDate(2027, 1, 10)
	records := []AssessmentRecord{
		rec("s1", AssessorStaff, d),
		rec("m1", AssessorSelf, d.AddDays(5)),
		rec("s2", AssessorStaff, d.AddDays(3)),
		rec("s0", AssessorStaff, d.AddDays(-30)), // recorded late, about an earlier day
		rec("m2", AssessorSelf, d.AddDays(5)),    // same day: the one recorded later
	}
	staff, self := Latest(records)
	require.Equal(t, "s2", staff.ID)
	require.Equal(t, "m2", self.ID)
	staff, self = Latest(nil)
	require.Nil(t, staff)
	require.Nil(t, self)
}

func TestProvisionKeptUntil(t *testing.T) {
	require.Equal(t, NewDate(2030, 3, 31), ProvisionKeptUntil(NewDate(2027, 4, 1), 3))
	require.Equal(t, NewDate(2031, 2, 27), ProvisionKeptUntil(NewDate(2028, 2, 28), 3))
	require.Equal(t, NewDate(2031, 2, 28), ProvisionKeptUntil(NewDate(2028, 2, 29), 3), "no 2031-02-29: the month's last day")
}

func TestScoresJapanese(t *testing.T) {
	a := Assessment{Scores: PerDimension[int]{Stability: 4, Execution: 3, Habits: 5, Interpersonal: 3}}
	require.Equal(t, "作業安定度 4、作業遂行 3、基本的労働習慣 5、対人技能 3(平均 3.75)", a.ScoresJapanese())
}
