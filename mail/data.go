package mail

import (
	"math"

	"github.com/ippo-center/ippo"
)

// Center is the sender of every email. Each data struct embeds it (under
// the JSON key "center", so its Name and Email never clash with the
// struct's own); it is filled once from configuration. Templates read it
// as .Center.
type Center struct {
	// Name is the center's full name: 「デジタル就労支援センターKAMAKURA」.
	Name string
	// ShortName is used in subjects: 「デジKAMA」. Name if empty.
	ShortName string
	// Operator is the company that signs the contracts (委託者), e.g.
	// 「VALT JAPAN株式会社」. Name if empty.
	Operator string
	// Email is where replies go; the footer shows it.
	Email string
	// URL is the center's web page, shown in the footer if set.
	URL string
}

// Label is the name used in subjects.
func (c Center) Label() string {
	if c.ShortName != "" {
		return c.ShortName
	}
	return c.Name
}

// Contractor is the party that commissions the work in a contract.
func (c Center) Contractor() string {
	if c.Operator != "" {
		return c.Operator
	}
	return c.Name
}

func (c Center) center() Center { return c }

func (c Center) check(k *checker) {
	k.text("Center.Name", c.Name)
	k.email("Center.Email", c.Email)
	if c.URL != "" {
		k.link("Center.URL", c.URL)
	}
}

// Line is one labelled value: a shared item of a handoff, a figure of a
// report.
type Line struct {
	Label string
	Value string
}

// Suggested wording for ContractTerms. The lead may use other text.
const (
	// WorkContentIT describes the work (給付の内容).
	WorkContentIT = "IT業務(文章校正・データ入力など)。個々の作業は、そのつどスタッフからご依頼します。"
	// PlaceRemoteOrOnSite is where the work is done.
	PlaceRemoteOrOnSite = "在宅(ご自宅など)または当センターへの通所。ご自身で申告したスケジュールのとおりです。"
)

// RateBasisMinimumWage says the hourly fee follows the prefecture's minimum
// wage, and changes with it: RateBasisMinimumWage("神奈川県").
func RateBasisMinimumWage(prefecture string) string {
	return prefecture + "の最低賃金に準じます。最低賃金が改定されたときは、改定された日から改定後の額になります。"
}

// ApplicationReceived tells an applicant their application arrived.
type ApplicationReceived struct {
	Center   `json:"center"`
	Name     string
	Received ippo.Date
}

func (ApplicationReceived) Template() Template { return TemplateApplicationReceived }
func (d ApplicationReceived) validate(c *checker) {
	c.text("Name", d.Name)
	c.date("Received", d.Received)
}

// EligibilityApproved tells an applicant they are eligible. If the program
// is full they wait (Waitlisted), at Position when it is known; otherwise a
// place is ready and staff will write about the contract.
type EligibilityApproved struct {
	Center     `json:"center"`
	Name       string
	Waitlisted bool
	// Position is the place in the queue (1 = next), 0 if not shown.
	Position int
}

func (EligibilityApproved) Template() Template { return TemplateEligibilityApproved }
func (d EligibilityApproved) validate(c *checker) {
	c.text("Name", d.Name)
	c.that(d.Position >= 0, "Position", "must not be negative")
	c.that(d.Waitlisted || d.Position == 0, "Position", "is only for a waitlisted applicant")
}

// PlaceReady tells a waitlisted applicant that a place is free.
type PlaceReady struct {
	Center `json:"center"`
	Name   string
}

func (PlaceReady) Template() Template { return TemplatePlaceReady }
func (d PlaceReady) validate(c *checker) {
	c.text("Name", d.Name)
}

// EligibilityNotApproved tells an applicant they are not eligible, and why,
// in plain words.
type EligibilityNotApproved struct {
	Center `json:"center"`
	Name   string
	Reason string
}

func (EligibilityNotApproved) Template() Template { return TemplateEligibilityNotApproved }
func (d EligibilityNotApproved) validate(c *checker) {
	c.text("Name", d.Name)
	c.text("Reason", d.Reason)
}

// ContractKind says why contract terms are sent.
type ContractKind string

const (
	ContractSigning   ContractKind = "signing"
	ContractExtension ContractKind = "extension"
)

// ContractTerms is the written statement of terms (Freelance Act §3), sent
// at signing and at every extension. TermStart is also the day the work was
// commissioned (業務委託をした日).
type ContractTerms struct {
	Center    `json:"center"`
	Name      string
	Kind      ContractKind
	TermStart ippo.Date
	TermEnd   ippo.Date
	// HourlyYen is the fee per hour of work, in yen.
	HourlyYen int
	// RateBasis says how the fee is set: RateBasisMinimumWage("神奈川県").
	RateBasis string
	// WorkContent is the work (給付の内容): WorkContentIT.
	WorkContent string
	// Place is where the work is done: PlaceRemoteOrOnSite.
	Place string
	// PaymentTerms is when and how the fee is paid (支払期日・支払方法),
	// e.g. 「毎月末日締め、翌月末日までに、ご指定の口座へ振り込みます。」
	PaymentTerms string
	// NextExtension is the first day of the next automatic extension,
	// normally the day after TermEnd.
	NextExtension ippo.Date
	// ExtensionMonths is the length of each automatic extension.
	ExtensionMonths int
	// OptOutURL is the signed link to decline the extension (none when
	// Final).
	OptOutURL string
	// Final says the contract ends with this term: the center's notice
	// came too late to stop the extension that starts it, so it ends the
	// contract at TermEnd instead. No extension follows, so the email says
	// so and offers no opt-out.
	Final bool
	// AbsenceURL, optional, is the signed link to report an absence, a
	// late start or an early leave; it works, as often as needed, until
	// TermEnd.
	AbsenceURL string
}

func (ContractTerms) Template() Template { return TemplateContractTerms }

// Extension reports whether the terms are sent for an extension.
func (d ContractTerms) Extension() bool { return d.Kind == ContractExtension }

// OptOutDeadline is the last day the worker may decline the extension.
func (d ContractTerms) OptOutDeadline() ippo.Date { return d.NextExtension.AddDays(-1) }

func (d ContractTerms) validate(c *checker) {
	c.text("Name", d.Name)
	c.that(d.Kind == ContractSigning || d.Kind == ContractExtension, "Kind", "must be signing or extension")
	c.date("TermStart", d.TermStart)
	c.date("TermEnd", d.TermEnd)
	c.that(d.TermEnd.After(d.TermStart), "TermEnd", "must be after TermStart")
	c.that(d.HourlyYen > 0, "HourlyYen", "must be positive")
	c.text("RateBasis", d.RateBasis)
	c.text("WorkContent", d.WorkContent)
	c.text("Place", d.Place)
	c.text("PaymentTerms", d.PaymentTerms)
	if d.Final {
		c.that(d.OptOutURL == "", "OptOutURL", "must be empty: no extension follows a final term")
	} else {
		c.date("NextExtension", d.NextExtension)
		c.that(d.NextExtension.After(d.TermEnd), "NextExtension", "must be after TermEnd")
		c.that(d.ExtensionMonths > 0, "ExtensionMonths", "must be positive")
		c.link("OptOutURL", d.OptOutURL)
	}
	if d.AbsenceURL != "" {
		c.link("AbsenceURL", d.AbsenceURL)
	}
}

// ExtensionReminder reminds a worker that the contract will extend by
// itself, and how to decline if they wish.
type ExtensionReminder struct {
	Center         `json:"center"`
	Name           string
	CurrentEnd     ippo.Date
	ExtensionStart ippo.Date
	ExtensionEnd   ippo.Date
	// OptOutBy is the last day to decline.
	OptOutBy  ippo.Date
	OptOutURL string
}

func (ExtensionReminder) Template() Template { return TemplateExtensionReminder }
func (d ExtensionReminder) validate(c *checker) {
	c.text("Name", d.Name)
	c.date("CurrentEnd", d.CurrentEnd)
	c.date("ExtensionStart", d.ExtensionStart)
	c.date("ExtensionEnd", d.ExtensionEnd)
	c.date("OptOutBy", d.OptOutBy)
	c.that(d.ExtensionStart.After(d.CurrentEnd), "ExtensionStart", "must be after CurrentEnd")
	c.that(d.ExtensionEnd.After(d.ExtensionStart), "ExtensionEnd", "must be after ExtensionStart")
	c.that(d.OptOutBy.Before(d.ExtensionStart), "OptOutBy", "must be before ExtensionStart")
	c.link("OptOutURL", d.OptOutURL)
}

// NonRenewalNotice is the center's written notice that the contract ends
// on EndDate and is not extended (Freelance Act §16), sent at least
// NoticeDays before it.
type NonRenewalNotice struct {
	Center  `json:"center"`
	Name    string
	EndDate ippo.Date
	// Reason is optional; without it the email tells the worker they may
	// ask for it (§16(2)).
	Reason     string
	NoticeDays int
}

func (NonRenewalNotice) Template() Template { return TemplateNonRenewalNotice }
func (d NonRenewalNotice) validate(c *checker) {
	c.text("Name", d.Name)
	c.date("EndDate", d.EndDate)
	c.that(d.NoticeDays >= 30, "NoticeDays", "must be at least 30 (Freelance Act §16)")
}

// SelfAssessmentRequest asks a worker for a self-assessment on the four
// dimensions, through a signed link.
type SelfAssessmentRequest struct {
	Center `json:"center"`
	Name   string
	Due    ippo.Date
	URL    string
}

func (SelfAssessmentRequest) Template() Template { return TemplateSelfAssessmentRequest }
func (d SelfAssessmentRequest) validate(c *checker) {
	c.text("Name", d.Name)
	c.date("Due", d.Due)
	c.link("URL", d.URL)
}

// AssessmentOverdue tells staff an assessment is past its due date.
type AssessmentOverdue struct {
	Center `json:"center"`
	// WorkerName and WorkerRef (their ID) name the worker: the email goes
	// to the center's own address, where staff know people by name.
	WorkerName   string
	WorkerRef    string
	Due          ippo.Date
	StaffMissing bool
	SelfMissing  bool
}

func (AssessmentOverdue) Template() Template { return TemplateAssessmentOverdue }
func (d AssessmentOverdue) validate(c *checker) {
	c.text("WorkerName", d.WorkerName)
	c.text("WorkerRef", d.WorkerRef)
	c.date("Due", d.Due)
	c.that(d.StaffMissing || d.SelfMissing, "StaffMissing", "or SelfMissing must be set")
}

// ScheduleReviewSuggestion gently suggests reviewing the declared schedule
// when a month's hours fell below the target share.
type ScheduleReviewSuggestion struct {
	Center        `json:"center"`
	Name          string
	Month         ippo.YearMonth
	DeclaredHours float64
	ActualHours   float64
	Percent       int
	// TargetPercent is the guide (policy, 80).
	TargetPercent int
}

func (ScheduleReviewSuggestion) Template() Template { return TemplateScheduleReviewSuggestion }
func (d ScheduleReviewSuggestion) validate(c *checker) {
	c.text("Name", d.Name)
	c.month("Month", d.Month)
	c.that(d.DeclaredHours > 0, "DeclaredHours", "must be positive")
	c.that(d.ActualHours >= 0, "ActualHours", "must not be negative")
	c.that(d.Percent >= 0, "Percent", "must not be negative")
	c.that(d.TargetPercent > 0 && d.TargetPercent <= 100, "TargetPercent", "must be between 1 and 100")
}

// StepUpRecommendation tells a worker that both averages reached the
// step-up threshold and offers to talk about a next step.
type StepUpRecommendation struct {
	Center       `json:"center"`
	Name         string
	StaffAverage float64
	SelfAverage  float64
}

func (StepUpRecommendation) Template() Template { return TemplateStepUpRecommendation }
func (d StepUpRecommendation) validate(c *checker) {
	c.text("Name", d.Name)
	c.that(isScore(d.StaffAverage), "StaffAverage", "must be between 1 and 5")
	c.that(isScore(d.SelfAverage), "SelfAverage", "must be between 1 and 5")
}

// StepUpRecommendationStaff tells staff the same.
type StepUpRecommendationStaff struct {
	Center       `json:"center"`
	WorkerName   string
	WorkerRef    string
	StaffAverage float64
	SelfAverage  float64
	Threshold    float64
}

func (StepUpRecommendationStaff) Template() Template { return TemplateStepUpRecommendationStaff }
func (d StepUpRecommendationStaff) validate(c *checker) {
	c.text("WorkerName", d.WorkerName)
	c.text("WorkerRef", d.WorkerRef)
	c.that(isScore(d.StaffAverage), "StaffAverage", "must be between 1 and 5")
	c.that(isScore(d.SelfAverage), "SelfAverage", "must be between 1 and 5")
	c.that(isScore(d.Threshold), "Threshold", "must be between 1 and 5")
}

// AgencyHandoff gives a partner agency the summary the worker agreed to
// share with it. Shared holds exactly the consented items; nothing else
// about the worker's health reaches any email.
type AgencyHandoff struct {
	Center     `json:"center"`
	AgencyName string
	WorkerName string
	// Destination is the step the worker takes, in words: 「一般就労」.
	Destination string
	Shared      []Line
	StaffName   string
	StaffEmail  string
	AckURL      string
	AckBy       ippo.Date
}

func (AgencyHandoff) Template() Template { return TemplateAgencyHandoff }
func (d AgencyHandoff) validate(c *checker) {
	c.text("AgencyName", d.AgencyName)
	c.text("WorkerName", d.WorkerName)
	c.text("Destination", d.Destination)
	c.that(len(d.Shared) > 0, "Shared", "needs at least one consented item")
	for _, l := range d.Shared {
		c.that(l.Label != "" && l.Value != "", "Shared", "items need a label and a value")
	}
	c.text("StaffName", d.StaffName)
	c.email("StaffEmail", d.StaffEmail)
	c.link("AckURL", d.AckURL)
	c.date("AckBy", d.AckBy)
}

// HandoffNotAcknowledged tells staff an agency has not acknowledged a
// handoff in time.
type HandoffNotAcknowledged struct {
	Center     `json:"center"`
	AgencyName string
	WorkerName string
	WorkerRef  string
	SentOn     ippo.Date
}

func (HandoffNotAcknowledged) Template() Template { return TemplateHandoffNotAcknowledged }
func (d HandoffNotAcknowledged) validate(c *checker) {
	c.text("AgencyName", d.AgencyName)
	c.text("WorkerName", d.WorkerName)
	c.text("WorkerRef", d.WorkerRef)
	c.date("SentOn", d.SentOn)
}

// FollowUpCheckIn asks a graduate, Months after graduation, how they are.
type FollowUpCheckIn struct {
	Center `json:"center"`
	Name   string
	Months int
}

func (FollowUpCheckIn) Template() Template { return TemplateFollowUpCheckIn }
func (d FollowUpCheckIn) validate(c *checker) {
	c.text("Name", d.Name)
	c.that(d.Months > 0, "Months", "must be positive")
}

// FeeLine is a stretch of the month at one hourly fee.
type FeeLine struct {
	From       ippo.Date
	To         ippo.Date
	Hours      float64
	YenPerHour int
	Amount     int
}

// MonthlyStatement is a worker's fee statement for a month. The totals
// must be the sums of the lines.
type MonthlyStatement struct {
	Center     `json:"center"`
	Name       string
	Month      ippo.YearMonth
	Lines      []FeeLine
	TotalHours float64
	TotalYen   int
	// Late pays, one line a day, work of earlier months that was recorded
	// after their statements; LateYen is their sum.
	Late    []FeeLine
	LateYen int
	// PaymentDate is shown when set.
	PaymentDate ippo.Date
	// AbsenceURL, optional, is the signed link to report an absence, a
	// late start or an early leave; it works, as often as needed, until
	// AbsenceUntil (required with it).
	AbsenceURL   string
	AbsenceUntil ippo.Date
}

func (MonthlyStatement) Template() Template { return TemplateMonthlyStatement }

// PayableYen is what the statement pays: the month's fee and the late work.
func (d MonthlyStatement) PayableYen() int { return d.TotalYen + d.LateYen }

func (d MonthlyStatement) validate(c *checker) {
	c.text("Name", d.Name)
	c.month("Month", d.Month)
	hours, yen := 0.0, 0
	for _, l := range d.Lines {
		c.that(!l.From.IsZero() && !l.To.IsZero() && !l.To.Before(l.From), "Lines", "need From and To in order")
		c.that(l.Hours >= 0 && l.YenPerHour > 0 && l.Amount >= 0, "Lines", "need hours, a positive fee and an amount")
		hours += l.Hours
		yen += l.Amount
	}
	c.that(math.Abs(hours-d.TotalHours) < 0.005, "TotalHours", "must be the sum of the lines")
	c.that(yen == d.TotalYen, "TotalYen", "must be the sum of the lines")
	late := 0
	for _, l := range d.Late {
		c.that(!l.From.IsZero() && l.From.Before(d.Month.First()), "Late", "need a day before the month")
		c.that(l.Hours > 0 && l.YenPerHour > 0 && l.Amount >= 0, "Late", "need hours, a positive fee and an amount")
		late += l.Amount
	}
	c.that(late == d.LateYen, "LateYen", "must be the sum of the late lines")
	if d.AbsenceURL != "" {
		c.link("AbsenceURL", d.AbsenceURL)
		c.date("AbsenceUntil", d.AbsenceUntil)
	}
	c.that(d.AbsenceURL != "" || d.AbsenceUntil.IsZero(), "AbsenceUntil", "is only for an AbsenceURL")
}

// CityMonthlyReport is the monthly report to the city: figure rows and,
// optionally, the same report as CSV text.
type CityMonthlyReport struct {
	Center `json:"center"`
	// Recipient is the salutation, e.g. 「鎌倉市 障害福祉課 ご担当者様」;
	// 「ご担当者様」 if empty.
	Recipient string
	Month     ippo.YearMonth
	Rows      []Line
	CSV       string
}

func (CityMonthlyReport) Template() Template { return TemplateCityMonthlyReport }
func (d CityMonthlyReport) validate(c *checker) {
	c.month("Month", d.Month)
	c.that(len(d.Rows) > 0, "Rows", "needs at least one figure")
}

// StaffTodo is a generic notice to staff: a failed email, a bounce, a task.
type StaffTodo struct {
	Center `json:"center"`
	Title  string
	Body   string
	// WorkerName, WorkerRef (their ID) and Link are shown when set: the
	// email goes to the center's own address.
	WorkerName string
	WorkerRef  string
	Link       string
}

func (StaffTodo) Template() Template { return TemplateStaffTask }
func (d StaffTodo) validate(c *checker) {
	c.text("Title", d.Title)
	c.text("Body", d.Body)
	if d.Link != "" {
		c.link("Link", d.Link)
	}
}

func isScore(v float64) bool { return v >= 1 && v <= 5 }
