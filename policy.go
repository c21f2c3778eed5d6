package ippo

import (
	"net/mail"
	"slices"
)

// Policy holds every number of the program that staff may change. Each
// version has an effective date; the workflow reads the version in force on
// the day it needs a value, so changing policy never rewrites the past.
type Policy struct {
	// Municipality whose residents are eligible (Kamakura: 14204).
	MunicipalityCode string `json:"municipality_code"`
	MunicipalityName string `json:"municipality_name"`
	// Capacity is the number of places (定員): workers in onboarding or active.
	Capacity int `json:"capacity"`
	// HikikomoriMonths is the minimum withdrawal for the hikikomori category.
	HikikomoriMonths int `json:"hikikomori_months"`
	// TermMonths is the first contract term; ExtensionMonths each automatic extension.
	TermMonths      int `json:"term_months"`
	ExtensionMonths int `json:"extension_months"`
	// NoticeDays is how long before the end the center must give written notice
	// of non-renewal (Freelance Act §16: 30 days).
	NoticeDays int `json:"notice_days"`
	// ReminderDays is how long before an extension the worker is reminded of it.
	ReminderDays int `json:"reminder_days"`
	// WeeklyCapHours caps the declared weekly schedule.
	WeeklyCapHours float64 `json:"weekly_cap_hours"`
	// MaxDailyHours is the most a work log may claim for one day; more is
	// almost always a typing slip (30 for 3.0).
	MaxDailyHours float64 `json:"max_daily_hours"`
	// UtilizationTargetPercent is the gentle target of actual over declared hours.
	UtilizationTargetPercent int `json:"utilization_target_percent"`
	// AssessmentIntervalMonths is the assessment cadence; AssessmentGraceDays how
	// long an assessment may be overdue before staff are told.
	AssessmentIntervalMonths int `json:"assessment_interval_months"`
	AssessmentGraceDays      int `json:"assessment_grace_days"`
	// StepUpThreshold is the average (1–5) both staff and self must reach.
	StepUpThreshold float64 `json:"step_up_threshold"`
	// AckTimeoutDays is how long an agency has to acknowledge a handoff.
	AckTimeoutDays int `json:"ack_timeout_days"`
	// FollowUpMonths are the check-ins after graduation, in months.
	FollowUpMonths []int `json:"follow_up_months"`
	// ProvisionRetentionYears is how long a record of a third-party provision is kept.
	ProvisionRetentionYears int `json:"provision_retention_years"`
	// Wages is the prefecture's minimum wage, effective-dated, and
	// WagePrefecture the prefecture it is of (named in contract terms).
	Wages          WageTable `json:"wages"`
	WagePrefecture string    `json:"wage_prefecture"`
	// StaffEmail receives tasks and escalations; CityEmail the monthly report.
	StaffEmail string `json:"staff_email"`
	CityEmail  string `json:"city_email"`
	// Matching weighs task suggestions; nil (versions written before it
	// existed, or a PUT without it) means DefaultMatchPolicy.
	Matching *MatchPolicy `json:"matching,omitempty"`
}

// MatchPolicy returns the matching weights in force.
func (p Policy) MatchPolicy() MatchPolicy {
	if p.Matching == nil {
		return DefaultMatchPolicy()
	}
	return *p.Matching
}

// WageRate is an hourly fee in yen from a date on.
type WageRate struct {
	From Date `json:"from"`
	Yen  int  `json:"yen"`
}

// WageTable lists rates in ascending order of From.
type WageTable []WageRate

// RateOn returns the rate in force on d, or 0 if d precedes the table.
func (w WageTable) RateOn(d Date) int {
	rate := 0
	for _, r := range w {
		if r.From.After(d) {
			break
		}
		rate = r.Yen
	}
	return rate
}

// DefaultPolicy is the Kamakura program as the center runs it.
func DefaultPolicy() Policy {
	return Policy{
		MunicipalityCode:         "14204",
		MunicipalityName:         "鎌倉市",
		Capacity:                 50,
		HikikomoriMonths:         6,
		TermMonths:               6,
		ExtensionMonths:          3,
		NoticeDays:               30,
		ReminderDays:             14,
		WeeklyCapHours:           16,
		MaxDailyHours:            8,
		UtilizationTargetPercent: 80,
		AssessmentIntervalMonths: 3,
		AssessmentGraceDays:      14,
		StepUpThreshold:          4.0,
		AckTimeoutDays:           14,
		FollowUpMonths:           []int{1, 3, 6},
		ProvisionRetentionYears:  3,
		Wages: WageTable{
			{From: Date{2024, 10, 1}, Yen: 1162},
			{From: Date{2025, 10, 4}, Yen: 1225},
		},
		WagePrefecture: "神奈川県",
		StaffEmail:     "staff@digikama.example.jp",
		CityEmail:      "shuro@city.kamakura.example.jp",
	}
}

// Validate checks every value and names each one at fault.
func (p Policy) Validate() error {
	var f Fields
	if !isDigits(p.MunicipalityCode) || len(p.MunicipalityCode) != 5 {
		f.Add("municipality_code", "must be a five-digit local government code (e.g. 14204)")
	}
	if p.MunicipalityName == "" {
		f.Add("municipality_name", "is required")
	}
	between := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			f.Add(field, "must be between %d and %d", lo, hi)
		}
	}
	between("capacity", p.Capacity, 1, 10000)
	between("hikikomori_months", p.HikikomoriMonths, 1, 120)
	between("term_months", p.TermMonths, 1, 36)
	between("extension_months", p.ExtensionMonths, 1, 36)
	between("notice_days", p.NoticeDays, 30, 180) // the Freelance Act's 30 days is a floor
	between("reminder_days", p.ReminderDays, 1, 90)
	between("utilization_target_percent", p.UtilizationTargetPercent, 1, 100)
	between("assessment_interval_months", p.AssessmentIntervalMonths, 1, 24)
	between("assessment_grace_days", p.AssessmentGraceDays, 1, 90)
	between("ack_timeout_days", p.AckTimeoutDays, 1, 90)
	between("provision_retention_years", p.ProvisionRetentionYears, 3, 10) // APPI keeps records 3 years at least
	if p.WeeklyCapHours <= 0 || p.WeeklyCapHours > 40 {
		f.Add("weekly_cap_hours", "must be more than 0 and at most 40")
	}
	if p.MaxDailyHours <= 0 || p.MaxDailyHours > 24 {
		f.Add("max_daily_hours", "must be more than 0 and at most 24")
	}
	if p.StepUpThreshold < 1 || p.StepUpThreshold > 5 {
		f.Add("step_up_threshold", "must be between 1 and 5")
	}
	if p.ReminderDays >= p.ExtensionMonths*30 {
		f.Add("reminder_days", "must be shorter than an extension")
	}
	if len(p.FollowUpMonths) == 0 || !slices.IsSorted(p.FollowUpMonths) || p.FollowUpMonths[0] < 1 || p.FollowUpMonths[len(p.FollowUpMonths)-1] > 36 {
		f.Add("follow_up_months", "must be months between 1 and 36 in ascending order")
	}
	if p.WagePrefecture == "" {
		f.Add("wage_prefecture", "is required (the prefecture whose minimum wage the fee follows)")
	}
	if len(p.Wages) == 0 {
		f.Add("wages", "needs at least one rate")
	}
	for i, r := range p.Wages {
		if r.Yen <= 0 || r.Yen > 10000 {
			f.Add("wages", "rate %d must be between 1 and 10000 yen", i+1)
		}
		if r.From.IsZero() {
			f.Add("wages", "rate %d needs a from date", i+1)
		}
		if i > 0 && !r.From.After(p.Wages[i-1].From) {
			f.Add("wages", "rates must be in ascending order of from date")
		}
	}
	for field, addr := range map[string]string{"staff_email": p.StaffEmail, "city_email": p.CityEmail} {
		if _, err := mail.ParseAddress(addr); err != nil {
			f.Add(field, "must be an email address")
		}
	}
	if p.Matching != nil {
		p.Matching.Validate(&f)
	}
	slices.SortFunc(f, func(a, b FieldError) int { return cmpString(a.Field, b.Field) })
	return f.Err()
}

// PolicyVersion is a policy with the date it takes effect.
type PolicyVersion struct {
	EffectiveFrom Date   `json:"effective_from"`
	Policy        Policy `json:"policy"`
}

// PolicyAt returns the policy in force on d from versions sorted by
// EffectiveFrom; before the first version, the first applies.
func PolicyAt(versions []PolicyVersion, d Date) Policy {
	if len(versions) == 0 {
		return DefaultPolicy()
	}
	p := versions[0].Policy
	for _, v := range versions[1:] {
		if v.EffectiveFrom.After(d) {
			break
		}
		p = v.Policy
	}
	return p
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
