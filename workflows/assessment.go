package workflows

import (
	"fmt"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"go.temporal.io/sdk/workflow"
)

// Assessments in the lifecycle (active phase).
//
// Update: UpdateRecordAssessment (RecordAssessment) → AssessmentResult.
// The API stores the assessment (with its comments, free text) in
// PostgreSQL first; the workflow carries its ID, assessor, date and scores
// only, and marks it accepted.
//
// The cadence works in rounds. A round is due on DueOn
// (ippo.NextAssessmentDue from the last round, or the term it started
// from) and is complete once a staff and a self assessment have both been
// recorded since the last round. Before it is complete:
//   - about a month before DueOn, at 09:00, the worker is asked for a
//     self-assessment by email with a signed link (requestOn: 06-02 for a
//     round due 07-01, 09-01 for one due 09-30);
//   - a week before DueOn, if the self-assessment is still missing, the
//     request is sent once more as a gentle reminder;
//   - AssessmentGraceDays after DueOn, at 09:00, staff are told (email to
//     the policy's staff address and a staff to-do), once per round.
//
// A step-up is recommended (email to worker and staff, a timeline step,
// never a phase change) when the latest staff and the latest self
// assessments both reach the policy's threshold, once per pair.
const UpdateRecordAssessment = "record-assessment"

// RecordAssessment records an assessment stored under AssessmentID.
type RecordAssessment struct {
	AssessmentID string
	By           ippo.Assessor
	On           ippo.Date
	Scores       ippo.PerDimension[int]
	Actor        string
}

// AssessmentResult answers RecordAssessment.
type AssessmentResult struct {
	StepResult
	AssessmentID string  `json:"assessment_id"`
	Average      float64 `json:"average"`
	// RoundComplete says this assessment completed a round of the cadence.
	RoundComplete bool `json:"round_complete"`
	// NextDue is when the next (or the current) round is due.
	NextDue           ippo.Date `json:"next_due,omitzero"`
	StepUpRecommended bool      `json:"step_up_recommended"`
}

// AssessmentMark is an assessment as the workflow keeps it.
type AssessmentMark struct {
	ID     string
	On     ippo.Date
	Scores ippo.PerDimension[int]
}

// AssessmentState is the worker's assessments and the cadence's round.
type AssessmentState struct {
	LatestStaff *AssessmentMark `json:",omitempty"`
	LatestSelf  *AssessmentMark `json:",omitempty"`
	// Last is the date of the last completed round, or the first day of
	// the term the cadence started from. Rounds counts completed rounds.
	Last   ippo.Date
	Rounds int
	// DueOn is when the round in progress is due; zero when the run has no
	// cadence (ChangeAssessmentCadence).
	DueOn          ippo.Date `json:",omitzero"`
	IntervalMonths int
	GraceDays      int
	// StaffOn and SelfOn date the round's staff and self assessments.
	StaffOn   ippo.Date `json:",omitzero"`
	SelfOn    ippo.Date `json:",omitzero"`
	Requested bool
	Reminded  bool
	Escalated bool
	// The pair a step-up was last recommended for.
	RecommendedStaff string `json:",omitempty"`
	RecommendedSelf  string `json:",omitempty"`
}

// AssessmentReminderDays is how long before the due date the reminder goes.
const AssessmentReminderDays = 7

// requestOn is the day the worker is asked: for a round due the day
// before an extension, the first day of the window in which an assessment
// counts for that extension (ippo.NextAssessmentDue: 09-01 for a round due
// 09-30), so what the worker does once asked is never asked for again
// days later; other rounds are asked for by the same rule (06-02 for a
// round due 07-01).
func requestOn(due ippo.Date) ippo.Date {
	return ippo.AddMonthsCivil(due.AddDays(2), -ippo.AssessmentLeadMonths)
}

func at9(d ippo.Date) time.Time { return d.Start().Add(9 * time.Hour) }

func (s *AssessmentState) roundDone() bool { return !s.StaffOn.IsZero() && !s.SelfOn.IsZero() }

func (s *AssessmentState) requestAt() time.Time {
	if s.DueOn.IsZero() || s.Requested || !s.SelfOn.IsZero() {
		return time.Time{}
	}
	return at9(requestOn(s.DueOn))
}

func (s *AssessmentState) reminderAt() time.Time {
	if s.DueOn.IsZero() || !s.Requested || s.Reminded || !s.SelfOn.IsZero() {
		return time.Time{}
	}
	return at9(s.DueOn.AddDays(-AssessmentReminderDays))
}

func (s *AssessmentState) overdueAt() time.Time {
	if s.DueOn.IsZero() || s.Escalated || s.roundDone() {
		return time.Time{}
	}
	return at9(s.DueOn.AddDays(s.GraceDays))
}

// newRound starts the next round, due on due.
func (s *AssessmentState) newRound(due ippo.Date, p ippo.Policy) {
	s.DueOn, s.IntervalMonths, s.GraceDays = due, p.AssessmentIntervalMonths, p.AssessmentGraceDays
	s.StaffOn, s.SelfOn = ippo.Date{}, ippo.Date{}
	s.Requested, s.Reminded, s.Escalated = false, false, false
}

// nextExtension is the day the next extension begins, or zero when the
// contract ends with the current term.
func (l *lifecycle) nextExtension() ippo.Date {
	c := l.s.Contract
	if c == nil || c.endsAtTermEnd() {
		return ippo.Date{}
	}
	return c.TermEnd.AddDays(1)
}

func (l *lifecycle) assessments() *AssessmentState {
	if l.s.Assessments == nil {
		l.s.Assessments = &AssessmentState{}
	}
	return l.s.Assessments
}

// startCadence starts the cadence from the current term (signing, or the
// first run with the cadence of a lifecycle older than it).
func (l *lifecycle) startCadence(p ippo.Policy) {
	c := l.s.Contract
	if !l.cadence || c == nil || l.s.Phase != ippo.PhaseActive {
		return
	}
	as := l.assessments()
	if !as.DueOn.IsZero() {
		return
	}
	as.Last = c.TermStart
	as.newRound(ippo.NextAssessmentDue(as.Last, p.AssessmentIntervalMonths, l.nextExtension()), p)
}

// cadenceAtExtension recomputes a due date still ahead once an extension
// takes effect: the extension that follows is now the next one, and an
// assessment is due before it (see ippo.NextAssessmentDue).
func (l *lifecycle) cadenceAtExtension(p ippo.Policy) {
	as := l.s.Assessments
	c := l.s.Contract
	if !l.cadence || as == nil || as.DueOn.IsZero() || c == nil || as.DueOn.Before(c.TermStart) {
		return
	}
	due := ippo.NextAssessmentDue(as.Last, p.AssessmentIntervalMonths, l.nextExtension())
	as.IntervalMonths, as.GraceDays = p.AssessmentIntervalMonths, p.AssessmentGraceDays
	if due != as.DueOn {
		as.DueOn, as.Requested, as.Reminded, as.Escalated = due, false, false, false
	}
}

func (l *lifecycle) assessmentWake(consider func(time.Time, string)) {
	if as := l.s.Assessments; l.cadence && as != nil && l.s.Phase == ippo.PhaseActive {
		consider(as.requestAt(), "assessment_request")
		consider(as.reminderAt(), "assessment_reminder")
		consider(as.overdueAt(), "assessment_overdue")
	}
}

// assessmentOnTime asks, reminds and escalates as the round comes due.
func (l *lifecycle) assessmentOnTime(ctx workflow.Context) {
	as := l.s.Assessments
	if !l.cadence || as == nil || as.DueOn.IsZero() {
		return
	}
	now := l.now(ctx)
	due := as.DueOn
	facts := activities.Facts{DueOn: due, LinkExpires: ippo.AddMonthsCivil(due.AddDays(1), 1)}
	if at := as.requestAt(); !at.IsZero() && !now.Before(at) {
		as.Requested = true
		// Woken late (or a short round): one email, not a request and a reminder.
		as.Reminded = !now.Before(at9(due.AddDays(-AssessmentReminderDays)))
		l.step(ctx, "assessment_requested", ippo.ActorSystem, "", map[string]any{"due_on": due.String()})
		l.notify(ctx, activities.EmailSelfAssessmentRequest, facts)
	}
	if at := as.reminderAt(); !at.IsZero() && !now.Before(at) {
		as.Reminded = true
		l.step(ctx, "assessment_reminder_sent", ippo.ActorSystem, "", map[string]any{"due_on": due.String()})
		l.notify(ctx, activities.EmailSelfAssessmentRequest, facts)
	}
	if at := as.overdueAt(); !at.IsZero() && !now.Before(at) {
		as.Escalated = true
		staffMissing, selfMissing := as.StaffOn.IsZero(), as.SelfOn.IsZero()
		l.step(ctx, "assessment_overdue", ippo.ActorSystem, "", map[string]any{
			"due_on": due.String(), "staff_missing": staffMissing, "self_missing": selfMissing,
		})
		l.notify(ctx, activities.EmailAssessmentOverdue, activities.Facts{
			On: l.today(ctx), DueOn: due, StaffMissing: staffMissing, SelfMissing: selfMissing,
		})
		l.todo(ctx, activities.StaffTodo{Kind: activities.TodoAssessmentOverdue, DueOn: due, StaffMissing: staffMissing, SelfMissing: selfMissing})
	}
}

// todo creates a staff to-do keyed on the current step.
func (l *lifecycle) todo(ctx workflow.Context, t activities.StaffTodo) {
	t.Key, t.WorkerID = l.key()+"/todo", l.s.WorkerID
	if err := l.exec(ctx, a.CreateStaffTodo, t).Get(ctx, nil); err != nil {
		l.log.Error("staff to-do failed", "kind", t.Kind, "error", err)
	}
}

func (l *lifecycle) validateRecordAssessment(ctx workflow.Context, r RecordAssessment) error {
	c := l.s.Contract
	if !ippo.PhaseAllows(l.s.Phase, ippo.StepAssessment) || c == nil {
		return l.wrongPhase("recording an assessment")
	}
	if r.AssessmentID == "" {
		return refuse(ippo.Invalid([]ippo.FieldError{{Field: "assessment_id", Message: "is required"}}))
	}
	if err := ippo.ValidateAssessment(ippo.Assessment{By: r.By, On: r.On, Scores: r.Scores}, l.today(ctx)); err != nil {
		return refuse(err)
	}
	if r.On.Before(c.SignedOn) {
		return refuse(ippo.Invalid([]ippo.FieldError{{Field: "on", Message: fmt.Sprintf("cannot be before the contract was signed (%s)", c.SignedOn)}}))
	}
	if as := l.s.Assessments; as != nil {
		for _, m := range []*AssessmentMark{as.LatestStaff, as.LatestSelf} {
			if m != nil && m.ID == r.AssessmentID {
				return refuse(ippo.Errorf(ippo.ECONFLICT, "assessment %s is already recorded", r.AssessmentID))
			}
		}
	}
	return nil
}

func (l *lifecycle) recordAssessment(ctx workflow.Context, r RecordAssessment) (AssessmentResult, error) {
	l.mu.Lock(ctx)
	defer l.answer(ctx)
	if err := l.validateRecordAssessment(ctx, r); err != nil {
		return AssessmentResult{}, err
	}
	today := l.today(ctx)
	var p ippo.Policy
	if err := l.exec(ctx, a.PolicyAt, today).Get(ctx, &p); err != nil {
		return AssessmentResult{}, err
	}
	if err := l.exec(ctx, a.AcceptAssessment, activities.AssessmentAcceptance{WorkerID: l.s.WorkerID, AssessmentID: r.AssessmentID}).Get(ctx, nil); err != nil {
		return AssessmentResult{}, err
	}
	as := l.assessments()
	mark := &AssessmentMark{ID: r.AssessmentID, On: r.On, Scores: r.Scores}
	latest := &as.LatestStaff
	if r.By == ippo.AssessorSelf {
		latest = &as.LatestSelf
	}
	if *latest == nil || !r.On.Before((*latest).On) {
		*latest = mark
	}

	res := AssessmentResult{AssessmentID: r.AssessmentID, Average: ippo.Assessment{Scores: r.Scores}.Average()}
	if l.cadence && !as.DueOn.IsZero() && (r.On.After(as.Last) || (as.Rounds == 0 && r.On == as.Last)) {
		round := &as.StaffOn
		if r.By == ippo.AssessorSelf {
			round = &as.SelfOn
		}
		if round.IsZero() || r.On.After(*round) {
			*round = r.On
		}
		if as.roundDone() {
			as.Last = as.StaffOn
			if as.SelfOn.After(as.Last) {
				as.Last = as.SelfOn
			}
			as.Rounds++
			as.newRound(ippo.NextAssessmentDue(as.Last, p.AssessmentIntervalMonths, l.nextExtension()), p)
			res.RoundComplete = true
		}
	}
	res.NextDue = as.DueOn
	l.step(ctx, "assessment_recorded", r.Actor, "", map[string]any{
		"assessment_id": r.AssessmentID, "by": string(r.By), "on": r.On.String(),
		"average": ippo.Assessment{Scores: r.Scores}.AverageText(), "round_complete": res.RoundComplete,
	})
	res.StepUpRecommended = l.recommendStepUp(ctx, p, today)
	l.dirty = true
	res.StepResult = l.result()
	return res, nil
}

// recommendStepUp recommends a step-up when the latest pair reaches the
// threshold and has not been recommended for already. It never changes
// the phase: graduation is staff's and the worker's decision.
func (l *lifecycle) recommendStepUp(ctx workflow.Context, p ippo.Policy, today ippo.Date) bool {
	as := l.s.Assessments
	if as.LatestStaff == nil || as.LatestSelf == nil ||
		(as.RecommendedStaff == as.LatestStaff.ID && as.RecommendedSelf == as.LatestSelf.ID) {
		return false
	}
	staff := ippo.Assessment{By: ippo.AssessorStaff, Scores: as.LatestStaff.Scores}
	self := ippo.Assessment{By: ippo.AssessorSelf, Scores: as.LatestSelf.Scores}
	if !ippo.StepUpReady(&staff, &self, p.StepUpThreshold) {
		return false
	}
	as.RecommendedStaff, as.RecommendedSelf = as.LatestStaff.ID, as.LatestSelf.ID
	l.step(ctx, "step_up_recommended", ippo.ActorSystem, "", map[string]any{
		"staff_assessment_id": as.LatestStaff.ID, "self_assessment_id": as.LatestSelf.ID,
		"staff_average": staff.AverageText(), "self_average": self.AverageText(), "threshold": p.StepUpThreshold,
	})
	facts := activities.Facts{On: today, StaffAverage: staff.Average(), SelfAverage: self.Average(), Threshold: p.StepUpThreshold}
	l.notify(ctx, activities.EmailStepUp, facts)
	l.notify(ctx, activities.EmailStepUpStaff, facts)
	return true
}
