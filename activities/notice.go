package activities

import (
	"time"

	"github.com/ippo-center/ippo"
)

// Email names an email a workflow asks for. The activity renders it from
// the matching template with personal facts it reads from PostgreSQL.
type Email string

const (
	EmailApplicationReceived   Email = "application_received"
	EmailEligibilityApproved   Email = "eligibility_approved"
	EmailPlaceReady            Email = "place_ready"
	EmailEligibilityRejected   Email = "eligibility_not_approved"
	EmailContractTerms         Email = "contract_terms"
	EmailExtensionReminder     Email = "extension_reminder"
	EmailNonRenewalNotice      Email = "non_renewal_notice"
	EmailSelfAssessmentRequest Email = "self_assessment_request"
	EmailAssessmentOverdue     Email = "assessment_overdue"
	EmailScheduleReview        Email = "schedule_review_suggestion"
	EmailStepUp                Email = "step_up_recommendation"
	EmailStepUpStaff           Email = "step_up_recommendation_staff"
	EmailAgencyHandoff         Email = "agency_handoff"
	EmailHandoffNotAcked       Email = "handoff_not_acknowledged"
	EmailFollowUp              Email = "follow_up_check_in"
	EmailMonthlyStatement      Email = "monthly_statement"
	EmailCityReport            Email = "city_monthly_report"
	// client tasks (issue 14): compose_task.go
	EmailTaskRequest     Email = "task_request"
	EmailTaskTaken       Email = "task_taken"
	EmailTaskWithdrawn   Email = "task_withdrawn"
	EmailTaskDueReminder Email = "task_due_reminder"
)

// Notice asks for one email. It carries IDs, dates and numbers only; the
// activity reads names and addresses itself.
type Notice struct {
	// Key makes the email unique: the workflow step that asked for it.
	Key      string
	Email    Email
	WorkerID string
	AgencyID string
	Facts    Facts
	// DeliverBy is the real instant the email stops being timely (an
	// extension reminder: the extension); zero means never. Sent after it,
	// the email says it is late (see lateNote).
	DeliverBy time.Time `json:",omitzero"`
}

// Facts are the non-personal facts an email needs; each email uses some.
type Facts struct {
	Waitlisted bool   `json:",omitempty"`
	Position   int    `json:",omitempty"`
	NoteID     string `json:",omitempty"`
	Extension  bool   `json:",omitempty"` // contract terms at an extension (not at signing)
	// Final marks contract terms for a term the contract ends with (the
	// center's notice ends it at TermEnd): no extension follows.
	Final     bool      `json:",omitempty"`
	TermStart ippo.Date `json:",omitzero"`
	TermEnd   ippo.Date `json:",omitzero"`
	NextStart ippo.Date `json:",omitzero"`
	NextEnd   ippo.Date `json:",omitzero"`
	// OptOutBy is the last day the worker may opt out of the next extension.
	OptOutBy        ippo.Date `json:",omitzero"`
	DueOn           ippo.Date `json:",omitzero"`
	RateYen         int       `json:",omitempty"`
	ExtensionMonths int       `json:",omitempty"`
	NoticeDays      int       `json:",omitempty"`
	// LinkExpires is the program date a signed link in the email stops working.
	LinkExpires ippo.Date `json:",omitzero"`

	// Month is the closed month of a statement or a schedule review
	// suggestion (issue 5); the figures are read from its stored statement.
	Month ippo.YearMonth `json:",omitzero"`

	// assessments, graduation and handoff (issue 6)
	// On is the program date of the step, for the policy in force (the staff address).
	On           ippo.Date `json:",omitzero"`
	StaffMissing bool      `json:",omitempty"`
	SelfMissing  bool      `json:",omitempty"`
	StaffAverage float64   `json:",omitempty"`
	SelfAverage  float64   `json:",omitempty"`
	Threshold    float64   `json:",omitempty"`
	HandoffID    string    `json:",omitempty"`
	Months       int       `json:",omitempty"`

	// TaskID is the client task of a task email (issue 14); AnswerBy the
	// day staff hope for an answer to a request by.
	TaskID   string    `json:",omitempty"`
	AnswerBy ippo.Date `json:",omitzero"`
}

// NoticeResult says what became of an email.
type NoticeResult struct {
	OutboxID string
	Status   string
}
