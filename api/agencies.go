package api

import (
	"net/http"
	"net/mail"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
)

// ListAgencies lists the partner agencies.
func (s *Server) ListAgencies(c *gin.Context) {
	items, err := s.DB.Agencies(c.Request.Context())
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
	a := ippo.Agency{
		ID:          uuid.NewString(),
		Name:        strings.TrimSpace(in.Name),
		Kind:        string(in.Kind),
		Email:       strings.TrimSpace(in.Email),
		Description: trimmed(in.Description),
	}
	var f ippo.Fields
	if a.Name == "" {
		f.Add("name", "is required")
	}
	if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email {
		f.Add("email", "must be a plain email address such as soudan@example.jp")
	}
	if err := f.Err(); err != nil {
		fail(c, err)
		return
	}
	a, err := s.DB.CreateAgency(c.Request.Context(), a)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/agencies/"+a.ID)
	c.JSON(http.StatusCreated, a)
}
