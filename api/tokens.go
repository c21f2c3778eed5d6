package api

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// NewTokenSecret returns a fresh bearer token: 256 random bits.
func NewTokenSecret() string { return app.NewTokenSecret() }

// ListTokens lists staff tokens (never their secrets).
func (s *Server) ListTokens(c *gin.Context) {
	items, err := s.app().Tokens(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// CreateToken issues a token; its secret is in this answer only.
func (s *Server) CreateToken(c *gin.Context, _ CreateTokenParams) {
	var in TokenInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	display := in.Name // a person's token names them; "" says it is no one's
	if in.DisplayName != nil {
		display = *in.DisplayName
	}
	t, secret, err := s.app().CreateTokenFor(c.Request.Context(), actor, in.Name, display, app.ParseRole(string(in.Role)))
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, gin.H{"token": t, "secret": secret})
}

// RevokeToken revokes a token at once.
func (s *Server) RevokeToken(c *gin.Context, id openapi_types.UUID) {
	actor, _ := actorOf(c)
	if err := s.app().RevokeToken(c.Request.Context(), actor, id.String()); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// ListAudit lists audited requests, newest first.
func (s *Server) ListAudit(c *gin.Context, params ListAuditParams) {
	var before int64
	if cur := deref(params.Cursor); cur != "" {
		b, err := base64.RawURLEncoding.DecodeString(cur)
		if err == nil {
			before, err = strconv.ParseInt(string(b), 10, 64)
		}
		if err != nil || before <= 0 {
			fail(c, ippo.Invalid([]ippo.FieldError{{Field: "cursor", Message: "is not a cursor this API gave out"}}))
			return
		}
	}
	workerID := ""
	if params.WorkerId != nil {
		workerID = params.WorkerId.String()
	}
	limit := deref(params.Limit)
	if limit == 0 {
		limit = 50
	}
	items, err := s.DB.AuditLog(c.Request.Context(), workerID, before, limit)
	if err != nil {
		fail(c, err)
		return
	}
	page := gin.H{"items": nonNil(items)}
	if len(items) == limit {
		page["next_cursor"] = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(items[len(items)-1].ID, 10)))
	}
	c.JSON(http.StatusOK, page)
}
