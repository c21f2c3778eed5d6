package ippo

import (
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Category is the ground on which a person may use the program.
type Category string

const (
	CategoryDisability Category = "disability" // a disability recognized by a doctor
	CategoryHikikomori Category = "hikikomori" // withdrawn for months and supported by the city or an agency
)

// DisabilityType is recorded for the disability category. These are
// 要配慮個人情報: they stay in PostgreSQL and never enter a workflow.
type DisabilityType string

const (
	DisabilityMental        DisabilityType = "mental"
	DisabilityDevelopmental DisabilityType = "developmental"
	DisabilityIntellectual  DisabilityType = "intellectual"
	DisabilityPhysical      DisabilityType = "physical"
)

var DisabilityTypes = []DisabilityType{DisabilityMental, DisabilityDevelopmental, DisabilityIntellectual, DisabilityPhysical}

// Applicant is what intake records about a person. It holds personal and
// sensitive facts and lives only in PostgreSQL.
type Applicant struct {
	Name             string   `json:"name"`
	NameKana         string   `json:"name_kana,omitempty"`
	Email            string   `json:"email"`
	MunicipalityCode string   `json:"municipality_code"`
	Category         Category `json:"category"`
	// Disability category.
	RecognizedByDoctor bool             `json:"recognized_by_doctor,omitempty"`
	DisabilityTypes    []DisabilityType `json:"disability_types,omitempty"`
	// Hikikomori category.
	WithdrawnSince Date   `json:"withdrawn_since,omitzero"`
	SupportingBody string `json:"supporting_body,omitempty"`
	// Either category.
	IntractableDisease     bool `json:"intractable_disease"`
	WantsGeneralEmployment bool `json:"wants_general_employment"`
	// Consent to the collection of sensitive facts (APPI art. 20(2)).
	Consent CollectionConsent `json:"consent"`
}

// CollectionConsent records the applicant's consent to collecting
// 要配慮個人情報: when, and which wording they agreed to.
type CollectionConsent struct {
	GivenOn        Date   `json:"given_on"`
	WordingVersion string `json:"wording_version"`
}

// Normalize trims what people type around names and addresses.
func (a *Applicant) Normalize() {
	a.Name = strings.TrimSpace(a.Name)
	a.NameKana = strings.TrimSpace(a.NameKana)
	a.Email = strings.TrimSpace(a.Email)
	a.MunicipalityCode = strings.TrimSpace(a.MunicipalityCode)
	a.SupportingBody = strings.TrimSpace(a.SupportingBody)
	a.Consent.WordingVersion = strings.TrimSpace(a.Consent.WordingVersion)
	slices.Sort(a.DisabilityTypes)
	a.DisabilityTypes = slices.Compact(a.DisabilityTypes)
}

// CheckApplicant applies the intake rules the system can check and names
// every field that fails. Staff still decide eligibility; this only keeps
// an application that cannot be eligible from starting.
func CheckApplicant(a Applicant, p Policy, today Date) error {
	var f Fields
	if a.Name == "" {
		f.Add("name", "is required")
	} else {
		f.Text("name", a.Name, 100, false)
	}
	f.Text("name_kana", a.NameKana, 100, false)
	f.Text("supporting_body", a.SupportingBody, 200, false)
	f.Text("consent.wording_version", a.Consent.WordingVersion, 50, false)
	if a.Email == "" {
		f.Add("email", "is required: the program reaches people in writing")
	} else if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email {
		f.Add("email", "must be a plain email address such as hanako@example.jp")
	}
	if a.MunicipalityCode != p.MunicipalityCode {
		f.Add("municipality_code", "only residents of %s (municipality code %s) can use the program", p.MunicipalityName, p.MunicipalityCode)
	}
	switch a.Category {
	case CategoryDisability:
		if !a.RecognizedByDoctor {
			f.Add("recognized_by_doctor", "the disability category needs a disability recognized by a doctor")
		}
		if len(a.DisabilityTypes) == 0 {
			f.Add("disability_types", "name at least one of mental, developmental, intellectual, physical")
		}
		for _, t := range a.DisabilityTypes {
			if !slices.Contains(DisabilityTypes, t) {
				f.Add("disability_types", "%q is not one of mental, developmental, intellectual, physical", t)
			}
		}
		if !a.WithdrawnSince.IsZero() || a.SupportingBody != "" {
			f.Add("category", "withdrawn_since and supporting_body belong to the hikikomori category")
		}
	case CategoryHikikomori:
		switch latest := LatestWithdrawalStart(today, p.HikikomoriMonths); {
		case a.WithdrawnSince.IsZero():
			f.Add("withdrawn_since", "is required for the hikikomori category")
		case a.WithdrawnSince.After(today):
			f.Add("withdrawn_since", "cannot be in the future")
		case a.WithdrawnSince.After(latest):
			f.Add("withdrawn_since", "the hikikomori category needs %d months or more (since %s or earlier)", p.HikikomoriMonths, latest)
		}
		if a.SupportingBody == "" {
			f.Add("supporting_body", "name the city office or agency that supports the applicant")
		}
		if a.RecognizedByDoctor || len(a.DisabilityTypes) > 0 {
			f.Add("category", "recognized_by_doctor and disability_types belong to the disability category")
		}
	case "":
		f.Add("category", "is required: disability or hikikomori")
	default:
		f.Add("category", "must be disability or hikikomori")
	}
	switch {
	case a.Consent.GivenOn.IsZero():
		f.Add("consent.given_on", "the applicant's consent to collecting sensitive facts is required, with its date")
	case a.Consent.GivenOn.After(today):
		f.Add("consent.given_on", "cannot be in the future")
	}
	if a.Consent.WordingVersion == "" {
		f.Add("consent.wording_version", "name the version of the consent wording the applicant agreed to")
	}
	return f.Err()
}

// LatestWithdrawalStart is the latest date a withdrawal may have begun for
// it to have lasted months full months by today: the period that starts on
// that date (its first day counting) must have run out, by Civil Code
// art. 143, before today. Counting months back from today instead would
// accept some applicants days early around month-ends (on 2025-08-29, a
// withdrawal since 2025-03-01 has not yet lasted six months: that period
// ends on 2025-08-31).
func LatestWithdrawalStart(today Date, months int) Date {
	ranOut := func(start Date) bool { return AddMonthsCivil(start, months).Before(today) }
	// Start near the answer, then settle on it from either side: periods
	// that start later never end earlier.
	d := NewDate(today.Year, today.Month-time.Month(months), today.Day)
	for !ranOut(d) {
		d = d.AddDays(-1)
	}
	for ranOut(d.AddDays(1)) {
		d = d.AddDays(1)
	}
	return d
}

// Worker is the read model of one worker's lifecycle, with the personal
// facts staff need to see.
type Worker struct {
	ID        string    `json:"id"`
	Applicant Applicant `json:"applicant"`
	Phase     Phase     `json:"phase"`
	// Status refines the phase for staff: awaiting_decision, waitlisted, …
	Status           string    `json:"status,omitempty"`
	WaitlistPosition int       `json:"waitlist_position,omitempty"`
	ContractStart    Date      `json:"contract_start,omitzero"`
	ContractEnd      Date      `json:"contract_end,omitzero"`
	Extensions       int       `json:"extensions"`
	EndsOn           Date      `json:"ends_on,omitzero"`
	NextDeadline     time.Time `json:"next_deadline,omitzero"`
	NextDeadlineKind string    `json:"next_deadline_kind,omitempty"`
	AppliedAt        time.Time `json:"applied_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// EmailInUse is the conflict of an intake whose email belongs to a worker
// whose lifecycle is open (other, if known).
func EmailInUse(other string) *Error {
	msg, field := "someone with this email is already registered and their lifecycle is open", "is already used by a worker whose lifecycle is open"
	if other != "" {
		msg += " (worker " + other + ")"
		field = "is already used by worker " + other
	}
	return &Error{Code: ECONFLICT, Message: msg, Fields: []FieldError{{Field: "email", Message: field}}}
}
