package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"go.temporal.io/sdk/temporal"
)

// Effects is everything one decision of a lifecycle records: the steps it
// took (timeline and read model) and the emails they ask for. The
// lifecycle makes the decision final in its own state first; this is the
// one write that follows it.
type Effects struct {
	Steps  []ippo.Step
	Emails []Notice
}

// RecordEffects writes e in one PostgreSQL transaction, keyed on the steps
// (worker/<id>/step/<seq>) and the emails' keys, so a retry or a second
// run writes nothing twice. Emails are only queued: the Dispatcher in the
// worker process delivers them (or, without a SendGrid key, they are held
// in the outbox), so nothing the lifecycle waits for depends on SendGrid.
//
// It is short and touches only PostgreSQL, so the lifecycle runs it as a
// local activity (in the workflow task that made the decision).
func (a *Activities) RecordEffects(ctx context.Context, e Effects) error {
	emails, err := a.stepEmails(ctx, e.Emails)
	if err != nil {
		return err
	}
	if err := a.DB.RecordEffects(ctx, e.Steps, emails); err != nil {
		return fmt.Errorf("record effects: %w", err)
	}
	return nil
}

// stepEmails writes the emails a decision asked for, for the outbox.
func (a *Activities) stepEmails(ctx context.Context, notices []Notice) ([]postgres.StepEmail, error) {
	emails := make([]postgres.StepEmail, 0, len(notices))
	for _, n := range notices {
		c, err := a.compose(ctx, n)
		if err != nil {
			var app *temporal.ApplicationError
			if errors.As(err, &app) && app.NonRetryable() {
				// The email can never be written (its worker is gone, a
				// template is broken): the steps are recorded without it,
				// and it is logged for the developers (IDs only).
				slog.ErrorContext(ctx, "email not written", "key", n.Key, "email", string(n.Email), "error", err.Error())
				continue
			}
			return nil, fmt.Errorf("compose %s: %w", n.Key, err)
		}
		emails = append(emails, a.stepEmail(n, c))
	}
	return emails, nil
}

// stepEmail is the outbox row of a composed notice, queued for the
// dispatcher (held without a SendGrid key).
func (a *Activities) stepEmail(n Notice, c composed) postgres.StepEmail {
	return postgres.StepEmail{
		OutboxEmail: ippo.OutboxEmail{
			ID: OutboxID(n.Key), Key: n.Key, Template: string(n.Email),
			WorkerID: c.workerID, AgencyID: c.agencyID,
			Recipient: c.to, RecipientName: c.toName,
			Subject: c.subject, Text: c.text, HTML: c.html,
		},
		Held:      a.Sender == nil,
		DeliverBy: n.DeliverBy,
		LateNote:  lateNote(n),
	}
}

// enqueue composes n and queues it for the dispatcher (once per key): the
// caller never waits on SendGrid.
func (a *Activities) enqueue(ctx context.Context, n Notice) error {
	c, err := a.compose(ctx, n)
	if err != nil {
		return fmt.Errorf("compose %s: %w", n.Key, err)
	}
	return a.DB.EnqueueForDispatch(ctx, []postgres.StepEmail{a.stepEmail(n, c)})
}

// lateNote is what an email says first when it goes out after DeliverBy.
func lateNote(n Notice) string {
	if n.DeliverBy.IsZero() {
		return ""
	}
	switch n.Email {
	case EmailExtensionReminder:
		on := n.Facts.NextStart.Japanese()
		return fmt.Sprintf("このお知らせは、メールの送信が遅れたため、契約の延長日（%s）を過ぎてからのお届けになりました。"+
			"お待たせしてしまい、申し訳ありません。契約は%sから延長されています。"+
			"このメールのリンクの受付は終わっています。延長を希望されない場合は、延長のときにお送りした契約条件のメールのリンクから、"+
			"またはこのメールへの返信でお知らせください。", on, on)
	}
	return "このお知らせは、メールの送信が遅れたため、予定より遅れてのお届けになりました。お待たせしてしまい、申し訳ありません。"
}
