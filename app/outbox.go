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

// ResendEmail sends a failed, unknown or bounced email again, at the
// actor's request: a copy of it is written to the outbox under its own
// key, linked to the first (resend_of, so the timeline and the outbox show
// it is a resend), and queued for the worker process's dispatcher, which
// delivers it by the same exactly-once rule as every email. Nothing is
// sent here, so the answer never waits on SendGrid.
//
// An email is sent again once: asked again while the copy is still
// queued, it returns that copy (nothing new is written); once the copy has
// gone, it is ECONFLICT naming the copy (resend that one if it did not
// arrive either). An email that is not failed, unknown or bounced is
// ECONFLICT too, so nobody gets it twice.
func (a *App) ResendEmail(ctx context.Context, actor Actor, id string) (ippo.OutboxEmail, error) {
	resend, created, err := a.DB.CreateResend(ctx, id, actor.Ref())
	if err != nil {
		return resend, err
	}
	if !created && resend.Status != ippo.EmailQueued {
		return resend, ippo.Errorf(ippo.ECONFLICT, "email %s was already sent again as %s (now %s); resend that one if it did not arrive either",
			id, resend.ID, resend.Status)
	}
	return resend, nil
}
