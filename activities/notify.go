package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
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
// The exactly-once rule: an email is claimed (queued → sending) in
// PostgreSQL before it is handed to SendGrid, and its outcome is recorded
// after. A retry finds the record: sent, failed or held emails are never
// sent again. An email found still "sending" means an earlier attempt was
// interrupted between SendGrid and PostgreSQL (a crash, or a time-out after
// the request left): SendGrid may have accepted it, and it has no
// idempotency key to ask. Ippo then does not send it again: the email
// becomes "unknown" and staff get a task to check (the Event Webhook turns
// it into delivered if SendGrid did send it, via the outbox id in
// custom_args). A duplicate is not worth risking; a missing email is caught
// by a person.
func (a *Activities) Notify(ctx context.Context, n Notice) (NoticeResult, error) {
	c, err := a.compose(ctx, n)
	if err != nil {
		return NoticeResult{}, fmt.Errorf("compose %s: %w", n.Key, err)
	}
	e, err := a.DB.EnqueueEmail(ctx, ippo.OutboxEmail{
		ID:        uuid.NewSHA1(outboxNamespace, []byte(n.Key)).String(),
		Key:       n.Key,
		Template:  string(n.Email),
		WorkerID:  c.workerID,
		AgencyID:  c.agencyID,
		Recipient: c.to,
		Subject:   c.subject,
		Text:      c.text,
		HTML:      c.html,
	})
	if err != nil {
		return NoticeResult{}, err
	}
	res := NoticeResult{OutboxID: e.ID, Status: e.Status}
	if a.Sender == nil {
		if _, err := a.DB.SetEmailStatus(ctx, e.ID, ippo.EmailHeld, "", "", ippo.EmailQueued); err != nil {
			return res, err
		}
		res.Status = ippo.EmailHeld
		return res, nil
	}
	before, err := a.DB.ClaimSend(ctx, e.ID)
	if err != nil {
		return res, err
	}
	switch before {
	case ippo.EmailQueued:
	case ippo.EmailSending:
		res.Status = ippo.EmailUnknown
		return res, a.markForStaff(ctx, e, ippo.EmailUnknown, ippo.EmailSending,
			"an earlier attempt was interrupted after it left for SendGrid; it was not sent again")
	default:
		res.Status = before // sent, failed, unknown, held, delivered, bounced: done already
		return res, nil
	}

	sendCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	msgID, sendErr := a.Sender.Send(sendCtx, Outgoing{
		OutboxID: e.ID, To: c.to, ToName: c.toName, Subject: c.subject, Text: c.text, HTML: c.html, Category: string(n.Email),
	})
	if sendErr == nil {
		res.Status = ippo.EmailSent
		return res, a.record(ctx, e.ID, ippo.EmailSent, msgID, "")
	}
	switch a.classify(sendErr) {
	case SendPermanent:
		res.Status = ippo.EmailFailed
		return res, a.markForStaff(ctx, e, ippo.EmailFailed, ippo.EmailSending, sendErr.Error())
	case SendAmbiguous:
		res.Status = ippo.EmailUnknown
		return res, a.markForStaff(ctx, e, ippo.EmailUnknown, ippo.EmailSending, sendErr.Error())
	default:
		if err := a.record(ctx, e.ID, ippo.EmailQueued, "", sendErr.Error()); err != nil {
			return res, err
		}
		return res, fmt.Errorf("send %s: %w", n.Key, sendErr) // Temporal retries with backoff
	}
}

func (a *Activities) classify(err error) SendFailure {
	if a.Classify != nil {
		return a.Classify(err)
	}
	return SendRetryable
}

// record writes a send's outcome, trying a few times before giving up:
// losing it would turn a sent email into an "unknown" one.
func (a *Activities) record(ctx context.Context, id, status, msgID, reason string) error {
	var err error
	for i := range 5 {
		if _, err = a.DB.SetEmailStatus(ctx, id, status, msgID, reason, ippo.EmailSending); err == nil {
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
func (a *Activities) markForStaff(ctx context.Context, e ippo.OutboxEmail, status, from, reason string) error {
	if _, err := a.DB.SetEmailStatus(ctx, e.ID, status, "", reason, from); err != nil {
		return err
	}
	title := "メールを送れませんでした"
	if status == ippo.EmailUnknown {
		title = "メールが届いたか確認してください"
	}
	return a.DB.CreateTask(ctx, ippo.StaffTask{
		ID:       uuid.NewSHA1(outboxNamespace, []byte(e.ID+"/"+status)).String(),
		Key:      "outbox/" + e.ID + "/" + status,
		Kind:     "email_" + status,
		WorkerID: e.WorkerID,
		Title:    title,
		Body:     fmt.Sprintf("%s（送信ID %s）: %s", e.Template, e.ID, reason),
	})
}

// nonRetryable wraps errors a retry cannot fix (missing recipient, broken template).
func nonRetryable(err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), "compose", err)
}
