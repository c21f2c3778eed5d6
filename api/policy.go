package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
)

// renderPolicy answers with the policy in force and every version.
func (s *Server) renderPolicy(c *gin.Context) {
	st, err := s.app().Policy(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"today": st.Today, "in_force": st.InForce, "versions": nonNil(st.Versions)})
}

// GetPolicy returns the policy in force and every version.
func (s *Server) GetPolicy(c *gin.Context) {
	s.renderPolicy(c)
}

// PutPolicy adds a policy version from a date that is not in the past.
// Workflows read the version in force when they need a value, so running
// lifecycles pick it up from its date on. More places may let waiting
// workers in at once.
func (s *Server) PutPolicy(c *gin.Context) {
	var in ippo.PolicyVersion
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	if err := s.app().PutPolicy(c.Request.Context(), actor, in); err != nil {
		fail(c, err)
		return
	}
	s.renderPolicy(c)
}
