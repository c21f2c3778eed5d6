package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/workflows"
)

// AssessmentRecorded answers a recorded assessment: the record, the
// worker's standing, and where the cadence of rounds stands.
type AssessmentRecorded struct {
	Record   ippo.AssessmentRecord
	Standing Standing
	// RoundComplete says this assessment completed a round of the cadence.
	RoundComplete bool
	// NextDue is when the next (or the current) round is due.
	NextDue           ippo.Date
	StepUpRecommended bool
}

// RecordAssessment records an assessment of a worker: it stores it (with
// its comments, which never enter the workflow) and asks the worker's
// lifecycle to record it, which checks the phase and the scores, counts it
// towards the round in progress and may recommend a step-up. A refused
// assessment is removed again: nothing changes.
//
// Staff call it with their Actor; the self-assessment page of the signed
// email link calls it with a.By = ippo.AssessorSelf,
// LinkActor(ippo.ActorWorker) and stepID "link/" + the link's ID, so a
// form sent twice is one step. A zero a.On is today.
func (a *App) RecordAssessment(ctx context.Context, actor Actor, workerID, stepID string, as ippo.Assessment) (AssessmentRecorded, error) {
	today := a.Today()
	if as.On.IsZero() {
		as.On = today
	}
	if err := ippo.ValidateAssessment(as, today); err != nil {
		return AssessmentRecorded{}, err
	}
	rec := ippo.AssessmentRecord{ID: uuid.NewString(), WorkerID: workerID, Assessment: as, RecordedBy: actor.Ref(), CreatedAt: time.Now()}
	if err := a.DB.CreateAssessment(ctx, rec); err != nil {
		return AssessmentRecorded{}, err
	}
	res, err := update[workflows.AssessmentResult](ctx, a, workerID, stepID, workflows.UpdateRecordAssessment,
		workflows.RecordAssessment{AssessmentID: rec.ID, By: as.By, On: as.On, Scores: as.Scores, Actor: actor.Ref()})
	if err != nil || res.AssessmentID != rec.ID {
		// Refused, or a repeated request the lifecycle answered with the
		// first assessment: this copy is not needed.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if derr := a.DB.DeleteUnacceptedAssessment(dctx, rec.ID); derr != nil {
			a.log().Error("remove unrecorded assessment", "assessment", rec.ID, "error", derr.Error())
		}
		if err != nil {
			return AssessmentRecorded{}, err
		}
		rec.ID = res.AssessmentID
	}
	rec.Average = as.Average()
	return AssessmentRecorded{Record: rec, Standing: standingOf(res.StepResult), RoundComplete: res.RoundComplete,
		NextDue: res.NextDue, StepUpRecommended: res.StepUpRecommended}, nil
}

// NextAssessmentDue asks the lifecycle when the round in progress is due;
// zero when it has none or does not answer within a moment (a list of
// assessments is still worth showing without it).
func (a *App) NextAssessmentDue(ctx context.Context, workerID string) ippo.Date {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	v, err := a.Temporal.QueryWorkflow(ctx, workflows.WorkerWorkflowID(workerID), "", workflows.QueryState)
	if err != nil {
		return ippo.Date{}
	}
	var st workflows.LifecycleState
	if err := v.Get(&st); err != nil || st.Phase != ippo.PhaseActive || st.Assessments == nil {
		return ippo.Date{}
	}
	return st.Assessments.DueOn
}

// AssessmentHistory is a worker's assessments with the latest pair, its
// gap per dimension and whether it reaches the step-up threshold.
type AssessmentHistory struct {
	Items []ippo.AssessmentRecord
	// LatestStaff and LatestSelf are nil until there is one of each.
	LatestStaff, LatestSelf *ippo.AssessmentRecord
	// Gap is staff minus self per dimension, when there are both.
	Gap             *ippo.PerDimension[int]
	StepUpThreshold float64
	StepUpReady     bool
	NextDue         ippo.Date // zero: no round in progress (or no answer)
}

// Assessments returns the worker's assessment history.
func (a *App) Assessments(ctx context.Context, workerID string) (AssessmentHistory, error) {
	items, err := a.DB.Assessments(ctx, workerID)
	if err != nil {
		return AssessmentHistory{}, err
	}
	p, err := a.DB.PolicyAt(ctx, a.Today())
	if err != nil {
		return AssessmentHistory{}, errors.Join(ErrUnavailable, err)
	}
	h := AssessmentHistory{Items: items, StepUpThreshold: p.StepUpThreshold}
	h.LatestStaff, h.LatestSelf = ippo.Latest(items)
	if h.LatestStaff != nil && h.LatestSelf != nil {
		g := ippo.Gap(h.LatestStaff.Assessment, h.LatestSelf.Assessment)
		h.Gap = &g
		h.StepUpReady = ippo.StepUpReady(&h.LatestStaff.Assessment, &h.LatestSelf.Assessment, p.StepUpThreshold)
	}
	h.NextDue = a.NextAssessmentDue(ctx, workerID)
	return h, nil
}
