package ippo

// The lifecycle's phase transitions, in one table. A phase is refined by
// a status (the lifecycle workflow keeps both and shows them to staff);
// each row says which staff step fits a phase and status and which phases
// it may lead to. The workflow's validators, the "allowed" list of a 409
// answer and the console's choice of steps all read this table.
//
// Moves the lifecycle makes by itself are not steps: a place coming free
// (screening/waitlisted → onboarding), the term's end after a non-renewal
// (active/ending → ended), the last follow-up (graduated/following_up →
// graduated/closed), and the extension of a term (active stays active).

// Statuses refine a phase for staff.
const (
	StatusAwaitingDecision = "awaiting_decision" // screening
	StatusWaitlisted       = "waitlisted"        // screening: approved, waiting for a place
	StatusAwaitingContract = "awaiting_contract" // onboarding
	StatusUnderContract    = "under_contract"    // active
	StatusEnding           = "ending"            // active: a non-renewal or opt-out has been given
	StatusFollowingUp      = "following_up"      // graduated: handoffs and follow-ups under way
	StatusClosed           = "closed"            // any final phase: nothing more to do
)

// LifecycleStep is a staff step on a worker's lifecycle, named as the 409
// answers' "allowed" lists name it (ippo.Step is a timeline entry's step).
type LifecycleStep string

const (
	StepEligibility = LifecycleStep("eligibility")             // approve or reject an applicant
	StepContract    = LifecycleStep("contract")                // sign the contract
	StepNonRenewal  = LifecycleStep("non-renewal")             // center's notice or worker's opt-out
	StepWithdrawal  = LifecycleStep("withdrawal")              // the worker leaves
	StepAssessment  = LifecycleStep("assessments")             // record an assessment
	StepGraduation  = LifecycleStep("graduation")              // step up to other work
	StepHandoffAck  = LifecycleStep("handoff acknowledgement") // an agency received a handoff
)

// Transition is one row of the table: in Phase with Status, Step fits and
// leads to one of Next (the first is the usual outcome).
type Transition struct {
	Phase  Phase
	Status string
	Step   LifecycleStep
	Next   []Phase
}

// Transitions is the table, in the order the steps are offered.
var Transitions = []Transition{
	{PhaseScreening, StatusAwaitingDecision, StepEligibility, []Phase{PhaseOnboarding, PhaseScreening, PhaseIneligible}}, // screening: waitlisted when full
	{PhaseScreening, StatusAwaitingDecision, StepWithdrawal, []Phase{PhaseWithdrawn}},
	{PhaseScreening, StatusWaitlisted, StepWithdrawal, []Phase{PhaseWithdrawn}},
	{PhaseOnboarding, StatusAwaitingContract, StepContract, []Phase{PhaseActive}},
	{PhaseOnboarding, StatusAwaitingContract, StepWithdrawal, []Phase{PhaseWithdrawn}},
	{PhaseActive, StatusUnderContract, StepNonRenewal, []Phase{PhaseActive}}, // active/ending until the term ends
	{PhaseActive, StatusUnderContract, StepWithdrawal, []Phase{PhaseWithdrawn}},
	{PhaseActive, StatusUnderContract, StepAssessment, []Phase{PhaseActive}},
	{PhaseActive, StatusUnderContract, StepGraduation, []Phase{PhaseGraduated}},
	{PhaseActive, StatusEnding, StepWithdrawal, []Phase{PhaseWithdrawn}},
	{PhaseActive, StatusEnding, StepAssessment, []Phase{PhaseActive}},
	{PhaseActive, StatusEnding, StepGraduation, []Phase{PhaseGraduated}},
	{PhaseGraduated, StatusFollowingUp, StepHandoffAck, []Phase{PhaseGraduated}},
}

// StepsAllowed lists the steps that fit a phase and status, in the
// table's order; nil when none does.
func StepsAllowed(p Phase, status string) []LifecycleStep {
	var out []LifecycleStep
	for _, t := range Transitions {
		if t.Phase == p && t.Status == status {
			out = append(out, t.Step)
		}
	}
	return out
}

// StepNames is StepsAllowed as the names a 409 answer lists.
func StepNames(p Phase, status string) []string {
	var out []string
	for _, s := range StepsAllowed(p, status) {
		out = append(out, string(s))
	}
	return out
}

// StepFits reports whether the step fits the phase and status.
func StepFits(p Phase, status string, s LifecycleStep) bool {
	for _, t := range Transitions {
		if t.Phase == p && t.Status == status && t.Step == s {
			return true
		}
	}
	return false
}

// PhaseAllows reports whether the step fits the phase with some status:
// a step whose refusal within the phase says more than "wrong phase"
// (a contract already ending) checks the phase first, then the rest.
func PhaseAllows(p Phase, s LifecycleStep) bool {
	for _, t := range Transitions {
		if t.Phase == p && t.Step == s {
			return true
		}
	}
	return false
}
