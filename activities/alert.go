package activities

import (
	"context"
	"fmt"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/mail"
)

// StaffAlert asks for an email to staff about an email that did not
// arrive. It carries IDs and a date only.
type StaffAlert struct {
	OutboxID string
	// Status is what became of the email (bounced).
	Status string
	// On is the program date; the policy in force names the staff address.
	On ippo.Date
}

// AlertKey is the outbox key of the alert about email outboxID in status.
func AlertKey(outboxID, status string) string { return "alert/" + outboxID + "/" + status }

// AlertStaff emails the policy's staff address (mail.StaffTask) about an
// email that bounced or was dropped, once per email and status, by the
// same exactly-once rule as Notify. It never alerts about an alert: a
// bounced staff email gets a staff task only, so a broken staff address
// cannot start a loop. With no staff address it sends nothing.
func (a *Activities) AlertStaff(ctx context.Context, al StaffAlert) (NoticeResult, error) {
	e, err := a.DB.OutboxEmail(ctx, al.OutboxID)
	if ippo.ErrorCode(err) == ippo.ENOTFOUND {
		return NoticeResult{}, nonRetryable(err)
	}
	if err != nil {
		return NoticeResult{}, err
	}
	if e.Template == string(mail.TemplateStaffTask) {
		return NoticeResult{}, nil
	}
	p, err := a.DB.PolicyAt(ctx, al.On)
	if err != nil {
		return NoticeResult{}, err
	}
	if p.StaffEmail == "" {
		return NoticeResult{}, nil
	}
	what := "相手のメールサーバーから戻ってきました(バウンス)"
	if al.Status != ippo.EmailBounced {
		what = "送れなかったか、届いたか分かりません(" + al.Status + ")"
	}
	// The recipient's address and SendGrid's reason (which often quotes
	// it) stay in Ippo: staff read them at GET /api/v1/outbox/{id}.
	name, err := a.workerName(ctx, e.WorkerID)
	if err != nil {
		return NoticeResult{}, err
	}
	r, err := mail.Render(mail.StaffTodo{
		Center: a.Center,
		Title:  "メールが届きませんでした",
		Body: fmt.Sprintf("次のメールが、%s。\n種類: %s\n送信ID: %s\n\n宛先と理由は GET /api/v1/outbox/%s で確かめられます。"+
			"宛先が正しければ POST /api/v1/outbox/%s/resend で送り直せます。必要なら、別の方法で連絡してください。",
			what, e.Template, e.ID, e.ID, e.ID),
		WorkerRef:  e.WorkerID,
		WorkerName: name,
	})
	if err != nil {
		return NoticeResult{}, nonRetryable(err)
	}
	key := AlertKey(e.ID, al.Status)
	alert, err := a.DB.EnqueueEmail(ctx, ippo.OutboxEmail{
		ID:        OutboxID(key),
		Key:       key,
		Template:  string(mail.TemplateStaffTask),
		Recipient: p.StaffEmail,
		Subject:   r.Subject,
		Text:      r.Text,
		HTML:      r.HTML,
	})
	if err != nil {
		return NoticeResult{}, err
	}
	return a.deliver(ctx, alert)
}

// workerName is the name staff know a worker by, for emails to the center's
// own address; "" when there is no such worker (the email still names the
// ID).
func (a *Activities) workerName(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	w, err := a.DB.Worker(ctx, id)
	if ippo.ErrorCode(err) == ippo.ENOTFOUND {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("worker name %s: %w", id, err)
	}
	return w.Applicant.Name, nil
}
