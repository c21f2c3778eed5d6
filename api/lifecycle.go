package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/workflows"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// updateTimeout bounds how long a request waits for a lifecycle step. A
// step answers in about a second (its decision and one write); one that
// takes longer (PostgreSQL or Temporal restarting) keeps running in the
// workflow after the time-out, and the request is answered 503 with
// Retry-After: the same request with the same Idempotency-Key then gets
// the step's own answer (Temporal deduplicates the Update by its ID).
const updateTimeout = 10 * time.Second

// step sends a staff step to the worker's lifecycle as a Temporal Update
// and answers with the worker's standing after it. The update's id is the
// Idempotency-Key (or the request id), so a retried request is one step.
func (s *Server) step(c *gin.Context, id WorkerID, name string, arg any) {
	res, err := s.update(c, id.String(), name, arg)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *Server) update(c *gin.Context, workerID, name string, arg any) (workflows.StepResult, error) {
	var res workflows.StepResult
	ctx, cancel := context.WithTimeout(c.Request.Context(), updateTimeout)
	defer cancel()
	w, err := s.DB.Worker(ctx, workerID)
	if err != nil {
		return res, err
	}
	updateID := requestID(c)
	if key := c.GetString(ctxIdempotencyKey); key != "" {
		actor, _ := actorOf(c)
		updateID = "idem/" + actor.ID + "/" + key
	}
	for attempt := 0; ; attempt++ {
		h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID:   workflows.WorkerWorkflowID(workerID),
			UpdateID:     updateID,
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
		// A lifecycle continues as new at every extension: an update that
		// reaches the closing run is sent again to the new one.
		if attempt < 3 && !w.Phase.Final() && runClosed(err) {
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

// lifecycleError turns what Temporal answered into a domain error.
func lifecycleError(err error, phase ippo.Phase) error {
	var app *temporal.ApplicationError
	switch {
	case errors.As(err, &app):
		var e ippo.Error
		if app.HasDetails() && app.Details(&e) == nil && e.Code != "" {
			return &e
		}
		if app.Type() != "" && problems[app.Type()].status != 0 && app.Type() != ippo.EINTERNAL {
			return &ippo.Error{Code: app.Type(), Message: app.Message()}
		}
		return err
	case runClosed(err):
		return ippo.WrongPhase("this step", phase)
	case stepPending(err):
		return errors.Join(&ippo.Error{Code: codeUnavailable, Message: "the step was sent but has not answered yet (it may still be taken); " +
			"send the same request again with the same Idempotency-Key to get its answer"}, err)
	}
	var unavailable *serviceerror.Unavailable
	if errors.As(err, &unavailable) {
		return errors.Join(errUnavailable, err)
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
// did not come (the step may still be taken).
func refused(err error) bool {
	var e *ippo.Error
	return errors.As(err, &e) && e.Code != codeUnavailable && e.Code != ippo.EINTERNAL
}

// note stores a reason staff wrote, so the workflow carries only its id. It
// returns a function that removes the note if the step is refused.
func (s *Server) note(c *gin.Context, workerID, text string) (string, func(), error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", func() {}, nil
	}
	actor, _ := actorOf(c)
	id := uuid.NewString()
	if err := s.DB.CreateNote(c.Request.Context(), id, workerID, text, actor.Ref()); err != nil {
		if ippo.ErrorCode(err) == ippo.EINTERNAL {
			if _, werr := s.DB.Worker(c.Request.Context(), workerID); werr != nil {
				return "", nil, werr
			}
		}
		return "", nil, err
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 5*time.Second)
		defer cancel()
		if err := s.DB.DeleteNote(ctx, id); err != nil {
			logger(c).Error("remove note of refused step", "error", err.Error())
		}
	}
	return id, drop, nil
}

// stepWithNote is step for requests that carry free text.
func (s *Server) stepWithNote(c *gin.Context, id WorkerID, name, text string, build func(noteID string) any) {
	noteID, drop, err := s.note(c, id.String(), text)
	if err != nil {
		fail(c, err)
		return
	}
	res, err := s.update(c, id.String(), name, build(noteID))
	if err != nil {
		if refused(err) {
			drop() // only then: after a time-out the step may still record the note
		}
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// DecideEligibility approves or rejects an applicant.
func (s *Server) DecideEligibility(c *gin.Context, id WorkerID, _ DecideEligibilityParams) {
	var in EligibilityInput
	if !bindJSON(c, &in) {
		return
	}
	if in.Decision == Reject && trimmed(in.Reason) == "" {
		fail(c, ippo.Invalid([]ippo.FieldError{{Field: "reason", Message: "is required when the applicant is not approved; it is sent to them in plain words"}}))
		return
	}
	actor, _ := actorOf(c)
	s.stepWithNote(c, id, workflows.UpdateDecideEligibility, deref(in.Reason), func(noteID string) any {
		return workflows.EligibilityDecision{Approve: in.Decision == Approve, NoteID: noteID, Actor: actor.Ref()}
	})
}

// SignContract signs the contract.
func (s *Server) SignContract(c *gin.Context, id WorkerID, _ SignContractParams) {
	var in ContractInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	s.step(c, id, workflows.UpdateSignContract, workflows.SignContract{SignedOn: deref(in.SignedOn), Actor: actor.Ref()})
}

// EndContract records the center's non-renewal notice or the worker's opt-out.
func (s *Server) EndContract(c *gin.Context, id WorkerID, _ EndContractParams) {
	var in NonRenewalInput
	if !bindJSON(c, &in) {
		return
	}
	if in.By == NonRenewalInputByWorker && in.EndsOn != nil {
		fail(c, ippo.Invalid([]ippo.FieldError{{Field: "ends_on", Message: "only the center names an end date; a worker's opt-out ends the current term"}}))
		return
	}
	actor, _ := actorOf(c)
	submitted := time.Now() // the notice counts from when it reached Ippo
	s.stepWithNote(c, id, workflows.UpdateEndContract, deref(in.Reason), func(noteID string) any {
		return workflows.EndContract{By: string(in.By), EndsOn: deref(in.EndsOn), NoteID: noteID, Actor: actor.Ref(), SubmittedAt: submitted}
	})
}

// WithdrawWorker records that the worker leaves the program.
func (s *Server) WithdrawWorker(c *gin.Context, id WorkerID, _ WithdrawWorkerParams) {
	var in WithdrawalInput
	if !bindJSON(c, &in) {
		return
	}
	if strings.TrimSpace(in.Reason) == "" {
		fail(c, ippo.Invalid([]ippo.FieldError{{Field: "reason", Message: "is required"}}))
		return
	}
	actor, _ := actorOf(c)
	s.stepWithNote(c, id, workflows.UpdateWithdraw, in.Reason, func(noteID string) any {
		return workflows.Withdraw{NoteID: noteID, Actor: actor.Ref()}
	})
}
