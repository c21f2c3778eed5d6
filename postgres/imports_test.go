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

func imported(email string) postgres.ImportedWorker {
	return postgres.ImportedWorker{
		ID: uuid.NewString(), Applicant: applicant(email, true),
		SignedOn: day("2025-09-01"), TermEnd: day("2026-08-31"), Extensions: 2,
		Schedule: ippo.Schedule{EffectiveFrom: day("2026-06-15"), Slots: []ippo.Slot{
			{Weekday: time.Monday, Start: ippo.NewTimeOfDay(10, 0), End: ippo.NewTimeOfDay(12, 0), Mode: ippo.ModeRemote},
		}},
	}
}

// An imported worker's records are stored together and once; a second
// import of the row changes nothing; removing it removes all of it.
func TestImportWorkerStoresOneRowOnce(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	w := imported("import@example.jp")
	created, err := db.ImportWorker(ctx, w, "staff:a")
	require.NoError(t, err)
	require.True(t, created)

	got, err := db.Worker(ctx, w.ID)
	require.NoError(t, err)
	require.Equal(t, w.Applicant, got.Applicant)
	require.Equal(t, ippo.PhaseActive, got.Phase)
	require.Equal(t, "under_contract", got.Status)
	require.Equal(t, day("2025-09-01"), got.ContractStart)
	require.Equal(t, day("2026-08-31"), got.ContractEnd)
	require.Equal(t, 2, got.Extensions)
	place, err := db.PlaceState(ctx, w.ID)
	require.NoError(t, err)
	require.Equal(t, "holding", place)
	sched, err := db.Schedules(ctx, w.ID)
	require.NoError(t, err)
	require.Len(t, sched, 1)
	require.Equal(t, 120, sched[0].WeeklyMinutes())

	again := w
	again.Applicant.Name = "別の名前"
	created, err = db.ImportWorker(ctx, again, "staff:a")
	require.NoError(t, err)
	require.False(t, created, "the same row imported again")
	got, err = db.Worker(ctx, w.ID)
	require.NoError(t, err)
	require.Equal(t, "鎌倉 花子", got.Applicant.Name, "a second import changes nothing")

	// Another worker whose lifecycle is open already uses the email.
	other := imported("IMPORT@example.jp")
	_, err = db.ImportWorker(ctx, other, "staff:a")
	require.Equal(t, ippo.ECONFLICT, ippo.ErrorCode(err))
	_, err = db.Worker(ctx, other.ID)
	require.Equal(t, ippo.ENOTFOUND, ippo.ErrorCode(err), "a refused row stores nothing")

	known, err := db.ExistingWorkers(ctx, []string{w.ID, other.ID})
	require.NoError(t, err)
	require.Equal(t, map[string]bool{w.ID: true}, known)

	require.NoError(t, db.DeleteApplicant(ctx, w.ID))
	_, err = db.Worker(ctx, w.ID)
	require.Equal(t, ippo.ENOTFOUND, ippo.ErrorCode(err))
	place, err = db.PlaceState(ctx, w.ID)
	require.NoError(t, err)
	require.Empty(t, place, "the place goes with the worker")
}
