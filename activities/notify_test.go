package activities_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/links"
	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/mail/sendgridfake"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
)

const apiKey = "SG.activities-test-key"

var (
	from    = mail.Address{Name: "デジタル就労支援センターKAMAKURA", Email: "noreply@digikama.example.jp"}
	replyTo = mail.Address{Name: "デジタル就労支援センターKAMAKURA", Email: "staff@digikama.example.jp"}
)

// rig is the activities on a fresh database, sending through the real
// sendgrid-go client to a SendGrid fake, and one worker to write to.
type rig struct {
	a        *activities.Activities
	db       *postgres.DB
	fake     *sendgridfake.Fake
	workerID string
}

func newRig(t *testing.T) *rig {
	t.Helper()
	db := pgtest.New(t)
	srv := sendgridfake.StartTest(t, apiKey)
	signer, err := links.NewSigner([]byte("activities-test-link-secret-0123456789"))
	require.NoError(t, err)
	a := &activities.Activities{
		DB: db,
		Sender: activities.SendGrid{
			Client:  &mail.SendGrid{APIKey: apiKey, APIHost: srv.URL, From: from},
			ReplyTo: replyTo,
		},
		Classify:  activities.ClassifySendGrid,
		Center:    mail.Center{Name: from.Name, Email: replyTo.Email, URL: "https://ippo.example.jp"},
		Links:     signer,
		PublicURL: "https://ippo.example.jp",
	}
	id := uuid.NewString()
	require.NoError(t, db.CreateApplicant(context.Background(), id, ippo.Applicant{
		Name: "鎌倉 花子", Email: "hanako@example.jp", MunicipalityCode: "14204", Category: ippo.CategoryDisability,
		RecognizedByDoctor: true, DisabilityTypes: []ippo.DisabilityType{ippo.DisabilityMental},
		Consent: ippo.CollectionConsent{GivenOn: ippo.Date{Year: 2026, Month: 1, Day: 5}, WordingVersion: "2026-01"},
	}))
	return &rig{a: a, db: db, fake: srv.Fake, workerID: id}
}

// notice is the application-received email of the rig's worker, keyed on
// the first step of its lifecycle.
func (r *rig) notice() activities.Notice {
	return activities.Notice{
		Key:      fmt.Sprintf("worker/%s/step/1/%s", r.workerID, activities.EmailApplicationReceived),
		Email:    activities.EmailApplicationReceived,
		WorkerID: r.workerID,
	}
}

func (r *rig) email(t *testing.T, id string) ippo.OutboxEmail {
	t.Helper()
	e, err := r.db.OutboxEmail(context.Background(), id)
	require.NoError(t, err)
	return e
}

// tasks returns the open staff tasks.
func (r *rig) tasks(t *testing.T) []ippo.StaffTodo {
	t.Helper()
	ts, err := r.db.StaffTodos(context.Background(), true, 100)
	require.NoError(t, err)
	return ts
}

func TestNotifySendsThroughSendGridClient(t *testing.T) {
	r := newRig(t)
	res, err := r.a.Notify(context.Background(), r.notice())
	require.NoError(t, err)
	require.Equal(t, ippo.EmailSent, res.Status)

	stored := r.email(t, res.OutboxID)
	msgs := r.fake.Messages()
	require.Len(t, msgs, 1)
	m := msgs[0]
	require.Equal(t, from.Email, m.From, "the configured sender")
	require.Equal(t, from.Name, m.FromName)
	require.Equal(t, replyTo.Email, m.ReplyTo, "replies go to the center's staff")
	require.Equal(t, []string{"hanako@example.jp"}, m.To, "the worker's address, read from PostgreSQL")
	require.Equal(t, stored.Subject, m.Subject)
	require.Contains(t, m.Subject, "お申し込み")
	require.Equal(t, stored.Text, m.Text, "the plain text the outbox shows is what was sent")
	require.Equal(t, stored.HTML, m.HTML)
	require.Contains(t, m.Text, "鎌倉 花子")
	require.Contains(t, m.HTML, "<")
	require.Equal(t, []string{"application_received"}, m.Categories)
	require.Equal(t, map[string]string{mail.OutboxIDArg: res.OutboxID}, m.CustomArgs, "the webhook matches events by it")

	require.Equal(t, ippo.EmailSent, stored.Status)
	require.Equal(t, m.ID, stored.ProviderMessageID, "SendGrid's X-Message-Id is recorded")
	require.Equal(t, 1, stored.Attempts)
	require.Equal(t, "鎌倉 花子", stored.RecipientName)
	require.Empty(t, r.tasks(t))
}

func TestNotifyRetryAfterSuccessSendsNothing(t *testing.T) {
	r := newRig(t)
	first, err := r.a.Notify(context.Background(), r.notice())
	require.NoError(t, err)
	for range 3 { // Temporal retries, a replay after a crash
		again, err := r.a.Notify(context.Background(), r.notice())
		require.NoError(t, err)
		require.Equal(t, first.OutboxID, again.OutboxID, "the same step is the same email")
		require.Equal(t, ippo.EmailSent, again.Status)
	}
	require.Len(t, r.fake.Messages(), 1)
	require.Equal(t, 1, r.email(t, first.OutboxID).Attempts)
}

// TestNotifyRetriesThrottlingAndServerErrors runs Notify in Temporal's
// activity environment, so its errors are what Temporal's retry policy
// sees: 429 and 5xx fail the attempt (retryable), and the attempt after
// them sends the email once.
func TestNotifyRetriesThrottlingAndServerErrors(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			r := newRig(t)
			var s testsuite.WorkflowTestSuite
			env := s.NewTestActivityEnvironment()
			env.RegisterActivity(r.a)
			r.fake.FailNext(2, status)

			id := activities.OutboxID(r.notice().Key)
			for attempt := 1; attempt <= 2; attempt++ {
				_, err := env.ExecuteActivity(r.a.Notify, r.notice())
				require.Error(t, err)
				var app *temporal.ApplicationError
				require.ErrorAs(t, err, &app)
				require.False(t, app.NonRetryable(), "Temporal retries it with backoff")
				require.Contains(t, err.Error(), fmt.Sprint(status))
				if status == http.StatusTooManyRequests {
					require.Positive(t, app.NextRetryDelay(), "SendGrid's rate-limit reset sets the next retry")
				}
				e := r.email(t, id)
				require.Equal(t, ippo.EmailQueued, e.Status, "nothing was taken: safe to send again")
				require.Equal(t, attempt, e.Attempts)
				require.Contains(t, e.LastError, fmt.Sprint(status))
			}
			require.Empty(t, r.fake.Messages())

			v, err := env.ExecuteActivity(r.a.Notify, r.notice())
			require.NoError(t, err)
			var res activities.NoticeResult
			require.NoError(t, v.Get(&res))
			require.Equal(t, ippo.EmailSent, res.Status)
			require.Len(t, r.fake.Messages(), 1, "sent once")
			require.Equal(t, 3, r.email(t, id).Attempts)
			require.Empty(t, r.tasks(t))
		})
	}
}

func TestNotifyRefusedIsNotRetriedAndReachesStaff(t *testing.T) {
	r := newRig(t)
	r.fake.FailNext(1, http.StatusBadRequest)
	res, err := r.a.Notify(context.Background(), r.notice())
	require.NoError(t, err, "the activity succeeds: a retry would be refused again")
	require.Equal(t, ippo.EmailFailed, res.Status)
	e := r.email(t, res.OutboxID)
	require.Equal(t, ippo.EmailFailed, e.Status)
	require.Contains(t, e.LastError, "400")
	require.Contains(t, e.LastError, "fake failure", "SendGrid's own message is kept for staff")

	tasks := r.tasks(t)
	require.Len(t, tasks, 1)
	require.Equal(t, "email_failed", tasks[0].Kind)
	require.Equal(t, r.workerID, tasks[0].WorkerID)
	require.Contains(t, tasks[0].Body, res.OutboxID)

	// A retry or replay does not send it: the fake would accept it now.
	again, err := r.a.Notify(context.Background(), r.notice())
	require.NoError(t, err)
	require.Equal(t, ippo.EmailFailed, again.Status)
	require.Empty(t, r.fake.Messages())
	require.Equal(t, 1, r.email(t, res.OutboxID).Attempts)
	require.Len(t, r.tasks(t), 1, "one task per email")
}

func TestNotifyLostResponseBecomesUnknownAndIsNeverResent(t *testing.T) {
	r := newRig(t)
	r.fake.LoseNextResponses(1)
	res, err := r.a.Notify(context.Background(), r.notice())
	require.NoError(t, err)
	require.Equal(t, ippo.EmailUnknown, res.Status)
	require.Len(t, r.fake.Messages(), 1, "SendGrid did take it; Ippo cannot know")

	tasks := r.tasks(t)
	require.Len(t, tasks, 1)
	require.Equal(t, "email_unknown", tasks[0].Kind)

	again, err := r.a.Notify(context.Background(), r.notice())
	require.NoError(t, err)
	require.Equal(t, ippo.EmailUnknown, again.Status)
	require.Len(t, r.fake.Messages(), 1, "never sent twice")
}

// TestNotifyAfterCrashBetweenSendAndRecord: an attempt that claimed the
// email and stopped before recording what SendGrid said (the worker
// crashed) leaves it "sending". The next attempt does not send it: it
// becomes unknown with a staff task. When SendGrid's webhook later says it
// was delivered, the email is delivered and the task is closed.
func TestNotifyAfterCrashBetweenSendAndRecord(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	n := r.notice()
	// What the crashed attempt left: the email written and claimed.
	e, err := r.db.EnqueueEmail(ctx, ippo.OutboxEmail{
		ID: activities.OutboxID(n.Key), Key: n.Key, Template: string(n.Email), WorkerID: r.workerID,
		Recipient: "hanako@example.jp", Subject: "s", Text: "t", HTML: "h",
	})
	require.NoError(t, err)
	before, err := r.db.ClaimSend(ctx, e.ID)
	require.NoError(t, err)
	require.Equal(t, ippo.EmailQueued, before)

	res, err := r.a.Notify(ctx, n)
	require.NoError(t, err)
	require.Equal(t, ippo.EmailUnknown, res.Status)
	require.Empty(t, r.fake.Messages(), "not sent again")
	require.Len(t, r.tasks(t), 1)

	ev, err := r.db.RecordEmailEvent(ctx, postgres.EmailEventInput{
		OutboxID: e.ID, EventID: "ev-1", Event: "delivered", At: time.Now(),
	})
	require.NoError(t, err)
	require.True(t, ev.Moved)
	require.Equal(t, ippo.EmailDelivered, r.email(t, e.ID).Status)
	require.Empty(t, r.tasks(t), "the email did arrive: nothing left to check")
}

func TestNotifyWithoutSenderKeepsEmailInOutbox(t *testing.T) {
	r := newRig(t)
	r.a.Sender = nil
	res, err := r.a.Notify(context.Background(), r.notice())
	require.NoError(t, err)
	require.Equal(t, ippo.EmailHeld, res.Status)
	e := r.email(t, res.OutboxID)
	require.Equal(t, ippo.EmailHeld, e.Status)
	require.Contains(t, e.Text, "鎌倉 花子")
	require.Empty(t, r.fake.Messages())
}

// TestNotifySendsTheStoredEmail: an email is rendered again on every
// attempt (a signed link gets a new ID each time), but what goes out is
// what the outbox holds.
func TestNotifySendsTheStoredEmail(t *testing.T) {
	r := newRig(t)
	r.fake.FailNext(1, http.StatusServiceUnavailable)
	ctx := context.Background()
	n := activities.Notice{
		Key: fmt.Sprintf("worker/%s/step/3/contract_terms", r.workerID), Email: activities.EmailContractTerms, WorkerID: r.workerID,
		Facts: activities.Facts{
			TermStart: ippo.Date{Year: 2026, Month: 4, Day: 1}, TermEnd: ippo.Date{Year: 2026, Month: 9, Day: 30},
			NextStart: ippo.Date{Year: 2026, Month: 10, Day: 1}, NextEnd: ippo.Date{Year: 2026, Month: 12, Day: 31},
			OptOutBy: ippo.Date{Year: 2026, Month: 9, Day: 30}, RateYen: 1225, ExtensionMonths: 3,
			LinkExpires: ippo.Date{Year: 2026, Month: 9, Day: 30},
		},
	}
	_, err := r.a.Notify(ctx, n)
	require.Error(t, err)
	res, err := r.a.Notify(ctx, n)
	require.NoError(t, err)
	stored := r.email(t, res.OutboxID)
	require.Contains(t, stored.Text, "https://ippo.example.jp/l/")
	require.Equal(t, stored.Text, r.fake.Messages()[0].Text)
}

func TestResendSendsACopyOnce(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.fake.FailNext(1, http.StatusBadRequest)
	res, err := r.a.Notify(ctx, r.notice())
	require.NoError(t, err)
	require.Equal(t, ippo.EmailFailed, res.Status)
	require.Len(t, r.tasks(t), 1)

	resend, created, err := r.db.CreateResend(ctx, res.OutboxID, "staff:t1")
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, res.OutboxID, resend.ResendOf)
	require.Equal(t, "staff:t1", resend.RequestedBy)
	require.Empty(t, r.tasks(t), "resending handles the task")
	again, created, err := r.db.CreateResend(ctx, res.OutboxID, "staff:t2")
	require.NoError(t, err)
	require.False(t, created, "one resend per email")
	require.Equal(t, resend.ID, again.ID)

	for range 2 {
		out, err := r.a.DeliverEmail(ctx, resend.ID)
		require.NoError(t, err)
		require.Equal(t, ippo.EmailSent, out.Status)
	}
	msgs := r.fake.Messages()
	require.Len(t, msgs, 1)
	orig := r.email(t, res.OutboxID)
	require.Equal(t, orig.Subject, msgs[0].Subject)
	require.Equal(t, orig.Text, msgs[0].Text)
	require.Equal(t, orig.HTML, msgs[0].HTML)
	require.Equal(t, map[string]string{mail.OutboxIDArg: resend.ID}, msgs[0].CustomArgs)
	require.Equal(t, ippo.EmailFailed, orig.Status, "the first email's record stands")

	// A sent email is never resent by hand.
	_, _, err = r.db.CreateResend(ctx, resend.ID, "staff:t1")
	require.Equal(t, ippo.ECONFLICT, ippo.ErrorCode(err))
}

func TestAlertStaffAboutABounce(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	res, err := r.a.Notify(ctx, r.notice())
	require.NoError(t, err)
	ev, err := r.db.RecordEmailEvent(ctx, postgres.EmailEventInput{
		OutboxID: res.OutboxID, EventID: "b-1", Event: "bounce", At: time.Now(),
		Reason: "550 5.1.1 <hanako@example.jp>: Recipient address rejected",
	})
	require.NoError(t, err)
	require.True(t, ev.Moved)
	require.Equal(t, ippo.EmailBounced, ev.Email.Status)

	alert := activities.StaffAlert{OutboxID: res.OutboxID, Status: ippo.EmailBounced, On: ippo.Date{Year: 2026, Month: 4, Day: 1}}
	for range 2 {
		out, err := r.a.AlertStaff(ctx, alert)
		require.NoError(t, err)
		require.Equal(t, ippo.EmailSent, out.Status)
	}
	msgs := r.fake.Messages()
	require.Len(t, msgs, 2, "the worker's email and one alert")
	m := msgs[1]
	require.Equal(t, []string{ippo.DefaultPolicy().StaffEmail}, m.To)
	require.Contains(t, m.Subject, "メールが届きませんでした")
	require.Contains(t, m.Text, res.OutboxID)
	require.Contains(t, m.Text, r.workerID, "the worker by ID")
	require.Contains(t, m.Text, "鎌倉 花子さん", "and by name: the alert goes to the center's own address")
	for _, body := range []string{m.Text, m.HTML, m.Subject} {
		require.NotContains(t, body, "hanako@example.jp", "the address and the reason quoting it stay in Ippo")
	}

	// An alert about an alert is never sent: a broken staff address cannot loop.
	alertEmail := activities.OutboxID(activities.AlertKey(res.OutboxID, ippo.EmailBounced))
	out, err := r.a.AlertStaff(ctx, activities.StaffAlert{OutboxID: alertEmail, Status: ippo.EmailBounced, On: alert.On})
	require.NoError(t, err)
	require.Empty(t, out.OutboxID)
	require.Len(t, r.fake.Messages(), 2)
}

func TestClassifySendGrid(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want activities.SendFailure
	}{
		{&mail.SendError{Kind: mail.Permanent, StatusCode: 400}, activities.SendPermanent},
		{&mail.SendError{Kind: mail.Ambiguous}, activities.SendAmbiguous},
		{&mail.SendError{Kind: mail.Retryable, StatusCode: 503}, activities.SendRetryable},
		{fmt.Errorf("wrapped: %w", &mail.SendError{Kind: mail.Permanent}), activities.SendPermanent},
		{errors.New("anything else"), activities.SendRetryable},
	} {
		require.Equal(t, tc.want, activities.ClassifySendGrid(tc.err), "%v", tc.err)
	}
}
