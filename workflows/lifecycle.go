package workflows

import (
	"errors"
	"fmt"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The lifecycle workflow's contract.
//
// Task queue: the one the worker process polls (IPPO_TASK_QUEUE, default "ippo").
// Workflow ID: WorkerWorkflowID(workerID).
// Updates (staff steps that need an answer; each has a validator, and a
// refused step changes nothing):
//   - UpdateDecideEligibility (EligibilityDecision) → StepResult
//   - UpdateSignContract (SignContract) → StepResult
//   - UpdateEndContract (EndContract) → StepResult: center's non-renewal or worker's opt-out
//   - UpdateWithdraw (Withdraw) → StepResult
//   - UpdateRecordAssessment, UpdateGraduate, UpdateAcknowledgeHandoff:
//     see assessment.go and graduation.go (issue 6)
//
// Signals: SignalPlaceGranted (no payload): a place came free for a waitlisted worker;
// SignalConsentWithdrawn (graduation.go).
// Query: QueryState → LifecycleState.
const (
	LifecycleWorkflow       = "Lifecycle"
	UpdateDecideEligibility = "decide-eligibility"
	UpdateSignContract      = "sign-contract"
	UpdateEndContract       = "end-contract"
	UpdateWithdraw          = "withdraw"
	SignalPlaceGranted      = "place-granted"
	QueryState              = "state"
)

// Search attributes, registered on the Temporal server (make dev does it),
// so the Temporal UI lists workers by phase and next deadline.
var (
	PhaseAttribute        = temporal.NewSearchAttributeKeyKeyword("IppoPhase")
	NextDeadlineAttribute = temporal.NewSearchAttributeKeyTime("IppoNextDeadline")
)

// WorkerWorkflowID is the lifecycle workflow's ID for a worker.
func WorkerWorkflowID(workerID string) string { return "worker/" + workerID }

// Statuses refine a phase for staff; the domain's transition table
// (ippo.Transitions) names them.
const (
	StatusAwaitingDecision = ippo.StatusAwaitingDecision
	StatusWaitlisted       = ippo.StatusWaitlisted
	StatusAwaitingContract = ippo.StatusAwaitingContract
	StatusUnderContract    = ippo.StatusUnderContract
	StatusEnding           = ippo.StatusEnding // a non-renewal or opt-out has been given
	StatusClosed           = ippo.StatusClosed
)

// LifecycleInput starts a lifecycle, or continues one (State set).
type LifecycleInput struct {
	WorkerID string
	// Actor registered the applicant ("staff:<token id>").
	Actor string
	Clock ippo.Clock
	State *LifecycleState `json:",omitempty"`
	// Imported starts the lifecycle of a worker the center already had
	// under contract (ippo import) in its current term. No history
	// recorded before issue 13 has it, so it needs no version.
	Imported *ImportedContract `json:",omitempty"`
}

// ImportedContract is the contract of an imported worker as the center's
// records have it: signed on SignedOn, now in the term TermStart–TermEnd
// after Extensions extensions. The term's policy values (extension length,
// notice, reminder, rate) are the policy in force on TermStart.
type ImportedContract struct {
	SignedOn   ippo.Date
	TermStart  ippo.Date
	TermEnd    ippo.Date
	Extensions int
}

// LifecycleState is everything the workflow knows. Deadlines are absolute
// program dates; timers are derived from them and workflow.Now.
type LifecycleState struct {
	WorkerID string
	Clock    ippo.Clock
	Phase    ippo.Phase
	Status   string
	// Seq counts recorded steps; it keys read-model writes and emails.
	Seq int64
	// Run counts continue-as-new generations.
	Run int
	// Answered: the last steps' update IDs and answers (answered.go).
	Answered  []Answered `json:",omitempty"`
	AppliedOn ippo.Date
	// Place is "", waiting, holding or released.
	Place            string
	WaitlistPosition int            `json:",omitempty"`
	Contract         *ContractState `json:",omitempty"`
	// Assessments and Graduation: assessment.go and graduation.go (issue 6).
	Assessments *AssessmentState `json:",omitempty"`
	Graduation  *GraduationState `json:",omitempty"`
}

// StepResult answers a staff step with the worker's standing after it.
type StepResult struct {
	Phase            ippo.Phase `json:"phase"`
	Status           string     `json:"status"`
	WaitlistPosition int        `json:"waitlist_position,omitempty"`
	TermStart        ippo.Date  `json:"term_start,omitzero"`
	TermEnd          ippo.Date  `json:"term_end,omitzero"`
	NextExtension    ippo.Date  `json:"next_extension,omitzero"`
	EndsOn           ippo.Date  `json:"ends_on,omitzero"`
	RateYen          int        `json:"rate_yen,omitempty"`
}

// EligibilityDecision is staff's decision at screening.
type EligibilityDecision struct {
	Approve bool
	NoteID  string // the reason, stored in PostgreSQL (required to reject)
	Actor   string
}

// Withdraw ends the lifecycle at the worker's wish, in any phase.
type Withdraw struct {
	NoteID string
	Actor  string
}

// activity options: PostgreSQL and SendGrid outages are waited out, never
// turned into a failed lifecycle.
var activityOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    5 * time.Minute,
	},
}

var a *activities.Activities

// execute runs an activity with activityOptions. Update handlers get the
// workflow's root context, so options are set here, not once in Lifecycle.
func execute(ctx workflow.Context, activity any, args ...any) workflow.Future {
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, activityOptions), activity, args...)
}

type lifecycle struct {
	s      *LifecycleState
	mu     workflow.Mutex
	dirty  bool // set by handlers: deadlines may have moved
	can    bool // continue as new at the next safe point
	places workflow.ReceiveChannel
	log    log.Logger
	// withdrawals receives SignalConsentWithdrawn.
	withdrawals workflow.ReceiveChannel
	// cadence: this run keeps the assessment cadence (ChangeAssessmentCadence).
	cadence bool
	// effects: this run records each decision's effects in one write
	// (changeEffects). pending collects them under the lock; writes are
	// the writes under way, waited for before the run hands over or ends.
	effects bool
	pending *activities.Effects
	writes  effectWrites
}

// Lifecycle is one worker's lifecycle, from application to the end.
func Lifecycle(ctx workflow.Context, in LifecycleInput) error {
	l := &lifecycle{
		s:      in.State,
		mu:     workflow.NewMutex(ctx),
		places: workflow.GetSignalChannel(ctx, SignalPlaceGranted),
		log:    workflow.GetLogger(ctx),

		withdrawals: workflow.GetSignalChannel(ctx, SignalConsentWithdrawn),
	}
	if l.s == nil && in.Imported != nil {
		l.s = &LifecycleState{
			WorkerID:  in.WorkerID,
			Clock:     in.Clock,
			Phase:     ippo.PhaseActive,
			Status:    StatusUnderContract,
			AppliedOn: in.Imported.SignedOn,
			Place:     "holding", // the import stored the place it holds
		}
	} else if l.s == nil {
		l.s = &LifecycleState{
			WorkerID:  in.WorkerID,
			Clock:     in.Clock,
			Phase:     ippo.PhaseScreening,
			Status:    StatusAwaitingDecision,
			AppliedOn: in.Clock.Today(workflow.Now(ctx)),
		}
	} else {
		l.s.Run++
	}
	// A staff step can reach a new lifecycle in its very first workflow
	// task. From appliedFirst on, the mutex is taken before the handlers
	// exist, so the application is always the first step.
	appliedFirst := workflow.GetVersion(ctx, changeAppliedFirst, workflow.DefaultVersion, 1) >= 1
	if in.State == nil && appliedFirst {
		l.mu.Lock(ctx)
	}
	if err := l.register(ctx); err != nil {
		return err
	}
	l.cadence = workflow.GetVersion(ctx, ChangeAssessmentCadence, workflow.DefaultVersion, 1) >= 1
	l.effects = workflow.GetVersion(ctx, changeEffects, workflow.DefaultVersion, 1) >= 1
	l.writes.durable = l.effects && workflow.GetVersion(ctx, changeDurableEffects, workflow.DefaultVersion, 1) >= 1
	if in.State == nil && in.Imported != nil {
		if !appliedFirst {
			l.mu.Lock(ctx)
		}
		l.imported(ctx, in.Actor, *in.Imported)
		l.unlock(ctx)
	} else if in.State == nil {
		if !appliedFirst {
			l.mu.Lock(ctx)
		}
		l.step(ctx, "applied", in.Actor, "", nil)
		l.notify(ctx, activities.EmailApplicationReceived, activities.Facts{})
		l.unlock(ctx)
	} else if l.cadence && l.s.Phase == ippo.PhaseActive && (l.s.Assessments == nil || l.s.Assessments.DueOn.IsZero()) {
		// A lifecycle older than the cadence: it starts from this term.
		l.mu.Lock(ctx)
		var p ippo.Policy
		if err := l.exec(ctx, a.PolicyAt, l.today(ctx)).Get(ctx, &p); err == nil {
			l.startCadence(p)
		}
		l.unlock(ctx)
	}

	for l.open() {
		wake, _ := l.nextWake()
		changed := func() bool { return l.dirty || l.places.Len() > 0 || l.withdrawals.Len() > 0 }
		if wake.IsZero() {
			if err := workflow.Await(ctx, changed); err != nil {
				return err
			}
		} else if _, err := workflow.AwaitWithTimeout(ctx, l.s.Clock.Wait(workflow.Now(ctx), wake), changed); err != nil {
			return err
		}
		l.mu.Lock(ctx)
		l.dirty = false
		l.receivePlaces(ctx)
		l.receiveWithdrawals(ctx)
		l.onTime(ctx)
		l.unlock(ctx)
		if (l.can || workflow.GetInfo(ctx).GetContinueAsNewSuggested()) && l.open() {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && l.written() }); err != nil {
				return err
			}
			if l.places.Len() > 0 || l.withdrawals.Len() > 0 || l.dirty {
				continue // handle what arrived meanwhile before handing over
			}
			return workflow.NewContinueAsNewError(ctx, LifecycleWorkflow, LifecycleInput{
				WorkerID: l.s.WorkerID, Clock: l.s.Clock, State: l.s,
			})
		}
	}
	// Let updates that were already running answer, and the last writes
	// finish, before the workflow closes.
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && l.written() })
}

func (l *lifecycle) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (LifecycleState, error) {
		return *l.s, nil
	}); err != nil {
		return err
	}
	updates := []struct {
		name      string
		handler   any
		validator any
	}{
		{UpdateDecideEligibility, once(l, l.decideEligibility), accepted(l, l.validateEligibility)},
		{UpdateSignContract, once(l, l.signContract), accepted(l, l.validateSignContract)},
		{UpdateEndContract, once(l, l.endContract), accepted(l, l.validateEndContract)},
		{UpdateWithdraw, once(l, l.withdraw), accepted(l, l.validateWithdraw)},
		{UpdateRecordAssessment, once(l, l.recordAssessment), accepted(l, l.validateRecordAssessment)},
		{UpdateGraduate, once(l, l.graduate), accepted(l, l.validateGraduate)},
		{UpdateAcknowledgeHandoff, once(l, l.acknowledgeHandoff), accepted(l, l.validateAcknowledgeHandoff)},
	}
	for _, u := range updates {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler,
			workflow.UpdateHandlerOptions{Validator: u.validator}); err != nil {
			return fmt.Errorf("register %s: %w", u.name, err)
		}
	}
	return nil
}

// now is the program instant; today the program date.
func (l *lifecycle) now(ctx workflow.Context) time.Time { return l.s.Clock.Program(workflow.Now(ctx)) }
func (l *lifecycle) today(ctx workflow.Context) ippo.Date {
	return l.s.Clock.Today(workflow.Now(ctx))
}

// nextWake returns the earliest program instant something is due, and what.
func (l *lifecycle) nextWake() (time.Time, string) {
	var (
		at   time.Time
		kind string
	)
	consider := func(t time.Time, k string) {
		if !t.IsZero() && (at.IsZero() || t.Before(at)) {
			at, kind = t, k
		}
	}
	if c := l.s.Contract; c != nil && l.s.Phase == ippo.PhaseActive {
		consider(c.reminderAt(), "extension_reminder")
		if c.endsAtTermEnd() {
			consider(c.TermEnd.AddDays(1).Start(), "contract_end")
		} else {
			consider(c.TermEnd.AddDays(1).Start(), "contract_extension")
		}
	}
	l.assessmentWake(consider)
	l.graduationWake(consider)
	return at, kind
}

// onTime does whatever has come due.
func (l *lifecycle) onTime(ctx workflow.Context) {
	if l.s.Phase == ippo.PhaseActive {
		l.contractOnTime(ctx)
	}
	if l.s.Phase == ippo.PhaseActive {
		l.assessmentOnTime(ctx)
	}
	if l.s.Phase == ippo.PhaseGraduated {
		l.graduationOnTime(ctx)
	}
}

// view is the read model after the current state.
func (l *lifecycle) view() ippo.WorkerView {
	v := ippo.WorkerView{Phase: l.s.Phase, Status: l.s.Status}
	if c := l.s.Contract; c != nil {
		v.ContractStart, v.ContractEnd, v.Extensions = c.SignedOn, c.TermEnd, c.Extensions
		if c.Ending != nil {
			v.EndsOn = c.Ending.EndsOn
		}
	}
	if l.open() {
		if at, kind := l.nextWake(); !at.IsZero() {
			v.NextDeadline, v.NextDeadlineKind = at, kind
		}
	}
	return v
}

// step records a step in PostgreSQL (timeline and read model) and keeps the
// search attributes current. It is called with the mutex held.
func (l *lifecycle) step(ctx workflow.Context, kind, actor, noteID string, data map[string]any) {
	l.s.Seq++
	if actor == "" {
		actor = ippo.ActorSystem
	}
	v := l.view()
	s := ippo.Step{
		Key:       l.key(),
		WorkerID:  l.s.WorkerID,
		Seq:       l.s.Seq,
		At:        workflow.Now(ctx),
		ProgramAt: l.now(ctx),
		Kind:      kind,
		Actor:     actor,
		NoteID:    noteID,
		Data:      data,
		View:      v,
	}
	if l.effects {
		l.effect().Steps = append(l.effect().Steps, s)
		return // written by unlock, with the step's emails
	}
	if err := execute(ctx, a.RecordStep, s).Get(ctx, nil); err != nil {
		// Retries are unlimited, so this is a cancellation; the step stays in state.
		l.log.Error("record step failed", "kind", kind, "error", err)
	}
	l.upsertAttributes(ctx, v)
}

// upsertAttributes keeps the search attributes current with view v.
func (l *lifecycle) upsertAttributes(ctx workflow.Context, v ippo.WorkerView) {
	deadline := temporal.SearchAttributeUpdate(NextDeadlineAttribute.ValueUnset())
	if !v.NextDeadline.IsZero() {
		deadline = NextDeadlineAttribute.ValueSet(l.s.Clock.Real(v.NextDeadline))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, PhaseAttribute.ValueSet(string(l.s.Phase)), deadline); err != nil {
		l.log.Error("upsert search attributes failed", "error", err)
	}
}

func (l *lifecycle) key() string {
	return fmt.Sprintf("%s/step/%d", WorkerWorkflowID(l.s.WorkerID), l.s.Seq)
}

// notify sends an email keyed on the current step.
func (l *lifecycle) notify(ctx workflow.Context, email activities.Email, facts activities.Facts) {
	l.send(ctx, activities.Notice{
		Key:      fmt.Sprintf("%s/%s", l.key(), email),
		Email:    email,
		WorkerID: l.s.WorkerID,
		Facts:    facts,
	})
}

// send asks for email n: queued with the current step's effects, or (a run
// from before changeEffects) written and sent by the Notify activity.
func (l *lifecycle) send(ctx workflow.Context, n activities.Notice) {
	if l.effects {
		l.effect().Emails = append(l.effect().Emails, n)
		return
	}
	if err := execute(ctx, a.Notify, n).Get(ctx, nil); err != nil {
		l.log.Error("email failed", "email", n.Email, "error", err)
	}
}

// effect returns the effects collected since the lock was taken.
func (l *lifecycle) effect() *activities.Effects {
	if l.pending == nil {
		l.pending = &activities.Effects{}
	}
	return l.pending
}

// unlock releases the lock and writes what the decisions taken under it
// recorded, in one write that nothing holding the lock waits for (an
// activity once the decision is recorded, effectWrites):
// the decisions are final in state already, so a slow or absent
// PostgreSQL delays only the write (and an Update's answer, which waits
// for the returned future), never the next decision or timer. Each write
// is keyed on its steps, and the read model only moves forward (state_seq).
func (l *lifecycle) unlock(ctx workflow.Context) workflow.Future {
	e := l.pending
	l.pending = nil
	if e != nil && len(e.Steps) > 0 {
		l.upsertAttributes(ctx, e.Steps[len(e.Steps)-1].View)
	}
	l.mu.Unlock()
	if e == nil {
		return ready(ctx)
	}
	return l.writes.add(ctx, l.s.Clock, a.RecordEffects, *e)
}

// answer ends an update handler: it releases the lock and waits until the
// step's effects are written, so staff who read the worker next see it.
// A write that failed (only a cancellation can: retries are unlimited) is
// logged; the decision stands in state either way.
func (l *lifecycle) answer(ctx workflow.Context) {
	if err := l.unlock(ctx).Get(ctx, nil); err != nil {
		l.log.Error("write effects failed", "error", err)
	}
}

// written reports whether every write has finished.
func (l *lifecycle) written() bool { return l.writes.done() }

// exec runs one of the lifecycle's short PostgreSQL activities: a local
// activity from changeEffects on, an activity before.
func (l *lifecycle) exec(ctx workflow.Context, activity any, args ...any) workflow.Future {
	return execShort(ctx, l.effects, l.s.Clock, activity, args...)
}

func (l *lifecycle) result() StepResult {
	r := StepResult{Phase: l.s.Phase, Status: l.s.Status, WaitlistPosition: l.s.WaitlistPosition}
	if c := l.s.Contract; c != nil {
		r.TermStart, r.TermEnd, r.RateYen = c.TermStart, c.TermEnd, c.RateYen
		if c.Ending != nil {
			r.EndsOn = c.Ending.EndsOn
		} else if l.s.Phase == ippo.PhaseActive {
			r.NextExtension = c.TermEnd.AddDays(1)
		}
	}
	return r
}

// standing is the phase and status under which the transition table
// (ippo.Transitions) is read. It is derived from the state the way the
// validators always have (an ending contract, a graduate with work
// left), so live histories replay to the same decisions.
func (l *lifecycle) standing() (ippo.Phase, string) {
	switch p := l.s.Phase; {
	case p == ippo.PhaseScreening && l.s.Status == StatusAwaitingDecision:
		return p, StatusAwaitingDecision
	case p == ippo.PhaseScreening:
		return p, StatusWaitlisted
	case p == ippo.PhaseOnboarding:
		return p, StatusAwaitingContract
	case p == ippo.PhaseActive && l.s.Contract != nil && l.s.Contract.Ending != nil:
		return p, StatusEnding
	case p == ippo.PhaseActive:
		return p, StatusUnderContract
	case p == ippo.PhaseGraduated && l.open():
		return p, StatusFollowingUp
	default:
		return p, StatusClosed
	}
}

// fits reports whether a staff step fits the lifecycle's standing.
func (l *lifecycle) fits(step ippo.LifecycleStep) bool {
	p, status := l.standing()
	return ippo.StepFits(p, status, step)
}

// allowed lists the staff steps that fit the current standing, for 409 answers.
func (l *lifecycle) allowed() []string {
	return ippo.StepNames(l.standing())
}

// refuse turns a domain error into the update's failure; the API maps it back.
func refuse(err error) error {
	var e *ippo.Error
	if !errors.As(err, &e) {
		return err
	}
	return temporal.NewApplicationErrorWithOptions(e.Message, e.Code,
		temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{*e}})
}

func (l *lifecycle) wrongPhase(step string) error {
	e := ippo.WrongPhase(step, l.s.Phase, l.allowed()...)
	if l.s.Status == StatusWaitlisted {
		e.Message = fmt.Sprintf("%s is not possible: the worker is approved and waiting for a place (position %d)", step, l.s.WaitlistPosition)
	}
	return refuse(e)
}

// --- screening ---

func (l *lifecycle) validateEligibility(ctx workflow.Context, d EligibilityDecision) error {
	if !l.fits(ippo.StepEligibility) {
		return l.wrongPhase("an eligibility decision")
	}
	if !d.Approve && d.NoteID == "" {
		return refuse(ippo.Invalid([]ippo.FieldError{{Field: "reason", Message: "is required when the applicant is not approved"}}))
	}
	return nil
}

func (l *lifecycle) decideEligibility(ctx workflow.Context, d EligibilityDecision) (StepResult, error) {
	l.mu.Lock(ctx)
	defer l.answer(ctx)
	if err := l.validateEligibility(ctx, d); err != nil {
		return StepResult{}, err
	}
	defer func() { l.dirty = true }()
	if !d.Approve {
		l.s.Phase, l.s.Status = ippo.PhaseIneligible, StatusClosed
		l.step(ctx, "eligibility_rejected", d.Actor, d.NoteID, nil)
		l.notify(ctx, activities.EmailEligibilityRejected, activities.Facts{NoteID: d.NoteID})
		return l.result(), nil
	}
	var place activities.PlaceResult
	req := activities.PlaceRequest{WorkerID: l.s.WorkerID, On: l.today(ctx)}
	if err := l.exec(ctx, a.ClaimPlace, req).Get(ctx, &place); err != nil {
		return StepResult{}, err
	}
	l.grantPlaces(ctx, place.Promoted)
	if place.Granted {
		l.s.Phase, l.s.Status, l.s.Place = ippo.PhaseOnboarding, StatusAwaitingContract, "holding"
	} else {
		l.s.Status, l.s.Place, l.s.WaitlistPosition = StatusWaitlisted, "waiting", place.Position
	}
	l.step(ctx, "eligibility_approved", d.Actor, d.NoteID, map[string]any{
		"waitlisted": !place.Granted, "position": place.Position,
	})
	l.notify(ctx, activities.EmailEligibilityApproved, activities.Facts{Waitlisted: !place.Granted, Position: place.Position})
	return l.result(), nil
}

// receivePlaces handles place-granted signals (with the mutex held).
func (l *lifecycle) receivePlaces(ctx workflow.Context) {
	for l.places.ReceiveAsync(nil) {
		if l.s.Phase != ippo.PhaseScreening || l.s.Status != StatusWaitlisted {
			continue // withdrawn meanwhile, or a repeated signal
		}
		l.s.Phase, l.s.Status, l.s.Place, l.s.WaitlistPosition = ippo.PhaseOnboarding, StatusAwaitingContract, "holding", 0
		l.step(ctx, "place_granted", ippo.ActorSystem, "", nil)
		l.notify(ctx, activities.EmailPlaceReady, activities.Facts{})
	}
}

// grantPlaces tells workers who were granted a place by this worker's move.
func (l *lifecycle) grantPlaces(ctx workflow.Context, workerIDs []string) {
	for _, id := range workerIDs {
		f := workflow.SignalExternalWorkflow(ctx, WorkerWorkflowID(id), "", SignalPlaceGranted, nil)
		if l.effects {
			// Not waited for under the lock; the run hands over or ends
			// only once it is delivered (written).
			l.writes.track(f)
			continue
		}
		if err := f.Get(ctx, nil); err != nil {
			// The other lifecycle has closed (withdrawn meanwhile); its own
			// release already passed the place on.
			l.log.Warn("place-granted signal not delivered", "worker", id, "error", err)
		}
	}
}

// releasePlace gives up the worker's place or queue place.
func (l *lifecycle) releasePlace(ctx workflow.Context) {
	if l.s.Place == "" || l.s.Place == "released" {
		return
	}
	var promoted []string
	req := activities.PlaceRequest{WorkerID: l.s.WorkerID, On: l.today(ctx)}
	if err := l.exec(ctx, a.ReleasePlace, req).Get(ctx, &promoted); err != nil {
		l.log.Error("release place failed", "error", err)
		return
	}
	l.s.Place, l.s.WaitlistPosition = "released", 0
	l.grantPlaces(ctx, promoted)
}

// --- withdrawal ---

func (l *lifecycle) validateWithdraw(ctx workflow.Context, w Withdraw) error {
	if !ippo.PhaseAllows(l.s.Phase, ippo.StepWithdrawal) {
		return l.wrongPhase("withdrawal")
	}
	return nil
}

func (l *lifecycle) withdraw(ctx workflow.Context, w Withdraw) (StepResult, error) {
	l.mu.Lock(ctx)
	defer l.answer(ctx)
	if err := l.validateWithdraw(ctx, w); err != nil {
		return StepResult{}, err
	}
	from := l.s.Phase
	l.s.Phase, l.s.Status = ippo.PhaseWithdrawn, StatusClosed
	l.releasePlace(ctx)
	l.step(ctx, "withdrawn", w.Actor, w.NoteID, map[string]any{"from_phase": string(from)})
	l.dirty = true
	return l.result(), nil
}
