package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// CreateApplicant registers an applicant and starts their lifecycle.
func (s *Server) CreateApplicant(c *gin.Context, _ CreateApplicantParams) {
	var in ApplicantInput
	if !bindJSON(c, &in) {
		return
	}
	a := app.Intake{
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
	actor, _ := actorOf(c)
	w, err := s.app().Apply(c.Request.Context(), actor, a)
	if err != nil {
		fail(c, err)
		return
	}
	c.Set(ctxWorkerID, w.ID)
	c.Header("Location", "/api/v1/workers/"+w.ID)
	c.JSON(http.StatusCreated, w)
}
