package workflows

import (
	"errors"

	"github.com/ippo-center/ippo/activities"
	"go.temporal.io/sdk/workflow"
)

// The email workflow's contract.
//
// It sends one email outside a lifecycle, for the API: an alert to staff
// about an email that bounced, or (started before resends were queued for
// the dispatcher, app.ResendEmail; kept for those runs) a resend. It runs one activity, which Temporal
// retries with backoff while SendGrid answers 429 or 5xx, and ends.
//
// Task queue: the lifecycle's. Workflow ID: EmailWorkflowID(what), where
// what names the email (its outbox ID, or the alert's key), so starting it
// twice for the same email is refused by Temporal (start it with the
// RejectDuplicate reuse policy and treat "already started" as done).
// Input and history carry IDs only.
const EmailWorkflow = "Email"

// EmailWorkflowID is the email workflow's ID for what (an outbox ID or an
// alert key).
func EmailWorkflowID(what string) string { return "email/" + what }

// EmailInput names the email to send: exactly one of OutboxID and Alert.
type EmailInput struct {
	// OutboxID is a queued email in the outbox (a resend).
	OutboxID string `json:",omitempty"`
	// Alert asks for an email to staff about an email that did not arrive.
	Alert *activities.StaffAlert `json:",omitempty"`
}

// Email sends the email in and returns what became of it.
func Email(ctx workflow.Context, in EmailInput) (activities.NoticeResult, error) {
	var res activities.NoticeResult
	switch {
	case in.OutboxID != "" && in.Alert == nil:
		return res, execute(ctx, a.DeliverEmail, in.OutboxID).Get(ctx, &res)
	case in.Alert != nil && in.OutboxID == "":
		return res, execute(ctx, a.AlertStaff, *in.Alert).Get(ctx, &res)
	}
	return res, errors.New("email workflow: give exactly one of OutboxID and Alert")
}
