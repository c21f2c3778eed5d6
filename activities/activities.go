package activities

import (
	"context"
	"fmt"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/links"
	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/postgres"
)

// Activities holds what the side effects need.
type Activities struct {
	DB *postgres.DB
	// Sender sends email; nil keeps every email in the outbox (no SendGrid key).
	Sender Sender
	// Classify sorts Sender errors; nil treats every error as retryable.
	Classify func(error) SendFailure
	// Center is the sender named in every email.
	Center mail.Center
	// Links signs the links in emails; PublicURL is their base.
	Links     *links.Signer
	PublicURL string
	// Clock maps program dates (link expiry) to real time.
	Clock ippo.Clock
	// PaymentTerms states how fees are paid (PaymentTermsDefault if empty).
	PaymentTerms string
}

// PolicyAt returns the policy in force on d.
func (a *Activities) PolicyAt(ctx context.Context, d ippo.Date) (ippo.Policy, error) {
	return a.DB.PolicyAt(ctx, d)
}

// RecordStep writes a lifecycle step to the timeline and the read model.
func (a *Activities) RecordStep(ctx context.Context, s ippo.Step) error {
	return a.DB.RecordStep(ctx, s)
}

// PlaceRequest asks for a place for a worker approved on On.
type PlaceRequest struct {
	WorkerID string
	On       ippo.Date
}

// PlaceResult is the worker's standing, and others a fill granted a place.
type PlaceResult struct {
	Granted  bool
	Position int
	Promoted []string
}

// ClaimPlace gives the worker a place or a place in the queue, with the
// capacity in force on the day.
func (a *Activities) ClaimPlace(ctx context.Context, r PlaceRequest) (PlaceResult, error) {
	p, err := a.DB.PolicyAt(ctx, r.On)
	if err != nil {
		return PlaceResult{}, err
	}
	granted, pos, others, err := a.DB.ClaimPlace(ctx, r.WorkerID, p.Capacity)
	if err != nil {
		return PlaceResult{}, err
	}
	return PlaceResult{Granted: granted, Position: pos, Promoted: others}, nil
}

// ReleasePlace gives up the worker's place (or queue place) and returns
// those granted the freed places; a retry returns the same workers.
func (a *Activities) ReleasePlace(ctx context.Context, r PlaceRequest) ([]string, error) {
	p, err := a.DB.PolicyAt(ctx, r.On)
	if err != nil {
		return nil, err
	}
	promoted, err := a.DB.ReleasePlace(ctx, r.WorkerID, p.Capacity)
	if err != nil {
		return nil, fmt.Errorf("release place: %w", err)
	}
	return promoted, nil
}
