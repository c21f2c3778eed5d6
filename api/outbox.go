package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/workflows"
	openapi_types "github.com/oapi-codegen/runtime/types"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// ListOutbox lists emails, newest first.
func (s *Server) ListOutbox(c *gin.Context, params ListOutboxParams) {
	f := app.OutboxFilter{Status: string(deref(params.Status)), Limit: deref(params.Limit)}
	if params.WorkerId != nil {
		f.WorkerID = params.WorkerId.String()
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if cur := deref(params.Cursor); cur != "" {
		t, id, err := parseCursor(cur)
		if err != nil {
			fail(c, err)
			return
		}
		f.Before, f.BeforeID = t, id
	}
	items, err := s.app().Outbox(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	writePage(c, items, f.Limit, func(x ippo.OutboxEmail) (time.Time, string) { return x.CreatedAt, x.ID })
}

// GetOutboxEmail returns one email with its Event Webhook history.
func (s *Server) GetOutboxEmail(c *gin.Context, id openapi_types.UUID) {
	e, events, err := s.app().OutboxEmail(c.Request.Context(), id.String())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, struct {
		ippo.OutboxEmail
		Events []ippo.EmailEvent `json:"events"`
	}{e, nonNil(events)})
}

// ResendOutboxEmail sends a failed, unknown or bounced email again: a
// copy queued in the outbox for the dispatcher (app.ResendEmail).
func (s *Server) ResendOutboxEmail(c *gin.Context, id openapi_types.UUID, _ ResendOutboxEmailParams) {
	actor, _ := actorOf(c)
	resend, err := s.app().ResendEmail(c.Request.Context(), actor, id.String())
	if resend.WorkerID != "" {
		c.Set(ctxWorkerID, resend.WorkerID) // the audit entry shows on the worker's timeline
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, resend)
}

// startEmail starts the Email workflow for what, once: a workflow already
// started for it (running or done) counts as started.
func (s *Server) startEmail(ctx context.Context, what string, in workflows.EmailInput) error {
	_, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    workflows.EmailWorkflowID(what),
		TaskQueue:             s.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.EmailWorkflow, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err == nil || errors.As(err, &started) {
		return nil
	}
	return errors.Join(errUnavailable, fmt.Errorf("start email workflow %s: %w", what, err))
}
