package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/workflows"
)

// EmailOptions is what the email endpoints outside /api/v1 need.
type EmailOptions struct {
	// WebhookKey is SendGrid's Event Webhook verification key
	// (SENDGRID_WEBHOOK_PUBLIC_KEY, base64 DER); empty refuses every event.
	WebhookKey string
}

// WebhookPath is where SendGrid posts its events, outside /api/v1.
const WebhookPath = "/webhooks/sendgrid"

// emailRoutes adds SendGrid's Event Webhook. It takes no staff token: it
// is authenticated by SendGrid's signature.
func (s *Server) emailRoutes(e *gin.Engine) {
	e.POST(WebhookPath, s.whenStarted, s.sendgridWebhook)
}

const (
	// webhookMaxAge is how far the signed timestamp of a webhook request
	// may be from now, either way. SendGrid signs each delivery (and each
	// retry) when it sends it, so a genuine request is seconds old; ten
	// minutes leaves room for clock skew and refuses a replayed capture.
	webhookMaxAge = 10 * time.Minute
	// maxWebhookBody bounds a batch (SendGrid posts up to a few thousand
	// events, well under a megabyte each time).
	maxWebhookBody = 8 << 20
)

// sendgridWebhook receives SendGrid's signed Event Webhook. Every request
// must carry a valid signature over a fresh timestamp: without a
// configured key, unsigned, forged or stale, it is refused (401, 403) and
// changes nothing. Events are recorded once each; delivered, bounce and
// dropped move the email's status (ippo.EmailEventStatus), and a bounce or
// drop gives staff a task (in the same transaction) and an email. The answer is 2xx only when every
// event is recorded: otherwise SendGrid posts the batch again, and events
// already recorded are skipped.
func (s *Server) sendgridWebhook(c *gin.Context) {
	log := logger(c)
	if s.Email.WebhookKey == "" {
		log.Warn("sendgrid webhook refused: SENDGRID_WEBHOOK_PUBLIC_KEY is not set")
		c.JSON(http.StatusForbidden, gin.H{"error": "the Event Webhook is not enabled: set SENDGRID_WEBHOOK_PUBLIC_KEY"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxWebhookBody))
	if err != nil {
		c.JSON(http.StatusRequestEntityTooLarge, gin.H{"error": fmt.Sprintf("the body is over %d bytes", maxWebhookBody)})
		return
	}
	events, err := mail.VerifyEvents(s.Email.WebhookKey, c.GetHeader(mail.SignatureHeader), c.GetHeader(mail.TimestampHeader),
		body, time.Now(), webhookMaxAge)
	if err != nil {
		status := http.StatusUnauthorized
		switch {
		case errors.Is(err, mail.ErrWebhookMalformed):
			status = http.StatusBadRequest
		case errors.Is(err, mail.ErrWebhookKey):
			status = http.StatusServiceUnavailable
		}
		log.Warn("sendgrid webhook refused", "reason", err.Error(), "status", status)
		c.JSON(status, gin.H{"error": err.Error()})
		return
	}

	ctx := c.Request.Context()
	var recorded, unmatched, skipped int
	for _, ev := range events {
		if ev.Event == mail.EventOpen || ev.Event == mail.EventClick {
			// What someone does with an email is not Ippo's business;
			// turn open and click tracking off in SendGrid.
			skipped++
			continue
		}
		in := eventInput(ev)
		in.BounceTodo = bounceTodo
		res, err := s.DB.RecordEmailEvent(ctx, in)
		if err != nil {
			fail(c, errors.Join(errUnavailable, err))
			return
		}
		if !res.Found {
			unmatched++
			continue
		}
		if res.New {
			recorded++
		}
		if res.Email.Status == ippo.EmailBounced && (ev.Event == mail.EventBounce || ev.Event == mail.EventDropped) {
			// The staff to-do was written with the status. The alert email is
			// asked for on repeated events too (it is started once), so a
			// batch that failed half-way completes when SendGrid retries it.
			if err := s.alertBounce(ctx, res.Email); err != nil {
				fail(c, err)
				return
			}
		}
	}
	log.Info("sendgrid events", "received", len(events), "recorded", recorded, "unmatched", unmatched, "skipped", skipped)
	c.JSON(http.StatusOK, gin.H{"received": len(events), "recorded": recorded, "unmatched": unmatched})
}

func eventInput(ev mail.Event) postgres.EmailEventInput {
	at := ev.Time()
	if ev.Timestamp <= 0 {
		at = time.Now()
	}
	data := map[string]any{}
	for k, v := range map[string]string{"type": ev.Type, "bounce_classification": ev.BounceClassification, "smtp_status": ev.Status} {
		if v != "" {
			data[k] = v
		}
	}
	return postgres.EmailEventInput{
		OutboxID: ev.OutboxID, MessageID: ev.MessageID(), EventID: ev.EventID,
		Event: string(ev.Event), At: at, Reason: ev.Reason, Data: data,
	}
}

// bounceTodo is the staff to-do about a bounced email, written in the
// transaction that records the bounce (postgres.EmailEventInput).
func bounceTodo(e ippo.OutboxEmail) ippo.StaffTodo {
	key := postgres.OutboxTaskKey(e.ID, ippo.EmailBounced)
	return ippo.StaffTodo{
		ID:       uuid.NewSHA1(bounceTaskNamespace, []byte(key)).String(),
		Key:      key,
		Kind:     "email_bounced",
		WorkerID: e.WorkerID,
		Title:    "メールが届きませんでした(バウンス)",
		Body:     fmt.Sprintf("%s（送信ID %s）: %s", e.Template, e.ID, e.LastError),
	}
}

// alertBounce emails staff about a bounced email (the Email workflow;
// never about a staff email, see AlertStaff).
func (s *Server) alertBounce(ctx context.Context, e ippo.OutboxEmail) error {
	alert := activities.StaffAlert{OutboxID: e.ID, Status: ippo.EmailBounced, On: s.Clock.Today(time.Now())}
	return s.startEmail(ctx, activities.AlertKey(e.ID, ippo.EmailBounced), workflows.EmailInput{Alert: &alert})
}

var bounceTaskNamespace = uuid.MustParse("c3b1f2a4-6d5e-4f70-8a91-b2c3d4e5f607")
