package app

import (
	"context"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
)

// OutboxFilter narrows the list of emails; zero fields do not filter.
type OutboxFilter struct {
	WorkerID string
	Status   string
	// Before is where the previous page ended (its last email).
	Before   time.Time
	BeforeID string
	Limit    int // zero: 50
}

// Outbox lists emails, newest first: a worker's, or every one.
func (a *App) Outbox(ctx context.Context, f OutboxFilter) ([]ippo.OutboxEmail, error) {
	if f.Limit == 0 {
		f.Limit = 50
	}
	return a.DB.Outbox(ctx, postgres.OutboxFilter{WorkerID: f.WorkerID, Status: f.Status, Before: f.Before, BeforeID: f.BeforeID, Limit: f.Limit})
}

// OutboxEmail returns one email with its delivery events (SendGrid's
// Event Webhook), oldest first.
func (a *App) OutboxEmail(ctx context.Context, id string) (ippo.OutboxEmail, []ippo.EmailEvent, error) {
	e, err := a.DB.OutboxEmail(ctx, id)
	if err != nil {
		return e, nil, err
	}
	events, err := a.DB.EmailEvents(ctx, e.ID)
	return e, events, err
}
