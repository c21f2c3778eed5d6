package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
)

func (s *Server) policyState(ctx context.Context) (gin.H, error) {
	versions, err := s.DB.PolicyVersions(ctx)
	if err != nil {
		return nil, err
	}
	today := s.today()
	return gin.H{"today": today, "in_force": ippo.PolicyAt(versions, today), "versions": nonNil(versions)}, nil
}

// GetPolicy returns the policy in force and every version.
func (s *Server) GetPolicy(c *gin.Context) {
	st, err := s.policyState(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
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
	if in.EffectiveFrom.IsZero() {
		in.EffectiveFrom = s.today() // "from today", as the server counts it
	}
	if in.EffectiveFrom.Before(s.today()) {
		fail(c, ippo.Invalid([]ippo.FieldError{{Field: "effective_from", Message: "cannot be in the past (today is " + s.today().String() + "); past policy stays as it was"}}))
		return
	}
	if err := in.Policy.Validate(); err != nil {
		if e, ok := err.(*ippo.Error); ok {
			for i := range e.Fields {
				e.Fields[i].Field = "policy." + e.Fields[i].Field
			}
		}
		fail(c, err)
		return
	}
	actor, _ := actorOf(c)
	ctx := c.Request.Context()
	if err := s.DB.PutPolicy(ctx, in, actor.Ref()); err != nil {
		fail(c, err)
		return
	}
	if !in.EffectiveFrom.After(s.today()) {
		s.fillPlaces(c, in.Policy.Capacity)
	}
	st, err := s.policyState(ctx)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}
