package ippo

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func validDisability() Applicant {
	return Applicant{
		Name: "鎌倉 花子", Email: "hanako@example.jp", MunicipalityCode: "14204",
		Category: CategoryDisability, RecognizedByDoctor: true, DisabilityTypes: []DisabilityType{DisabilityMental},
		Consent: CollectionConsent{GivenOn: d("2026-04-01"), WordingVersion: "2026-04"},
	}
}

func validHikikomori() Applicant {
	a := validDisability()
	a.Category, a.RecognizedByDoctor, a.DisabilityTypes = CategoryHikikomori, false, nil
	a.WithdrawnSince, a.SupportingBody = d("2025-10-01"), "鎌倉市生活福祉課"
	return a
}

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *Error
	require.True(t, errors.As(err, &e), "want *Error, got %T", err)
	require.Equal(t, EINVALID, e.Code)
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestCheckApplicant(t *testing.T) {
	p := DefaultPolicy()
	today := d("2026-04-01")
	cases := []struct {
		name   string
		edit   func(*Applicant)
		base   func() Applicant
		fields []string
	}{
		{"disability, valid", func(*Applicant) {}, validDisability, nil},
		{"hikikomori, valid at exactly six months", func(*Applicant) {}, validHikikomori, nil},
		{"hikikomori one day short of six months", func(a *Applicant) { a.WithdrawnSince = d("2025-10-02") }, validHikikomori, []string{"withdrawn_since"}},
		{"hikikomori without a supporting body", func(a *Applicant) { a.SupportingBody = " " }, validHikikomori, []string{"supporting_body"}},
		{"hikikomori without a date", func(a *Applicant) { a.WithdrawnSince = Date{} }, validHikikomori, []string{"withdrawn_since"}},
		{"withdrawn since a future date", func(a *Applicant) { a.WithdrawnSince = d("2026-05-01") }, validHikikomori, []string{"withdrawn_since"}},
		{"resident of another city", func(a *Applicant) { a.MunicipalityCode = "14100" }, validDisability, []string{"municipality_code"}},
		{"disability not recognized by a doctor", func(a *Applicant) { a.RecognizedByDoctor = false }, validDisability, []string{"recognized_by_doctor"}},
		{"no disability type", func(a *Applicant) { a.DisabilityTypes = nil }, validDisability, []string{"disability_types"}},
		{"unknown disability type", func(a *Applicant) { a.DisabilityTypes = []DisabilityType{"visual"} }, validDisability, []string{"disability_types"}},
		{"hikikomori facts under disability", func(a *Applicant) { a.SupportingBody = "x" }, validDisability, []string{"category"}},
		{"no consent", func(a *Applicant) { a.Consent = CollectionConsent{} }, validDisability, []string{"consent.given_on", "consent.wording_version"}},
		{"consent in the future", func(a *Applicant) { a.Consent.GivenOn = d("2026-04-02") }, validDisability, []string{"consent.given_on"}},
		{"no category", func(a *Applicant) { a.Category = "" }, validDisability, []string{"category"}},
		{"no name, bad email", func(a *Applicant) { a.Name, a.Email = "", "hanako at example" }, validDisability, []string{"name", "email"}},
		{"email with a display name", func(a *Applicant) { a.Email = "Hanako <hanako@example.jp>" }, validDisability, []string{"email"}},
		{"intractable disease goes with either category", func(a *Applicant) { a.IntractableDisease = true }, validHikikomori, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := c.base()
			c.edit(&a)
			a.Normalize()
			require.ElementsMatch(t, c.fields, fieldsOf(t, CheckApplicant(a, p, today)))
		})
	}
}

func TestPolicyValidate(t *testing.T) {
	require.NoError(t, DefaultPolicy().Validate())
	p := DefaultPolicy()
	p.NoticeDays = 10
	p.Capacity = 0
	p.Wages = WageTable{{From: d("2025-10-04"), Yen: 1225}, {From: d("2024-10-01"), Yen: 1162}}
	p.CityEmail = "not an email"
	require.ElementsMatch(t, []string{"capacity", "city_email", "notice_days", "wages"}, fieldsOf(t, p.Validate()))
}

func TestWageRateOn(t *testing.T) {
	w := DefaultPolicy().Wages
	require.Equal(t, 0, w.RateOn(d("2024-09-30")))
	require.Equal(t, 1162, w.RateOn(d("2024-10-01")))
	require.Equal(t, 1162, w.RateOn(d("2025-10-03")))
	require.Equal(t, 1225, w.RateOn(d("2025-10-04")))
}

func TestPolicyAt(t *testing.T) {
	a, b := DefaultPolicy(), DefaultPolicy()
	b.Capacity = 60
	versions := []PolicyVersion{{EffectiveFrom: d("2022-10-01"), Policy: a}, {EffectiveFrom: d("2026-04-01"), Policy: b}}
	require.Equal(t, 50, PolicyAt(versions, d("2026-03-31")).Capacity)
	require.Equal(t, 60, PolicyAt(versions, d("2026-04-01")).Capacity)
	require.Equal(t, 50, PolicyAt(versions, d("2020-01-01")).Capacity)
}

// TestHikikomoriPeriodAgainstAnIndependentCalendar checks the six-month rule
// on every day of five years against a calendar computed another way: a
// withdrawal that began on start has lasted the months once the day that
// corresponds to start that many months later has come (or, when that month
// has no such day, the first of the month after it).
func TestHikikomoriPeriodAgainstAnIndependentCalendar(t *testing.T) {
	p := DefaultPolicy()
	firstDayAfter := func(start Date, months int) time.Time {
		y, m := start.Year, int(start.Month)-1+months
		y, m = y+m/12, m%12+1
		days := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if start.Day <= days {
			return time.Date(y, time.Month(m), start.Day, 0, 0, 0, 0, time.UTC)
		}
		return time.Date(y, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC)
	}
	for today := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); today.Year() < 2029; today = today.AddDate(0, 0, 1) {
		td := Date{today.Year(), today.Month(), today.Day()}
		for back := 170; back <= 200; back++ {
			s := today.AddDate(0, 0, -back)
			start := Date{s.Year(), s.Month(), s.Day()}
			want := !today.Before(firstDayAfter(start, p.HikikomoriMonths))
			a := validHikikomori()
			a.WithdrawnSince = start
			got := !slices.Contains(fieldsOf(t, CheckApplicant(a, p, td)), "withdrawn_since")
			if got != want {
				t.Fatalf("today %s, withdrawn since %s: accepted %v, want %v", td, start, got, want)
			}
		}
	}
}

func TestLatestWithdrawalStart(t *testing.T) {
	for _, c := range []struct{ today, latest string }{
		{"2025-08-29", "2025-02-28"}, // the case: 2025-03-01 is two days short
		{"2025-08-31", "2025-02-28"},
		{"2025-09-01", "2025-03-01"},
		{"2026-04-01", "2025-10-01"},
		{"2024-08-30", "2024-02-29"}, // leap year
		{"2024-08-28", "2024-02-28"},
		{"2026-03-01", "2025-09-01"},
		{"2026-02-28", "2025-08-28"}, // 08-29 to 08-31 all run to the end of February
	} {
		require.Equal(t, d(c.latest), LatestWithdrawalStart(d(c.today), 6), "today %s", c.today)
	}
}
