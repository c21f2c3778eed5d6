package activities

import (
	"context"
	"errors"
	"time"

	"github.com/ippo-center/ippo/mail"
)

// SendGrid adapts mail.SendGrid to Sender: every email goes to one
// recipient with the center's reply-to address, its template as the
// SendGrid category and its outbox ID as the custom argument the Event
// Webhook echoes back.
type SendGrid struct {
	Client  *mail.SendGrid
	ReplyTo mail.Address
}

// Send sends m once (mail.SendGrid never retries).
func (s SendGrid) Send(ctx context.Context, m Outgoing) (string, error) {
	msg := mail.Message{
		To:         mail.Address{Name: m.ToName, Email: m.To},
		ReplyTo:    s.ReplyTo,
		Subject:    m.Subject,
		Text:       m.Text,
		HTML:       m.HTML,
		CustomArgs: map[string]string{mail.OutboxIDArg: m.OutboxID},
	}
	if m.Category != "" {
		msg.Categories = []string{m.Category}
	}
	return s.Client.Send(ctx, msg)
}

// ClassifySendGrid sorts mail.SendGrid's errors for Notify.
func ClassifySendGrid(err error) SendFailure {
	switch {
	case mail.IsPermanent(err):
		return SendPermanent
	case mail.IsAmbiguous(err):
		return SendAmbiguous
	default:
		return SendRetryable
	}
}

// retryAfter is how long SendGrid asked to wait before the next attempt
// (a 429's Retry-After or X-RateLimit-Reset), or 0.
func retryAfter(err error) time.Duration {
	var e *mail.SendError
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
