package activities_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
)

// step is the rig worker's step seq, as a lifecycle records it.
func (r *rig) step(seq int64, kind string) ippo.Step {
	return ippo.Step{
		Key: fmt.Sprintf("worker/%s/step/%d", r.workerID, seq), WorkerID: r.workerID, Seq: seq,
		At: time.Now(), ProgramAt: time.Now(), Kind: kind, Actor: ippo.ActorSystem,
		View: ippo.WorkerView{Phase: ippo.PhaseScreening, Status: "awaiting_decision"},
	}
}

// dispatch runs a dispatcher until the test ends.
func (r *rig) dispatch(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	d := &activities.Dispatcher{A: r.a, Log: slog.New(slog.DiscardHandler), Poll: 10 * time.Millisecond}
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// waitStatus waits until the email reaches status (the dispatcher runs
// beside the test; nothing here measures how long it takes).
func (r *rig) waitStatus(t *testing.T, id, status string) ippo.OutboxEmail {
	t.Helper()
	var e ippo.OutboxEmail
	require.Eventually(t, func() bool {
		e = r.email(t, id)
		return e.Status == status
	}, time.Minute, 10*time.Millisecond, "email %s never became %s", id, status)
	return e
}

func TestRecordEffectsWritesTheStepAndItsEmailsOnce(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	e := activities.Effects{Steps: []ippo.Step{r.step(1, "applied")}, Emails: []activities.Notice{r.notice()}}
	for range 3 { // a retry, a replay after a crash
		require.NoError(t, r.a.RecordEffects(ctx, e))
	}
	timeline, err := r.db.Timeline(ctx, r.workerID)
	require.NoError(t, err)
	n := 0
	for _, x := range timeline {
		if x.Kind == "applied" {
			n++
		}
	}
	require.Equal(t, 1, n, "one timeline entry: %+v", timeline)
	stored := r.email(t, activities.OutboxID(r.notice().Key))
	require.Equal(t, ippo.EmailQueued, stored.Status, "queued for the dispatcher, not sent by the write")
	require.Zero(t, stored.Attempts)
	require.Empty(t, r.fake.Messages(), "the write sends nothing")

	// Without SendGrid the email is held in the outbox at once.
	r.a.Sender = nil
	held := r.notice()
	held.Key += "/held"
	require.NoError(t, r.a.RecordEffects(ctx, activities.Effects{Steps: []ippo.Step{r.step(2, "withdrawn")}, Emails: []activities.Notice{held}}))
	require.Equal(t, ippo.EmailHeld, r.email(t, activities.OutboxID(held.Key)).Status)
}

// TestDispatcherSendsOnceThroughAnOutage: SendGrid answers 503 and 429 for
// a while; the dispatcher keeps the email queued with backoff and sends it
// once when SendGrid takes it again.
func TestDispatcherSendsOnceThroughAnOutage(t *testing.T) {
	r := newRig(t)
	r.a.Clock = ippo.Clock{Anchor: time.Now(), MonthLength: 3 * time.Second}
	r.fake.FailNext(3, http.StatusServiceUnavailable)
	r.fake.FailNext(2, http.StatusTooManyRequests)
	require.NoError(t, r.a.RecordEffects(context.Background(), activities.Effects{
		Steps: []ippo.Step{r.step(1, "applied")}, Emails: []activities.Notice{r.notice()},
	}))
	r.dispatch(t)
	id := activities.OutboxID(r.notice().Key)
	e := r.waitStatus(t, id, ippo.EmailSent)
	require.Equal(t, 6, e.Attempts, "five refusals, then the send")
	require.Len(t, r.fake.Messages(), 1, "sent once")
	require.Equal(t, e.Text, r.fake.Messages()[0].Text)
	require.Empty(t, r.tasks(t))
}

// TestDispatchersShareTheQueueWithoutDuplicates: three dispatchers (three
// worker processes) deliver 30 emails, each exactly once, in order.
func TestDispatchersShareTheQueueWithoutDuplicates(t *testing.T) {
	r := newRig(t)
	var notices []activities.Notice
	for i := range 30 {
		n := r.notice()
		n.Key = fmt.Sprintf("%s/%d", n.Key, i)
		notices = append(notices, n)
	}
	require.NoError(t, r.a.RecordEffects(context.Background(), activities.Effects{Steps: []ippo.Step{r.step(1, "applied")}, Emails: notices}))
	for range 3 {
		r.dispatch(t)
	}
	for _, n := range notices {
		r.waitStatus(t, activities.OutboxID(n.Key), ippo.EmailSent)
	}
	seen := map[string]int{}
	for _, m := range r.fake.Messages() {
		seen[m.CustomArgs["ippo_outbox_id"]]++
	}
	require.Len(t, seen, 30)
	for id, n := range seen {
		require.Equal(t, 1, n, "email %s sent %d times", id, n)
	}
	for i, m := range r.fake.Messages() {
		require.Equal(t, activities.OutboxID(notices[i].Key), m.CustomArgs["ippo_outbox_id"], "a worker's emails go out in the order they were written")
	}
}

// TestLateReminderIsSentAndSaysSo: a reminder the dispatcher could not
// deliver before its extension still goes, once, saying it is late; the
// outbox keeps what was sent.
func TestLateReminderIsSentAndSaysSo(t *testing.T) {
	r := newRig(t)
	end := ippo.Date{Year: 2026, Month: 9, Day: 30}
	reminder := activities.Notice{
		Key:      fmt.Sprintf("worker/%s/step/5/%s", r.workerID, activities.EmailExtensionReminder),
		Email:    activities.EmailExtensionReminder,
		WorkerID: r.workerID,
		Facts: activities.Facts{Extension: true, TermStart: ippo.Date{Year: 2026, Month: 4, Day: 1}, TermEnd: end,
			NextStart: end.AddDays(1), NextEnd: ippo.Date{Year: 2026, Month: 12, Day: 31}, OptOutBy: end, RateYen: 1225,
			ExtensionMonths: 3, LinkExpires: end},
		DeliverBy: time.Now().Add(-time.Minute), // SendGrid was out until after the extension
	}
	onTime := reminder
	onTime.Key += "/on-time"
	onTime.DeliverBy = time.Now().Add(time.Hour)
	require.NoError(t, r.a.RecordEffects(context.Background(), activities.Effects{
		Steps: []ippo.Step{r.step(5, "extension_reminder_sent")}, Emails: []activities.Notice{reminder, onTime},
	}))
	r.dispatch(t)
	late := r.waitStatus(t, activities.OutboxID(reminder.Key), ippo.EmailSent)
	timely := r.waitStatus(t, activities.OutboxID(onTime.Key), ippo.EmailSent)

	require.True(t, strings.HasPrefix(late.Text, "このお知らせは、メールの送信が遅れたため、契約の延長日（2026年10月1日）を過ぎてから"), late.Text)
	require.Contains(t, late.HTML, "2026年10月1日）を過ぎてから")
	require.Equal(t, 1, strings.Count(late.Text, "このお知らせは、メールの送信が遅れた"), "said once")
	require.NotContains(t, timely.Text, "遅れた")
	for _, m := range r.fake.Messages() {
		if m.CustomArgs["ippo_outbox_id"] == late.ID {
			require.Equal(t, late.Text, m.Text, "the outbox shows what went out")
			require.Equal(t, late.HTML, m.HTML)
		}
	}
	require.Len(t, r.fake.Messages(), 2)
}

// TestInterruptedDispatchBecomesUnknown: an email left "sending" by a
// dispatcher that was killed after its claim is never sent again; staff
// get a task to check it.
func TestInterruptedDispatchBecomesUnknown(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	require.NoError(t, r.a.RecordEffects(ctx, activities.Effects{Steps: []ippo.Step{r.step(1, "applied")}, Emails: []activities.Notice{r.notice()}}))
	claimed, err := r.db.ClaimDueEmails(ctx, 10)
	require.NoError(t, err)
	require.Len(t, claimed, 1) // … and the process dies here
	stale, err := r.db.StaleDispatches(ctx, time.Now().Add(time.Second))
	require.NoError(t, err)
	require.Len(t, stale, 1)
	again, err := r.db.ClaimDueEmails(ctx, 10)
	require.NoError(t, err)
	require.Empty(t, again, "a claimed email is not claimed twice")

	d := &activities.Dispatcher{A: r.a, Log: slog.New(slog.DiscardHandler), Poll: 10 * time.Millisecond, StaleAfter: 20 * time.Millisecond}
	dctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); d.Run(dctx) }()
	e := r.waitStatus(t, claimed[0].ID, ippo.EmailUnknown)
	cancel()
	<-done
	require.Empty(t, r.fake.Messages(), "never sent again")
	require.Contains(t, e.LastError, "interrupted")
	tasks := r.tasks(t)
	require.Len(t, tasks, 1)
	require.Equal(t, "email_unknown", tasks[0].Kind)
}
