package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/workflows"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// ErrUnavailable marks errors from a dependency that is out of reach
// (PostgreSQL or Temporal): the faces answer "try again shortly".
var ErrUnavailable = errors.New("dependency unavailable")

// ErrStepPending marks a step whose answer did not come in time: it was
// sent and may still be taken (Temporal or PostgreSQL restarting). The
// faces answer 503 with Retry-After; the same request with the same step
// key then gets the step's own answer (Temporal deduplicates the Update).
var ErrStepPending = errors.New("the step was sent but has not answered yet (it may still be taken); " +
	"send the same request again with the same Idempotency-Key to get its answer")

// updateTimeout bounds how long a step waits for the lifecycle. A step
// answers in about a second (its decision and one write); one that takes
// longer keeps running in the workflow after the time-out (ErrStepPending).
const updateTimeout = 10 * time.Second

// Standing is the worker's standing after a lifecycle step. It is the
// application's own copy of the workflow's answer, so a face can rename
// or add a field without touching a running workflow's payloads.
type Standing struct {
	Phase            ippo.Phase `json:"phase"`
	Status           string     `json:"status"`
	WaitlistPosition int        `json:"waitlist_position,omitempty"`
	TermStart        ippo.Date  `json:"term_start,omitzero"`
	TermEnd          ippo.Date  `json:"term_end,omitzero"`
	NextExtension    ippo.Date  `json:"next_extension,omitzero"`
	EndsOn           ippo.Date  `json:"ends_on,omitzero"`
	RateYen          int        `json:"rate_yen,omitempty"`
}

func standingOf(r workflows.StepResult) Standing {
	return Standing{
		Phase: r.Phase, Status: r.Status, WaitlistPosition: r.WaitlistPosition,
		TermStart: r.TermStart, TermEnd: r.TermEnd, NextExtension: r.NextExtension,
		EndsOn: r.EndsOn, RateYen: r.RateYen,
	}
}

// StepKey is the Temporal update ID a face derives for a step so that a
// retried request is one step: the API uses the Idempotency-Key (or the
// request id), the console its form token, a link page "link/" + its ID.
func StepKey(actor Actor, key string) string { return "idem/" + actor.ID + "/" + key }

// update sends a step to a worker's lifecycle as a Temporal Update and
// decodes its answer. stepID makes a retried step one step.
//
// The worker is read from PostgreSQL only when the answer needs it (no
// lifecycle run to take the step: an unknown worker, a lifecycle that has
// ended, or one continuing as new), not before every step.
func update[T any](ctx context.Context, a *App, workerID, stepID, name string, arg any) (T, error) {
	var res T
	ctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	var w *ippo.Worker
	if u, err := uuid.Parse(workerID); err != nil || u.String() != workerID {
		// Not an id in its canonical form: the store says whose it is.
		found, err := a.DB.Worker(ctx, workerID)
		if err != nil {
			return res, err
		}
		w, workerID = &found, found.ID
	}
	if stepID == "" {
		stepID = uuid.NewString()
	}
	for attempt := 0; ; attempt++ {
		h, err := a.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID:   workflows.WorkerWorkflowID(workerID),
			UpdateID:     stepID,
			UpdateName:   name,
			Args:         []any{arg},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, &res)
		}
		if err == nil {
			return res, nil
		}
		if !runClosed(err) {
			return res, lifecycleError(err, "")
		}
		if w == nil {
			found, werr := a.DB.Worker(ctx, workerID)
			if werr != nil {
				return res, werr // no such worker
			}
			w = &found
		}
		// A lifecycle continues as new at every extension: an update that
		// reaches the closing run is sent again to the new one.
		if attempt < 3 && !w.Phase.Final() {
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
				continue
			}
		}
		return res, lifecycleError(err, w.Phase)
	}
}

func runClosed(err error) bool {
	var notFound *serviceerror.NotFound
	return errors.As(err, &notFound) || strings.Contains(err.Error(), "workflow execution already completed")
}

// domainCodes are the error codes a workflow may refuse a step with.
var domainCodes = map[string]bool{ippo.EINVALID: true, ippo.ECONFLICT: true, ippo.ENOTFOUND: true, ippo.EFORBIDDEN: true}

// lifecycleError turns what Temporal answered into a domain error.
func lifecycleError(err error, phase ippo.Phase) error {
	var appErr *temporal.ApplicationError
	switch {
	case errors.As(err, &appErr):
		var e ippo.Error
		if appErr.HasDetails() && appErr.Details(&e) == nil && e.Code != "" {
			return &e
		}
		if domainCodes[appErr.Type()] {
			return &ippo.Error{Code: appErr.Type(), Message: appErr.Message()}
		}
		return err
	case runClosed(err):
		return ippo.WrongPhase("this step", phase)
	case stepPending(err):
		return errors.Join(ErrUnavailable, ErrStepPending, err)
	}
	var unavailable *serviceerror.Unavailable
	if errors.As(err, &unavailable) {
		return errors.Join(ErrUnavailable, err)
	}
	return err
}

// stepPending reports whether an Update's answer did not come in time: the
// step may have been taken, or may still be.
func stepPending(err error) bool {
	var (
		timeout  *client.WorkflowUpdateServiceTimeoutOrCanceledError
		deadline *serviceerror.DeadlineExceeded
		canceled *serviceerror.Canceled
	)
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.As(err, &timeout) || errors.As(err, &deadline) || errors.As(err, &canceled)
}

// refused reports whether err says for certain that a step was not taken
// (a validator or the handler refused it), as opposed to an answer that
// did not come (the step may still be taken and record its note).
func refused(err error) bool {
	var e *ippo.Error
	return errors.As(err, &e) && e.Code != ippo.EINTERNAL
}

// noteNamespace derives a step's note id from the step's update id.
var noteNamespace = uuid.MustParse("8d0f6a4e-2c1b-4f3e-9a7d-5b6c4e2f1a08")

// NoteID is the id of the note a step with update id stepID stores for
// the worker: a retried request (the same Idempotency-Key, form token or
// link) finds the note the first one stored instead of writing another,
// so after a time-out the step, taken once, refers to the one note there
// is. Without a step id, every note is new.
func NoteID(workerID, stepID string) string {
	if stepID == "" {
		return uuid.NewString()
	}
	return uuid.NewSHA1(noteNamespace, []byte(workerID+"\x00"+stepID)).String()
}

// note stores free text staff wrote (a reason, handoff notes), so the
// workflow carries only its id (NoteID: once per step). It returns a
// function that removes the note again if the step is refused; an empty
// text is no note.
func (a *App) note(ctx context.Context, actor Actor, workerID, stepID, text string) (string, func(), error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", func() {}, nil
	}
	id := NoteID(workerID, stepID)
	if err := a.DB.CreateNote(ctx, id, workerID, text, actor.Ref()); err != nil {
		if ippo.ErrorCode(err) == ippo.EINTERNAL {
			// A note for a worker who does not exist fails on its foreign
			// key: say "not found", not "internal".
			if _, werr := a.DB.Worker(ctx, workerID); werr != nil {
				return "", nil, werr
			}
		}
		return "", nil, err
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := a.DB.DeleteNote(ctx, id); err != nil {
			a.log().Error("remove note of refused step", "error", err.Error())
		}
	}
	return id, drop, nil
}

// stepWithNote stores text as a note, runs a lifecycle step that refers
// to it and removes the note again when the step is refused. stepID is
// the step's update id (the note's id derives from it).
func stepWithNote[T any](ctx context.Context, a *App, actor Actor, workerID, stepID, text string, run func(noteID string) (T, error)) (T, error) {
	noteID, drop, err := a.note(ctx, actor, workerID, stepID, text)
	if err != nil {
		var zero T
		return zero, err
	}
	res, err := run(noteID)
	if refused(err) {
		drop() // only then: after a time-out the step may still record the note
	}
	return res, err
}

// EligibilityDecision is staff's decision at screening. Reason is
// required to reject: it is sent to the applicant in plain words.
type EligibilityDecision struct {
	Approve bool
	Reason  string
}

// DecideEligibility approves or rejects an applicant.
func (a *App) DecideEligibility(ctx context.Context, actor Actor, workerID, stepID string, d EligibilityDecision) (Standing, error) {
	if !d.Approve && strings.TrimSpace(d.Reason) == "" {
		return Standing{}, ippo.Invalid([]ippo.FieldError{{Field: "reason", Message: "is required when the applicant is not approved; it is sent to them in plain words"}})
	}
	return stepWithNote(ctx, a, actor, workerID, stepID, d.Reason, func(noteID string) (Standing, error) {
		r, err := update[workflows.StepResult](ctx, a, workerID, stepID, workflows.UpdateDecideEligibility,
			workflows.EligibilityDecision{Approve: d.Approve, NoteID: noteID, Actor: actor.Ref()})
		return standingOf(r), err
	})
}

// Contract is the signing of the contract; a zero SignedOn is today.
type Contract struct {
	SignedOn ippo.Date
}

// SignContract signs the contract: the worker's first term starts.
func (a *App) SignContract(ctx context.Context, actor Actor, workerID, stepID string, c Contract) (Standing, error) {
	r, err := update[workflows.StepResult](ctx, a, workerID, stepID, workflows.UpdateSignContract,
		workflows.SignContract{SignedOn: c.SignedOn, Actor: actor.Ref()})
	return standingOf(r), err
}

// Who ends a contract by not renewing it.
const (
	ByCenter = workflows.ByCenter
	ByWorker = workflows.ByWorker
)

// NonRenewal is the center's notice (By ByCenter, optionally with the end
// date) or the worker's opt-out (By ByWorker: the current term ends).
type NonRenewal struct {
	By     string
	EndsOn ippo.Date
	Reason string
	// SubmittedAt is when the notice reached Ippo (zero: now); the
	// lifecycle judges it on that day even if it is applied later.
	SubmittedAt time.Time
}

// EndContract records a non-renewal.
func (a *App) EndContract(ctx context.Context, actor Actor, workerID, stepID string, n NonRenewal) (Standing, error) {
	switch {
	case n.By != ByCenter && n.By != ByWorker:
		return Standing{}, ippo.Invalid([]ippo.FieldError{{Field: "by", Message: fmt.Sprintf("must be %q or %q", ByCenter, ByWorker)}})
	case n.By == ByWorker && !n.EndsOn.IsZero():
		return Standing{}, ippo.Invalid([]ippo.FieldError{{Field: "ends_on", Message: "only the center names an end date; a worker's opt-out ends the current term"}})
	}
	return stepWithNote(ctx, a, actor, workerID, stepID, n.Reason, func(noteID string) (Standing, error) {
		r, err := update[workflows.StepResult](ctx, a, workerID, stepID, workflows.UpdateEndContract,
			workflows.EndContract{By: n.By, EndsOn: n.EndsOn, NoteID: noteID, Actor: actor.Ref(), SubmittedAt: submitted(n.SubmittedAt)})
		return standingOf(r), err
	})
}

// Withdrawal is the worker leaving the program, in any phase.
type Withdrawal struct {
	Reason string // required
}

// Withdraw records that the worker leaves the program.
func (a *App) Withdraw(ctx context.Context, actor Actor, workerID, stepID string, w Withdrawal) (Standing, error) {
	if strings.TrimSpace(w.Reason) == "" {
		return Standing{}, ippo.Invalid([]ippo.FieldError{{Field: "reason", Message: "is required"}})
	}
	return stepWithNote(ctx, a, actor, workerID, stepID, w.Reason, func(noteID string) (Standing, error) {
		r, err := update[workflows.StepResult](ctx, a, workerID, stepID, workflows.UpdateWithdraw,
			workflows.Withdraw{NoteID: noteID, Actor: actor.Ref()})
		return standingOf(r), err
	})
}

// StepsFitting lists the lifecycle steps that fit the worker's phase and
// status in the read model (ippo.Transitions), for a face to offer; the
// lifecycle itself decides again when the step is sent.
func StepsFitting(w ippo.Worker) []ippo.LifecycleStep { return ippo.StepsAllowed(w.Phase, w.Status) }

// submitted is when a notice reached Ippo: t, or now.
func submitted(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}
