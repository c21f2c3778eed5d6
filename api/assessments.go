package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/workflows"
	"go.temporal.io/sdk/client"
)

// lifecycleUpdate sends a step to a worker's lifecycle as a Temporal
// Update and decodes its own answer: s.update for steps that answer more
// than a StepResult, callable without a request (signed-link pages).
// updateID makes a retried step one step.
func lifecycleUpdate[T any](ctx context.Context, s *Server, workerID, updateID, name string, arg any) (T, error) {
	var res T
	ctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	w, err := s.DB.Worker(ctx, workerID)
	if err != nil {
		return res, err
	}
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
	if err != nil {
		return res, lifecycleError(err, w.Phase)
	}
	return res, nil
}

// updateKey is the update ID for a request: its Idempotency-Key, or else
// its request id (as s.update does).
func updateKey(c *gin.Context) string {
	if key := c.GetString(ctxIdempotencyKey); key != "" {
		actor, _ := actorOf(c)
		return "idem/" + actor.ID + "/" + key
	}
	return requestID(c)
}

// RecordAssessmentAs records an assessment of a worker: it stores it (with
// its comments, which never enter the workflow) and asks the worker's
// lifecycle to record it, which checks the phase and the scores, counts it
// towards the round in progress and may recommend a step-up. A refused
// assessment is removed again: nothing changes.
//
// POST /workers/{id}/assessments calls it with the staff token's actor; the
// self-assessment page of the signed email link (links.ActionSelfAssessment)
// calls it with a.By = ippo.AssessorSelf, actor ippo.ActorWorker and
// requestKey "link/" + the link's ID, so a form sent twice is one step.
func (s *Server) RecordAssessmentAs(ctx context.Context, workerID string, a ippo.Assessment, actor, requestKey string) (ippo.AssessmentRecord, workflows.AssessmentResult, error) {
	today := s.today()
	if a.On.IsZero() {
		a.On = today
	}
	if err := ippo.ValidateAssessment(a, today); err != nil {
		return ippo.AssessmentRecord{}, workflows.AssessmentResult{}, err
	}
	rec := ippo.AssessmentRecord{ID: uuid.NewString(), WorkerID: workerID, Assessment: a, RecordedBy: actor, CreatedAt: time.Now()}
	if err := s.DB.CreateAssessment(ctx, rec); err != nil {
		return rec, workflows.AssessmentResult{}, err
	}
	res, err := lifecycleUpdate[workflows.AssessmentResult](ctx, s, workerID, requestKey, workflows.UpdateRecordAssessment,
		workflows.RecordAssessment{AssessmentID: rec.ID, By: a.By, On: a.On, Scores: a.Scores, Actor: actor})
	if err != nil || res.AssessmentID != rec.ID {
		// Refused, or a repeated request the lifecycle answered with the
		// first assessment: this copy is not needed.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if derr := s.DB.DeleteUnacceptedAssessment(dctx, rec.ID); derr != nil {
			s.Log.Error("remove unrecorded assessment", "assessment", rec.ID, "error", derr.Error())
		}
		if err != nil {
			return rec, res, err
		}
		rec.ID = res.AssessmentID
	}
	rec.Average = a.Average()
	return rec, res, nil
}

// RecordAssessment records an assessment by staff or, typed in by staff,
// the worker's self-assessment.
func (s *Server) RecordAssessment(c *gin.Context, id WorkerID, _ RecordAssessmentParams) {
	var in AssessmentInput
	if !bindJSON(c, &in) {
		return
	}
	a := ippo.Assessment{
		By:      ippo.Assessor(in.By),
		On:      deref(in.On),
		Scores:  ippo.PerDimension[int]{Stability: in.Scores.Stability, Execution: in.Scores.Execution, Habits: in.Scores.Habits, Interpersonal: in.Scores.Interpersonal},
		Comment: trimmed(in.Comment),
	}
	if cm := in.Comments; cm != nil {
		a.Comments = ippo.PerDimension[string]{Stability: trimmed(cm.Stability), Execution: trimmed(cm.Execution),
			Habits: trimmed(cm.Habits), Interpersonal: trimmed(cm.Interpersonal)}
	}
	actor, _ := actorOf(c)
	rec, res, err := s.RecordAssessmentAs(c.Request.Context(), id.String(), a, actor.Ref(), updateKey(c))
	if err != nil {
		fail(c, err)
		return
	}
	rec.RecordedBy = actor.Name
	c.JSON(http.StatusCreated, gin.H{
		"assessment": rec, "phase": res.Phase, "status": res.Status, "round_complete": res.RoundComplete,
		"next_due": res.NextDue, "step_up_recommended": res.StepUpRecommended,
	})
}

// ListAssessments returns the worker's assessments with the latest pair,
// its gap per dimension and whether it reaches the step-up threshold.
func (s *Server) ListAssessments(c *gin.Context, id WorkerID) {
	ctx := c.Request.Context()
	items, err := s.DB.Assessments(ctx, id.String())
	if err != nil {
		fail(c, err)
		return
	}
	p, err := s.DB.PolicyAt(ctx, s.today())
	if err != nil {
		fail(c, errors.Join(errUnavailable, err))
		return
	}
	staff, self := ippo.Latest(items)
	latest := gin.H{}
	out := gin.H{"items": nonNil(items), "latest": latest}
	ready := false
	if staff != nil {
		latest["staff"] = staff
	}
	if self != nil {
		latest["self"] = self
	}
	if staff != nil && self != nil {
		out["gap"] = ippo.Gap(staff.Assessment, self.Assessment)
		ready = ippo.StepUpReady(&staff.Assessment, &self.Assessment, p.StepUpThreshold)
	}
	out["step_up"] = gin.H{"threshold": p.StepUpThreshold, "ready": ready}
	if due := s.nextAssessmentDue(ctx, id.String()); !due.IsZero() {
		out["next_due"] = due
	}
	c.JSON(http.StatusOK, out)
}

// nextAssessmentDue asks the lifecycle when the round in progress is due;
// zero when it has none or does not answer within a moment (the list is
// still worth showing without it).
func (s *Server) nextAssessmentDue(ctx context.Context, workerID string) ippo.Date {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	v, err := s.Temporal.QueryWorkflow(ctx, workflows.WorkerWorkflowID(workerID), "", workflows.QueryState)
	if err != nil {
		return ippo.Date{}
	}
	var st workflows.LifecycleState
	if err := v.Get(&st); err != nil || st.Phase != ippo.PhaseActive || st.Assessments == nil {
		return ippo.Date{}
	}
	return st.Assessments.DueOn
}
