package postgres_test

import (
	"context"
	"testing"

	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/stretchr/testify/require"
)

// TestCapacityQueue: places are granted up to capacity; the rest wait, those
// who want general employment first, then in order of approval; a release
// grants the next, and a retried release returns the same promotion.
func TestCapacityQueue(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	const capacity = 2
	a, b := newApplicant(t, db, false), newApplicant(t, db, false)
	c, d, e := newApplicant(t, db, false), newApplicant(t, db, true), newApplicant(t, db, false)

	for _, id := range []string{a, b} {
		granted, pos, others, err := db.ClaimPlace(ctx, id, capacity)
		require.NoError(t, err)
		require.True(t, granted)
		require.Zero(t, pos)
		require.Empty(t, others)
	}
	granted, pos, _, err := db.ClaimPlace(ctx, c, capacity)
	require.NoError(t, err)
	require.False(t, granted)
	require.Equal(t, 1, pos)
	_, pos, _, err = db.ClaimPlace(ctx, d, capacity) // wants general employment: goes ahead of c
	require.NoError(t, err)
	require.Equal(t, 1, pos)
	_, pos, _, err = db.ClaimPlace(ctx, e, capacity)
	require.NoError(t, err)
	require.Equal(t, 3, pos)
	w, err := db.Worker(ctx, c)
	require.NoError(t, err)
	require.Equal(t, 2, w.WaitlistPosition, "the read model shows the current position")

	// A second claim is idempotent.
	granted, pos, _, err = db.ClaimPlace(ctx, c, capacity)
	require.NoError(t, err)
	require.False(t, granted)
	require.Equal(t, 2, pos)

	promoted, err := db.ReleasePlace(ctx, a, capacity)
	require.NoError(t, err)
	require.Equal(t, []string{d}, promoted)
	again, err := db.ReleasePlace(ctx, a, capacity)
	require.NoError(t, err)
	require.Equal(t, []string{d}, again, "a retried release reports the same promotion and grants nothing more")
	state, err := db.PlaceState(ctx, c)
	require.NoError(t, err)
	require.Equal(t, "waiting", state)

	// Someone waiting who leaves frees no place.
	promoted, err = db.ReleasePlace(ctx, c, capacity)
	require.NoError(t, err)
	require.Empty(t, promoted)
	// More capacity lets the next one in.
	promoted, err = db.FillPlaces(ctx, 3)
	require.NoError(t, err)
	require.Equal(t, []string{e}, promoted)
}

// TestRetriedClaimReturnsTheSamePromotions: an approval that finds more
// room (the capacity grew) promotes those waiting ahead too; a retry of
// that claim (its first answer lost) names the same workers, so each gets
// its place-granted signal.
func TestRetriedClaimReturnsTheSamePromotions(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	a, b, c := newApplicant(t, db, false), newApplicant(t, db, false), newApplicant(t, db, false)
	granted, _, _, err := db.ClaimPlace(ctx, a, 1)
	require.NoError(t, err)
	require.True(t, granted)
	granted, _, _, err = db.ClaimPlace(ctx, b, 1)
	require.NoError(t, err)
	require.False(t, granted)

	granted, _, others, err := db.ClaimPlace(ctx, c, 3)
	require.NoError(t, err)
	require.True(t, granted)
	require.Equal(t, []string{b}, others, "b waited first and got a place by c's claim")
	for range 2 {
		granted, _, again, err := db.ClaimPlace(ctx, c, 3)
		require.NoError(t, err)
		require.True(t, granted)
		require.Equal(t, []string{b}, again, "a retried claim names the same promotion")
	}
	promoted, err := db.ReleasePlace(ctx, c, 3)
	require.NoError(t, err)
	require.Empty(t, promoted, "c's release promoted nobody; its claim's promotions are not signalled again")
}
