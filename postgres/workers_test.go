package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/stretchr/testify/require"
)

func TestApplicantRoundTrip(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	id := uuid.NewString()
	a := applicant("roundtrip@example.jp", true)
	a.IntractableDisease = true
	require.NoError(t, db.CreateApplicant(ctx, id, a))
	w, err := db.Worker(ctx, id)
	require.NoError(t, err)
	require.Equal(t, a, w.Applicant)
	require.Equal(t, ippo.PhaseScreening, w.Phase)
	require.Equal(t, ippo.ECONFLICT, ippo.ErrorCode(db.CreateApplicant(ctx, id, a)))
	_, err = db.Worker(ctx, uuid.NewString())
	require.Equal(t, ippo.ENOTFOUND, ippo.ErrorCode(err))
	other, err := db.OpenWorkerByEmail(ctx, "ROUNDTRIP@example.jp")
	require.NoError(t, err)
	require.Equal(t, id, other)
}

// TestRecordStepIsIdempotentAndOrdered: a step retried is written once, and
// the read model never goes back to an earlier step.
func TestRecordStepIsIdempotentAndOrdered(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	id := newApplicant(t, db, false)
	step := func(seq int64, kind string, phase ippo.Phase) ippo.Step {
		return ippo.Step{
			Key: "worker/" + id + "/step/" + string(rune('0'+seq)), WorkerID: id, Seq: seq,
			At: time.Now(), ProgramAt: time.Now(), Kind: kind, Actor: ippo.ActorSystem,
			View: ippo.WorkerView{Phase: phase, Status: "s", ContractEnd: ippo.Date{Year: 2026, Month: 9, Day: 30}},
		}
	}
	require.NoError(t, db.RecordStep(ctx, step(1, "applied", ippo.PhaseScreening)))
	require.NoError(t, db.RecordStep(ctx, step(2, "eligibility_approved", ippo.PhaseOnboarding)))
	require.NoError(t, db.RecordStep(ctx, step(2, "eligibility_approved", ippo.PhaseOnboarding)))
	require.NoError(t, db.RecordStep(ctx, step(1, "applied", ippo.PhaseScreening))) // a late retry of step 1
	w, err := db.Worker(ctx, id)
	require.NoError(t, err)
	require.Equal(t, ippo.PhaseOnboarding, w.Phase)
	require.Equal(t, "2026-09-30", w.ContractEnd.String())
	tl, err := db.Timeline(ctx, id)
	require.NoError(t, err)
	require.Len(t, tl, 2)
	require.Equal(t, "applied", tl[0].Kind)
}

func TestWorkersListFiltersAndPages(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	var ids []string
	for range 5 {
		ids = append(ids, newApplicant(t, db, false))
	}
	require.NoError(t, db.RecordStep(ctx, ippo.Step{Key: "k1", WorkerID: ids[2], Seq: 1, At: time.Now(), ProgramAt: time.Now(),
		Kind: "x", Actor: "system", View: ippo.WorkerView{Phase: ippo.PhaseActive, ContractEnd: ippo.Date{Year: 2026, Month: 9, Day: 30}}}))
	active, err := db.Workers(ctx, postgres.WorkerFilter{Phase: ippo.PhaseActive})
	require.NoError(t, err)
	require.Len(t, active, 1)
	ending, err := db.Workers(ctx, postgres.WorkerFilter{EndsBefore: ippo.Date{Year: 2026, Month: 10, Day: 1}})
	require.NoError(t, err)
	require.Len(t, ending, 1)
	q, err := db.Workers(ctx, postgres.WorkerFilter{Query: ids[3][:8]})
	require.NoError(t, err)
	require.Len(t, q, 1, "search by part of the email")
	none, err := db.Workers(ctx, postgres.WorkerFilter{Query: "%"})
	require.NoError(t, err)
	require.Empty(t, none, "LIKE wildcards in the query are literal")

	var seen []string
	f := postgres.WorkerFilter{Limit: 2}
	for {
		page, err := db.Workers(ctx, f)
		require.NoError(t, err)
		for _, w := range page {
			seen = append(seen, w.ID)
		}
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.AfterTime, f.AfterID = last.AppliedAt, last.ID
	}
	require.ElementsMatch(t, ids, seen)
	require.Len(t, seen, 5, "no worker twice across pages")
}

func TestSeedIsIdempotent(t *testing.T) {
	db := pgtest.New(t) // seeded once
	ctx := context.Background()
	require.NoError(t, db.Seed(ctx))
	agencies, err := db.Agencies(ctx)
	require.NoError(t, err)
	require.Len(t, agencies, 8)
	versions, err := db.PolicyVersions(ctx)
	require.NoError(t, err)
	require.Len(t, versions, 1)
	require.Equal(t, ippo.DefaultPolicy(), versions[0].Policy)
}

func TestClockAnchorIsSharedAndResetByANewMonthLength(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	c1, err := db.Clock(ctx, 30*time.Second)
	require.NoError(t, err)
	time.Sleep(1100 * time.Millisecond)
	c2, err := db.Clock(ctx, 30*time.Second)
	require.NoError(t, err)
	require.True(t, c1.Anchor.Equal(c2.Anchor), "a second process finds the same anchor")
	require.Equal(t, c1.MonthLength, c2.MonthLength)
	c3, err := db.Clock(ctx, 10*time.Second)
	require.NoError(t, err)
	require.NotEqual(t, c1.Anchor, c3.Anchor)
	real, err := db.Clock(ctx, 0)
	require.NoError(t, err)
	require.False(t, real.Compressed())
}

// TestOneOpenLifecyclePerEmail: an email belongs to one open lifecycle at a
// time, even when two intakes race; once that lifecycle is closed (a
// graduate's follow-ups done), the person may apply again.
func TestOneOpenLifecyclePerEmail(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	first := uuid.NewString()
	require.NoError(t, db.CreateApplicant(ctx, first, applicant("again@example.jp", false)))

	err := db.CreateApplicant(ctx, uuid.NewString(), applicant("Again@Example.jp", false))
	require.Equal(t, ippo.ECONFLICT, ippo.ErrorCode(err))
	var e *ippo.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "email", e.Fields[0].Field, "the problem names the field")

	// Two intakes of a new email at once: one lifecycle.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = db.CreateApplicant(ctx, uuid.NewString(), applicant("race@example.jp", false)) })
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		if err == nil {
			created++
		} else {
			require.Equal(t, ippo.ECONFLICT, ippo.ErrorCode(err))
		}
	}
	require.Equal(t, 1, created)

	view := func(phase ippo.Phase, status string) ippo.WorkerView {
		return ippo.WorkerView{Phase: phase, Status: status}
	}
	require.NoError(t, db.RecordStep(ctx, ippo.Step{Key: "g1", WorkerID: first, Seq: 1, At: time.Now(), ProgramAt: time.Now(),
		Kind: "graduated", Actor: "system", View: view(ippo.PhaseGraduated, "following_up")}))
	other, err := db.OpenWorkerByEmail(ctx, "again@example.jp")
	require.NoError(t, err)
	require.Equal(t, first, other, "a graduate in follow-up is still open")

	require.NoError(t, db.RecordStep(ctx, ippo.Step{Key: "g2", WorkerID: first, Seq: 2, At: time.Now(), ProgramAt: time.Now(),
		Kind: "lifecycle_completed", Actor: "system", View: view(ippo.PhaseGraduated, "closed")}))
	other, err = db.OpenWorkerByEmail(ctx, "again@example.jp")
	require.NoError(t, err)
	require.Empty(t, other)
	require.NoError(t, db.CreateApplicant(ctx, uuid.NewString(), applicant("again@example.jp", false)), "the graduate comes back")
}
