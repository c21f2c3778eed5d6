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

// sendgridSender adapts mail.SendGrid to the activities' Sender.
type sendgridSender struct {
	sg      *mail.SendGrid
	replyTo mail.Address
}

func (s sendgridSender) Send(ctx context.Context, m activities.Outgoing) (string, error) {
	return s.sg.Send(ctx, mail.Message{
		To:         mail.Address{Name: m.ToName, Email: m.To},
		ReplyTo:    s.replyTo,
		Subject:    m.Subject,
		Text:       m.Text,
		HTML:       m.HTML,
		Categories: []string{m.Category},
		CustomArgs: map[string]string{mail.OutboxIDArg: m.OutboxID},
	})
}

func classifySend(err error) activities.SendFailure {
	switch {
	case mail.IsPermanent(err):
		return activities.SendPermanent
	case mail.IsAmbiguous(err):
		return activities.SendAmbiguous
	default:
		return activities.SendRetryable
	}
}

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
		acts.Sender = sendgridSender{
			sg:      &mail.SendGrid{APIKey: cfg.SendGridAPIKey, APIHost: cfg.SendGridAPIHost, From: mail.Address{Name: cfg.MailFromName, Email: cfg.MailFrom}},
			replyTo: mail.Address{Name: cfg.MailFromName, Email: cfg.MailReplyTo},
		}
		acts.Classify = classifySend
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
