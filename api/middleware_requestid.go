package api

import (
	"log/slog"
	"regexp"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/ippo-center/ippo/internal/requestlog"
)

const (
	ctxRequestID = "ippo.request_id"
	ctxActor     = "ippo.actor"
	ctxOutcome   = "ippo.outcome"
)

var sane = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)

// requestIDs gives every request an id (the caller's X-Request-Id if it
// is sane) and a logger that carries it.
func requestIDs(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-Id")
		if !sane.MatchString(id) {
			id = uuid.NewString()
		}
		c.Set(ctxRequestID, id)
		requestlog.Set(c, log.With("request_id", id))
		c.Header("X-Request-Id", id)
		c.Next()
	}
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }
