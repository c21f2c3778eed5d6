package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
)

// ListConsents lists the worker's consents, withdrawn ones included.
func (s *Server) ListConsents(c *gin.Context, id WorkerID) {
	items, err := s.app().Consents(c.Request.Context(), id.String())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// RecordConsent records a consent given (201) or withdrawn (200); see
// app.RecordConsent.
func (s *Server) RecordConsent(c *gin.Context, id WorkerID, _ RecordConsentParams) {
	var in ConsentInput
	if !bindJSON(c, &in) {
		return
	}
	r := ippo.ConsentRequest{
		Action: ippo.ConsentAction(in.Action), AgencyID: in.AgencyId.String(), Purpose: ippo.ConsentPurpose(in.Purpose),
		On: deref(in.On), WordingVersion: in.WordingVersion,
	}
	for _, it := range deref(in.Items) {
		r.Items = append(r.Items, ippo.ShareItem(it))
	}
	actor, _ := actorOf(c)
	out, err := s.app().RecordConsent(c.Request.Context(), actor, id.String(), r)
	status := http.StatusOK
	if r.Action == ippo.ConsentGive {
		status = http.StatusCreated
	}
	answer(c, status, out, err)
}
