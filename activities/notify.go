package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"go.temporal.io/sdk/temporal"
)

// Outgoing is a rendered email ready for the wire.
type Outgoing struct {
	OutboxID string
	To       string
	ToName   string
	Subject  string
	Text     string
	HTML     string
	Category string
}

// Sender hands an email to the provider (SendGrid) and returns its message
// id. Its errors say whether a retry may help (see mail.IsRetryable,
// IsPermanent, IsAmbiguous); SenderErrors classifies them.
type Sender interface {
	Send(ctx context.Context, m Outgoing) (messageID string, err error)
}

// SendFailure classifies a send error.
type SendFailure int

const (
	SendRetryable SendFailure = iota // 429, 5xx, or not connected: nothing was accepted
	SendPermanent                    // refused for good (other 4xx)
	SendAmbiguous                    // interrupted after the request left: it may have been accepted
)

// outboxNamespace derives an email's ID from its key, so retries agree on it.
var outboxNamespace = uuid.MustParse("0b3c2f8e-52a4-4d2e-8f6a-7d3b0f6c9a41")

// Notify writes the email to the outbox (once per key) and, when a Sender
// is configured, sends it at most once.
//
// # The exactly-once rule
//
// An email is written to the outbox under a key derived from the workflow
// step that asked for it (its ID is derived from the key too), so a retry
// or a replay finds the same row. Before the email is handed to SendGrid
// it is claimed in PostgreSQL (queued → sending, one attempt counted), and
// its outcome is recorded after:
//
//   - 2xx: sent, with SendGrid's message id. A retry finds "sent" (or
//     "delivered") and sends nothing.
//   - 429, 5xx, or no connection made: back to queued with the reason, and
//     the activity fails so Temporal retries it with backoff (honouring a
//     429's Retry-After). SendGrid took nothing, so sending again is safe.
//   - any other 4xx: failed with SendGrid's reason and a staff task; never
//     retried (the same request would be refused again).
//   - the request left but no answer came (the connection dropped, the
//     20-second send timeout ran out): unknown and a staff task. SendGrid
//     may have taken it, and its v3 API has no idempotency key to ask
//     with, so Ippo does not send it again.
//   - an email found still "sending" when an attempt starts means an
//     earlier attempt stopped between SendGrid and PostgreSQL (the worker
//     crashed or was cut off): the same as no answer, unknown and a staff
//     task, never resent automatically.
//
// Every email carries its outbox ID as a SendGrid custom argument, so the
// Event Webhook can still turn an unknown email into delivered or bounced
// (and closes the staff task when it is delivered); staff may also send a
// failed, unknown or bounced email again (POST /api/v1/outbox/{id}/resend),
// which writes a new keyed email rather than touching the first.
//
// The case it cannot cover: an email that SendGrid accepted but whose
// answer was lost, when no Event Webhook event ever arrives for it (the
// webhook is not configured, or SendGrid dropped the message without an
// event). Ippo cannot tell it from an email that never left; it stays
// "unknown" until a person checks (SendGrid's activity feed, or asking the
// recipient) and resends or closes the task. The rule prefers a missing
// email, which a person catches, to a duplicate, which nobody can take
// back. The same holds for a crash after the claim but before the request
// left: that email is also "unknown", though it surely never went.
func (a *Activities) Notify(ctx context.Context, n Notice) (NoticeResult, error) {
	c, err := a.compose(ctx, n)
	if err != nil {
		return NoticeResult{}, fmt.Errorf("compose %s: %w", n.Key, err)
	}
	e, err := a.DB.EnqueueEmail(ctx, ippo.OutboxEmail{
		ID:            OutboxID(n.Key),
		Key:           n.Key,
		Template:      string(n.Email),
		WorkerID:      c.workerID,
		AgencyID:      c.agencyID,
		Recipient:     c.to,
		RecipientName: c.toName,
		Subject:       c.subject,
		Text:          c.text,
		HTML:          c.html,
	})
	if err != nil {
		return NoticeResult{}, err
	}
	return a.deliver(ctx, e)
}

// OutboxID is the ID of the email written under key.
func OutboxID(key string) string { return uuid.NewSHA1(outboxNamespace, []byte(key)).String() }

// DeliverEmail sends an email that is already in the outbox (a resend
// staff asked for), by the same rule as Notify.
func (a *Activities) DeliverEmail(ctx context.Context, outboxID string) (NoticeResult, error) {
	e, err := a.DB.OutboxEmail(ctx, outboxID)
	if ippo.ErrorCode(err) == ippo.ENOTFOUND {
		return NoticeResult{}, nonRetryable(err)
	}
	if err != nil {
		return NoticeResult{}, err
	}
	return a.deliver(ctx, e)
}

// deliver sends e as it is stored (never a fresh rendering, so what staff
// read in the outbox is what went out) by the exactly-once rule above.
func (a *Activities) deliver(ctx context.Context, e ippo.OutboxEmail) (NoticeResult, error) {
	res := NoticeResult{OutboxID: e.ID, Status: e.Status}
	if a.Sender == nil {
		moved, err := a.DB.SetEmailStatus(ctx, e.ID, ippo.EmailHeld, "", "", ippo.EmailQueued)
		if err != nil {
			return res, err
		}
		if moved {
			res.Status = ippo.EmailHeld
		}
		return res, nil
	}
	before, err := a.DB.ClaimSend(ctx, e.ID)
	if err != nil {
		return res, err
	}
	switch before {
	case ippo.EmailQueued:
	case ippo.EmailSending:
		res.Status, err = a.markForStaff(ctx, e, ippo.EmailUnknown, ippo.EmailSending,
			"an earlier attempt was interrupted after it left for SendGrid; it was not sent again")
		return res, err
	default:
		res.Status = before // sent, failed, unknown, held, delivered, bounced: done already
		return res, nil
	}

	sendCtx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	msgID, sendErr := a.Sender.Send(sendCtx, Outgoing{
		OutboxID: e.ID, To: e.Recipient, ToName: e.RecipientName, Subject: e.Subject, Text: e.Text, HTML: e.HTML, Category: e.Template,
	})
	if sendErr == nil {
		status, err := a.recordSent(ctx, e, msgID)
		res.Status = status
		return res, err
	}
	switch a.classify(sendErr) {
	case SendPermanent:
		res.Status, err = a.markForStaff(ctx, e, ippo.EmailFailed, ippo.EmailSending, sendErr.Error())
		return res, err
	case SendAmbiguous:
		res.Status, err = a.markForStaff(ctx, e, ippo.EmailUnknown, ippo.EmailSending, sendErr.Error())
		return res, err
	default:
		res.Status = ippo.EmailQueued
		if err := a.record(ctx, e.ID, ippo.EmailQueued, sendErr.Error()); err != nil {
			return res, err
		}
		err := fmt.Errorf("send %s: %w", e.Key, sendErr) // Temporal retries with backoff
		if d := retryAfter(sendErr); d > 0 {
			return res, temporal.NewApplicationErrorWithOptions(err.Error(), "SendRetryable",
				temporal.ApplicationErrorOptions{NextRetryDelay: d, Cause: sendErr})
		}
		return res, err
	}
}

// sendTimeout bounds one request to SendGrid; it is well inside the
// activity's 30-second start-to-close timeout, so an attempt records its
// outcome before Temporal could start another.
const sendTimeout = 20 * time.Second

func (a *Activities) classify(err error) SendFailure {
	if a.Classify != nil {
		return a.Classify(err)
	}
	return SendRetryable
}

// recordSent records an accepted send. Losing this write would turn a
// sent email into an unknown one, so it outlives a cancelled activity and
// is tried a few times. If another attempt had already marked the email
// unknown, its staff task is closed: the email did go.
func (a *Activities) recordSent(ctx context.Context, e ippo.OutboxEmail, msgID string) (string, error) {
	var (
		from  string
		moved bool
	)
	err := a.persist(ctx, func(ctx context.Context) (err error) {
		from, moved, err = a.DB.RecordSent(ctx, e.ID, msgID)
		return err
	})
	if err != nil {
		return ippo.EmailSending, err
	}
	if !moved {
		return from, nil // an Event Webhook event came first (delivered, bounced)
	}
	if from == ippo.EmailUnknown {
		if _, err := a.DB.CompleteTaskByKey(context.WithoutCancel(ctx), postgres.OutboxTaskKey(e.ID, ippo.EmailUnknown), ippo.ActorSystem); err != nil {
			return ippo.EmailSent, err
		}
	}
	return ippo.EmailSent, nil
}

// record writes a send's outcome (from sending), the same way.
func (a *Activities) record(ctx context.Context, id, status, reason string) error {
	return a.persist(ctx, func(ctx context.Context) error {
		_, err := a.DB.SetEmailStatus(ctx, id, status, "", reason, ippo.EmailSending)
		return err
	})
}

// persist runs write until it succeeds, five times at most, even if ctx
// is cancelled meanwhile: what was sent must be written down.
func (a *Activities) persist(ctx context.Context, write func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	var err error
	for i := range 5 {
		if err = write(ctx); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(i+1) * 200 * time.Millisecond):
		}
	}
	return err
}

// markForStaff records a final status and gives staff a task about it.
// It returns the email's status after: if an Event Webhook event already
// said what became of the email (delivered, bounced), that stands and no
// task is needed.
func (a *Activities) markForStaff(ctx context.Context, e ippo.OutboxEmail, status, from, reason string) (string, error) {
	title := "メールを送れませんでした"
	if status == ippo.EmailUnknown {
		title = "メールが届いたか確認してください"
	}
	todo := ippo.StaffTodo{
		ID:       uuid.NewSHA1(outboxNamespace, []byte(e.ID+"/"+status)).String(),
		Key:      postgres.OutboxTaskKey(e.ID, status),
		Kind:     "email_" + status,
		WorkerID: e.WorkerID,
		Title:    title,
		Body:     fmt.Sprintf("%s（送信ID %s）: %s", e.Template, e.ID, reason),
	}
	var moved bool
	err := a.persist(ctx, func(ctx context.Context) (err error) {
		moved, err = a.DB.SetEmailStatusWithTodo(ctx, e.ID, status, reason, []string{from}, todo)
		return err
	})
	if err != nil {
		return from, err
	}
	if !moved {
		now, err := a.DB.OutboxEmail(context.WithoutCancel(ctx), e.ID)
		return now.Status, err
	}
	return status, nil
}

// nonRetryable wraps errors a retry cannot fix (missing recipient, broken template).
func nonRetryable(err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), "compose", err)
}
