package api

import (
	"context"
	"errors"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/postgres"
)

func actorOf(c *gin.Context) (app.Actor, bool) {
	a, ok := c.Get(ctxActor)
	if !ok {
		return app.Actor{}, false
	}
	return a.(app.Actor), true
}

// Tokens finds the token for a secret.
type Tokens interface {
	TokenBySecret(ctx context.Context, secret string) (postgres.Token, error)
}

// authorize authenticates the bearer token and checks the route's minimum
// role in permissions. A route missing from the table is denied to every
// role: routes are closed until someone decides who may use them.
func authorize(tokens Tokens) gin.HandlerFunc {
	return func(c *gin.Context) {
		need := permissions[c.Request.Method+" "+c.FullPath()]
		secret, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(secret) == "" {
			problemf(c, ippo.EUNAUTHORIZED, "send your staff token as Authorization: Bearer <token>")
			return
		}
		t, err := tokens.TokenBySecret(c.Request.Context(), strings.TrimSpace(secret))
		if ippo.ErrorCode(err) == ippo.ENOTFOUND {
			problemf(c, ippo.EUNAUTHORIZED, "the token is unknown or revoked")
			return
		}
		if err != nil {
			fail(c, errors.Join(errUnavailable, err))
			return
		}
		a := app.Actor{ID: t.ID, Name: t.Name, Role: app.ParseRole(t.Role)}
		c.Set(ctxActor, a)
		if need == app.RoleNone {
			problemf(c, ippo.EFORBIDDEN, "this endpoint is not open to any role")
			return
		}
		if a.Role < need {
			problemf(c, ippo.EFORBIDDEN, "this needs the %s role; your token has %s", need, a.Role)
			return
		}
		c.Next()
	}
}
