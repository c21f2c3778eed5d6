package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/workflows"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// CreateApplicant registers an applicant and starts their lifecycle.
func (s *Server) CreateApplicant(c *gin.Context, _ CreateApplicantParams) {
	var in ApplicantInput
	if !bindJSON(c, &in) {
		return
	}
	a := ippo.Applicant{
		Name:                   in.Name,
		NameKana:               deref(in.NameKana),
		Email:                  in.Email,
		MunicipalityCode:       in.MunicipalityCode,
		Category:               ippo.Category(in.Category),
		RecognizedByDoctor:     deref(in.RecognizedByDoctor),
		WithdrawnSince:         deref(in.WithdrawnSince),
		SupportingBody:         deref(in.SupportingBody),
		IntractableDisease:     deref(in.IntractableDisease),
		WantsGeneralEmployment: in.WantsGeneralEmployment,
		Consent:                ippo.CollectionConsent{GivenOn: in.Consent.GivenOn, WordingVersion: in.Consent.WordingVersion},
	}
	for _, t := range deref(in.DisabilityTypes) {
		a.DisabilityTypes = append(a.DisabilityTypes, ippo.DisabilityType(t))
	}
	a.Normalize()
	ctx := c.Request.Context()
	today := s.today()
	p, err := s.DB.PolicyAt(ctx, today)
	if err != nil {
		fail(c, errors.Join(errUnavailable, err))
		return
	}
	if err := ippo.CheckApplicant(a, p, today); err != nil {
		fail(c, err)
		return
	}
	id := uuid.NewString()
	if err := s.DB.CreateApplicant(ctx, id, a); err != nil {
		fail(c, err)
		return
	}
	actor, _ := actorOf(c)
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    workflows.WorkerWorkflowID(id),
		TaskQueue:             s.TaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.PhaseAttribute.ValueSet(string(ippo.PhaseScreening))),
	}, workflows.LifecycleWorkflow, workflows.LifecycleInput{WorkerID: id, Actor: actor.Ref(), Clock: s.Clock})
	if err != nil {
		// Nothing may be left half-done: without a lifecycle, no applicant.
		if derr := s.DB.DeleteApplicant(ctx, id); derr != nil {
			logger(c).Error("remove applicant after failed start", "worker_id", id, "error", derr.Error())
		}
		fail(c, errors.Join(errUnavailable, err))
		return
	}
	c.Set(ctxWorkerID, id)
	w, err := s.DB.Worker(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/workers/"+id)
	c.JSON(http.StatusCreated, w)
}
