package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/links"
	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/postgres"
)

// newActivities wires the activities' dependencies from the configuration.
func newActivities(ctx context.Context, cfg config, db *postgres.DB) (*activities.Activities, error) {
	secret, err := linkSecret(ctx, cfg, db)
	if err != nil {
		return nil, err
	}
	signer, err := links.NewSigner(secret)
	if err != nil {
		return nil, fmt.Errorf("IPPO_LINK_SECRET: %w", err)
	}
	acts := &activities.Activities{
		DB:        db,
		Center:    mail.Center{Name: cfg.MailFromName, Email: cfg.MailReplyTo, URL: cfg.PublicURL},
		Links:     signer,
		PublicURL: cfg.PublicURL,
	}
	if cfg.SendGridAPIKey != "" {
		acts.Sender = activities.SendGrid{
			Client:  &mail.SendGrid{APIKey: cfg.SendGridAPIKey, APIHost: cfg.SendGridAPIHost, From: mail.Address{Name: cfg.MailFromName, Email: cfg.MailFrom}},
			ReplyTo: mail.Address{Name: cfg.MailFromName, Email: cfg.MailReplyTo},
		}
		acts.Classify = activities.ClassifySendGrid
	}
	return acts, nil
}

// linkSecret is IPPO_LINK_SECRET, or else one generated once and kept in
// the database, so links in emails keep working across restarts.
func linkSecret(ctx context.Context, cfg config, db *postgres.DB) ([]byte, error) {
	if cfg.LinkSecret != "" {
		return []byte(cfg.LinkSecret), nil
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	s, err := db.Setting(ctx, "link_secret", base64.StdEncoding.EncodeToString(b))
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(s)
}
