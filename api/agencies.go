package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo/app"
)

// ListAgencies lists the partner agencies.
func (s *Server) ListAgencies(c *gin.Context) {
	items, err := s.app().Agencies(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// CreateAgency adds a partner agency.
func (s *Server) CreateAgency(c *gin.Context, _ CreateAgencyParams) {
	var in AgencyInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	a, err := s.app().CreateAgency(c.Request.Context(), actor, app.Agency{
		Name: in.Name, Kind: string(in.Kind), Email: in.Email, Description: deref(in.Description),
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/agencies/"+a.ID)
	c.JSON(http.StatusCreated, a)
}
