package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo/postgres"
)

// Auditor appends to the audit log.
type Auditor interface {
	Audit(ctx context.Context, e postgres.AuditEntry) error
}

// audit records every mutating request, refused ones included: who, what,
// when, the request id and the outcome. It never records bodies.
func audit(log Auditor) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
			c.Next()
			return
		}
		c.Next()
		e := postgres.AuditEntry{
			Actor:     "anonymous",
			Method:    c.Request.Method,
			Route:     c.FullPath(),
			Path:      c.Request.URL.EscapedPath(), // as sent: a decoded path may hold bytes text cannot
			RequestID: requestID(c),
			Status:    c.Writer.Status(),
			Outcome:   "ok",
		}
		if a, ok := actorOf(c); ok {
			e.ActorID, e.Actor = a.ID, a.Name
		}
		if o := c.GetString(ctxOutcome); o != "" {
			e.Outcome = o
		}
		if id := c.Param("id"); isUUID(id) && strings.HasPrefix(c.FullPath(), "/api/v1/workers/") {
			e.WorkerID = id
		}
		if id := c.GetString(ctxWorkerID); id != "" {
			e.WorkerID = id
		}
		// The request is answered; the audit write must not be cut short by it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 5*time.Second)
		defer cancel()
		if err := log.Audit(ctx, e); err != nil {
			logger(c).Error("audit write failed", "error", err.Error())
		}
	}
}

// ctxWorkerID lets a handler name the worker a request created.
const ctxWorkerID = "ippo.worker_id"
