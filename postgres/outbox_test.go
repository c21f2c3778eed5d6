package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/stretchr/testify/require"
)

func TestOutboxOncePerKeyAndClaimedOnce(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	w := newApplicant(t, db, false)
	e := ippo.OutboxEmail{ID: uuid.NewString(), Key: "worker/x/step/1/application_received", Template: "application_received",
		WorkerID: w, Recipient: "a@example.jp", Subject: "s", Text: "t", HTML: "h"}
	first, err := db.EnqueueEmail(ctx, e)
	require.NoError(t, err)
	require.Equal(t, ippo.EmailQueued, first.Status)
	e2 := e
	e2.ID, e2.Subject = uuid.NewString(), "changed"
	second, err := db.EnqueueEmail(ctx, e2)
	require.NoError(t, err)
	require.Equal(t, first.ID, second.ID, "the same key is the same email")
	require.Equal(t, "s", second.Subject)

	before, err := db.ClaimSend(ctx, first.ID)
	require.NoError(t, err)
	require.Equal(t, ippo.EmailQueued, before)
	before, err = db.ClaimSend(ctx, first.ID)
	require.NoError(t, err)
	require.Equal(t, ippo.EmailSending, before, "a second claim sees the first")
	ok, err := db.SetEmailStatus(ctx, first.ID, ippo.EmailSent, "msg-1", "", ippo.EmailSending)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = db.SetEmailStatus(ctx, first.ID, ippo.EmailQueued, "", "late retry", ippo.EmailSending)
	require.NoError(t, err)
	require.False(t, ok, "a sent email never goes back to queued")
	got, err := db.OutboxEmail(ctx, first.ID)
	require.NoError(t, err)
	require.Equal(t, "msg-1", got.ProviderMessageID)
	require.Equal(t, 1, got.Attempts)
}

func TestTokensAndIdempotencyKeys(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	require.NoError(t, db.EnsureToken(ctx, postgresToken("boot"), "secret-secret-secret"))
	require.NoError(t, db.EnsureToken(ctx, postgresToken("boot again"), "secret-secret-secret"))
	toks, err := db.Tokens(ctx)
	require.NoError(t, err)
	require.Len(t, toks, 1, "the bootstrap token is stored once however often Ippo starts")
	tok, err := db.TokenBySecret(ctx, "secret-secret-secret")
	require.NoError(t, err)
	require.Equal(t, "admin", tok.Role)
	require.NoError(t, db.RevokeToken(ctx, tok.ID))
	_, err = db.TokenBySecret(ctx, "secret-secret-secret")
	require.Equal(t, ippo.ENOTFOUND, ippo.ErrorCode(err))

	actor := uuid.NewString()
	_, fresh, err := db.BeginIdempotent(ctx, actor, "k", "POST", "/p", []byte{1})
	require.NoError(t, err)
	require.True(t, fresh)
	prev, fresh, err := db.BeginIdempotent(ctx, actor, "k", "POST", "/p", []byte{1})
	require.NoError(t, err)
	require.False(t, fresh)
	require.Zero(t, prev.Status, "still running")
	require.NoError(t, db.FinishIdempotent(ctx, actor, "k", 201, []byte(`{"ok":true}`)))
	prev, _, err = db.BeginIdempotent(ctx, actor, "k", "POST", "/p", []byte{1})
	require.NoError(t, err)
	require.Equal(t, 201, prev.Status)
	require.JSONEq(t, `{"ok":true}`, string(prev.Body))
}

func TestIdempotencyRecordsExpireAfterADay(t *testing.T) {
	db := pgtest.New(t)
	ctx := t.Context()
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	db.SetClockForTest(func() time.Time { return now })
	actor := uuid.NewString()
	_, fresh, err := db.BeginIdempotent(ctx, actor, "k", "POST", "/p", []byte{1})
	require.NoError(t, err)
	require.True(t, fresh)
	require.NoError(t, db.FinishIdempotent(ctx, actor, "k", 201, []byte("sealed")))

	now = now.Add(postgres.IdempotencyTTL - time.Minute)
	prev, fresh, err := db.BeginIdempotent(ctx, actor, "k", "POST", "/p", []byte{1})
	require.NoError(t, err)
	require.False(t, fresh, "kept for a day")
	require.Equal(t, 201, prev.Status)

	now = now.Add(2 * time.Minute)
	_, fresh, err = db.BeginIdempotent(ctx, actor, "k", "POST", "/p", []byte{2})
	require.NoError(t, err)
	require.True(t, fresh, "after a day the key is new again")
	n, err := db.CountRows(ctx, "idempotency_keys")
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

// TestStaleIdempotencyReservationIsTakenOver: a request that never
// finished (its process was killed) does not hold its key forever: after
// a minute the same request runs again; another body is still refused.
func TestStaleIdempotencyReservationIsTakenOver(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	actor := uuid.NewString()
	_, fresh, err := db.BeginIdempotent(ctx, actor, "k", "POST", "/p", []byte{1})
	require.NoError(t, err)
	require.True(t, fresh)
	_, fresh, err = db.BeginIdempotent(ctx, actor, "k", "POST", "/p", []byte{1})
	require.NoError(t, err)
	require.False(t, fresh, "still running")

	later := time.Now().Add(2 * time.Minute)
	db.SetClockForTest(func() time.Time { return later })
	prev, fresh, err := db.BeginIdempotent(ctx, actor, "k", "POST", "/p", []byte{2})
	require.NoError(t, err)
	require.False(t, fresh, "another body does not take it over")
	require.Equal(t, []byte{1}, prev.RequestHash)
	_, fresh, err = db.BeginIdempotent(ctx, actor, "k", "POST", "/p", []byte{1})
	require.NoError(t, err)
	require.True(t, fresh, "the same request takes over the abandoned reservation")
	_, fresh, err = db.BeginIdempotent(ctx, actor, "k", "POST", "/p", []byte{1})
	require.NoError(t, err)
	require.False(t, fresh, "and holds it again")
}

// A bounce's staff to-do is written in the transaction that moves the
// email to bounced: if the to-do cannot be written, neither is the event
// nor the status, and SendGrid's retry of the batch finds nothing done.
func TestBounceAndItsTodoInOneTransaction(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	w := newApplicant(t, db, false)
	e, err := db.EnqueueEmail(ctx, ippo.OutboxEmail{ID: uuid.NewString(), Key: "worker/x/step/1/welcome", Template: "welcome",
		WorkerID: w, Recipient: "a@example.jp", Subject: "s", Text: "t", HTML: "h"})
	require.NoError(t, err)
	ok, err := db.SetEmailStatus(ctx, e.ID, ippo.EmailSent, "msg-b", "", ippo.EmailQueued)
	require.NoError(t, err)
	require.True(t, ok)
	todo := func(bad bool) func(ippo.OutboxEmail) ippo.StaffTodo {
		return func(got ippo.OutboxEmail) ippo.StaffTodo {
			id := uuid.NewSHA1(uuid.NameSpaceOID, []byte(got.ID)).String()
			if bad {
				id = "not-a-uuid" // the insert fails
			}
			return ippo.StaffTodo{ID: id, Key: postgres.OutboxTaskKey(got.ID, got.Status), Kind: "email_bounced",
				WorkerID: got.WorkerID, Title: "bounced", Body: got.LastError}
		}
	}
	ev := postgres.EmailEventInput{OutboxID: e.ID, EventID: "ev-1", Event: "bounce", At: time.Now(), Reason: "550 no such user"}

	ev.BounceTodo = todo(true)
	_, err = db.RecordEmailEvent(ctx, ev)
	require.Error(t, err)
	got, err := db.OutboxEmail(ctx, e.ID)
	require.NoError(t, err)
	require.Equal(t, ippo.EmailSent, got.Status, "no status without its to-do")
	evs, err := db.EmailEvents(ctx, e.ID)
	require.NoError(t, err)
	require.Empty(t, evs)

	ev.BounceTodo = todo(false)
	for range 2 {
		res, err := db.RecordEmailEvent(ctx, ev)
		require.NoError(t, err)
		require.Equal(t, ippo.EmailBounced, res.Email.Status)
	}
	tasks, err := db.StaffTodos(ctx, true, 10)
	require.NoError(t, err)
	require.Len(t, tasks, 1, "one to-do however often the event comes")
	require.Equal(t, postgres.OutboxTaskKey(e.ID, ippo.EmailBounced), tasks[0].Key)
	require.Contains(t, tasks[0].Body, "550 no such user", "made from the email as the bounce left it")
}
