package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// GraduateWorker records a graduation and hands the worker over to the
// agencies named (app.Graduate says what is checked).
func (s *Server) GraduateWorker(c *gin.Context, id WorkerID, _ GraduateWorkerParams) {
	var in GraduationInput
	if !bindJSON(c, &in) {
		return
	}
	g := app.Graduation{Destination: ippo.Destination(in.Destination), On: deref(in.GraduatedOn), HandoffNotes: deref(in.HandoffNotes)}
	for _, u := range in.Agencies {
		g.Agencies = append(g.Agencies, u.String())
	}
	actor, _ := actorOf(c)
	res, err := s.app().Graduate(c.Request.Context(), actor, id.String(), stepKey(c), g)
	answer(c, http.StatusOK, res, err)
}

// ListHandoffs lists the worker's handoffs with the records of what was
// provided, to whom and when (until each record's retention ends).
func (s *Server) ListHandoffs(c *gin.Context, id WorkerID) {
	items, err := s.app().Handoffs(c.Request.Context(), id.String())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// AcknowledgeHandoff records an acknowledgement staff received by other
// means than the agency's link.
func (s *Server) AcknowledgeHandoff(c *gin.Context, id WorkerID, handoffID openapi_types.UUID, _ AcknowledgeHandoffParams) {
	var in AcknowledgementInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	res, err := s.app().AcknowledgeHandoff(c.Request.Context(), actor, id.String(), handoffID.String(), stepKey(c), deref(in.Note))
	answer(c, http.StatusOK, res, err)
}
