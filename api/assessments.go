package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
)

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
	res, err := s.app().RecordAssessment(c.Request.Context(), actor, id.String(), stepKey(c), a)
	if err != nil {
		fail(c, err)
		return
	}
	rec := res.Record
	rec.RecordedBy = actor.Name
	c.JSON(http.StatusCreated, gin.H{
		"assessment": rec, "phase": res.Standing.Phase, "status": res.Standing.Status, "round_complete": res.RoundComplete,
		"next_due": res.NextDue, "step_up_recommended": res.StepUpRecommended,
	})
}

// ListAssessments returns the worker's assessments with the latest pair,
// its gap per dimension and whether it reaches the step-up threshold.
func (s *Server) ListAssessments(c *gin.Context, id WorkerID) {
	h, err := s.app().Assessments(c.Request.Context(), id.String())
	if err != nil {
		fail(c, err)
		return
	}
	latest := gin.H{}
	out := gin.H{"items": nonNil(h.Items), "latest": latest}
	if h.LatestStaff != nil {
		latest["staff"] = h.LatestStaff
	}
	if h.LatestSelf != nil {
		latest["self"] = h.LatestSelf
	}
	if h.Gap != nil {
		out["gap"] = *h.Gap
	}
	out["step_up"] = gin.H{"threshold": h.StepUpThreshold, "ready": h.StepUpReady}
	if !h.NextDue.IsZero() {
		out["next_due"] = h.NextDue
	}
	c.JSON(http.StatusOK, out)
}
