package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// matchCandidate reads worker id as the ranking sees them for a
// proofreading task in the two weeks from 2026-12-07; ok is false when the
// worker is not a candidate.
func matchCandidate(t *testing.T, db *postgres.DB, id string) (c ippo.Candidate, ok bool) {
	t.Helper()
	today := day("2026-12-01")
	task := ippo.MatchTask{Type: "proofreading", ExpectedMinutes: 300, Start: day("2026-12-07"), Due: day("2026-12-20")}
	cands, err := db.MatchCandidates(context.Background(), task, today, today.AddDays(-30).Start())
	require.NoError(t, err)
	for _, c := range cands {
		if c.WorkerID == id {
			return c, true
		}
	}
	return ippo.Candidate{}, false
}

// The ranking reads each worker's match profile (migration 00080); it
// follows every kind of write that changes one of its parts, in the same
// transaction, and only the worker written.
func TestMatchProfileFollowsWrites(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	id := newWorker(t, db, active("2026-04-01"))
	bystander := newWorker(t, db, active("2026-04-01"))
	read := func() ippo.Candidate {
		t.Helper()
		c, ok := matchCandidate(t, db, id)
		require.True(t, ok, "an active worker is a candidate")
		return c
	}
	require.Equal(t, ippo.Candidate{WorkerID: id}, read(), "a new worker: no schedule, no services, nothing assigned, no wishes")

	// A schedule declared, and one declared later for after the task's start.
	_, err := db.DeclareSchedule(ctx, id, ippo.Schedule{EffectiveFrom: day("2026-04-01"), Slots: []ippo.Slot{
		slot(time.Monday, "10:00", "12:00"), slot(time.Thursday, "13:00", "14:30")}}, day("2026-04-01"), "staff:test")
	require.NoError(t, err)
	require.Equal(t, [7]int{0, 120, 0, 0, 90, 0, 0}, read().Weekly)
	_, err = db.DeclareSchedule(ctx, id, ippo.Schedule{EffectiveFrom: day("2026-12-10"), Slots: []ippo.Slot{
		slot(time.Tuesday, "10:00", "11:00")}}, day("2026-12-01"), "staff:test")
	require.NoError(t, err)
	require.Equal(t, [7]int{0, 120, 0, 0, 90, 0, 0}, read().Weekly, "the schedule in force on the task's first day")

	// Other services, then none.
	require.NoError(t, db.PutOtherServices(ctx, id, []ippo.OtherService{
		{Kind: ippo.ServiceContinuationB, Weekdays: []time.Weekday{time.Saturday, time.Wednesday}},
		{Kind: ippo.ServiceTransition, Weekdays: []time.Weekday{time.Friday}}}, "staff:test"))
	require.Equal(t, []time.Weekday{time.Wednesday, time.Friday, time.Saturday}, read().OtherServiceDays)
	require.NoError(t, db.PutOtherServices(ctx, id, nil, "staff:test"))
	require.Empty(t, read().OtherServiceDays)

	// Two tasks assigned, one delivered, the other cancelled.
	step := func(task ippo.ClientTask, kind string) {
		t.Helper()
		at := day("2026-12-01").Start().Add(9 * time.Hour)
		require.NoError(t, db.RecordTaskStep(ctx, ippo.TaskStep{Key: task.ID + "/" + kind, TaskID: task.ID, WorkerID: id,
			At: at, ProgramAt: at, Kind: kind, Actor: "staff:test", Output: 3, Quality: 4}))
	}
	web, data := newTask(t, db, "web", 240), newTask(t, db, "data_entry", 60)
	step(web, ippo.TaskStepRequested)
	require.Zero(t, read().AssignedMinutes, "requested is not assigned")
	step(web, ippo.TaskStepAssigned)
	require.Equal(t, 240, read().AssignedMinutes)
	step(data, ippo.TaskStepAssigned)
	require.Equal(t, 300, read().AssignedMinutes)
	step(web, ippo.TaskStepDelivered)
	require.Equal(t, 60, read().AssignedMinutes, "a delivered task is no longer assigned")
	step(data, ippo.TaskStepCancelled)
	require.Zero(t, read().AssignedMinutes)

	// A preference put, then changed.
	_, err = db.PutTaskPreference(ctx, id, ippo.TaskPreference{Likes: []string{"proofreading", "web"}}, "staff:test")
	require.NoError(t, err)
	c := read()
	require.Equal(t, []string{"proofreading"}, c.Likes, "the task's type is liked (the other types are not read)")
	require.Empty(t, c.Avoids)
	_, err = db.PutTaskPreference(ctx, id, ippo.TaskPreference{Avoids: []string{"proofreading"}}, "staff:test")
	require.NoError(t, err)
	c = read()
	require.Empty(t, c.Likes)
	require.Equal(t, []string{"proofreading"}, c.Avoids)

	// Nothing of this touched the other worker.
	other, ok := matchCandidate(t, db, bystander)
	require.True(t, ok)
	require.Equal(t, ippo.Candidate{WorkerID: bystander}, other)

	// Leaving the active phase (the lifecycle's step updates the read model).
	at := day("2026-12-02").Start()
	require.NoError(t, db.RecordStep(ctx, ippo.Step{Key: "worker/" + id + "/withdrawn", WorkerID: id, Seq: 10, At: at, ProgramAt: at,
		Kind: "withdrawn", Actor: "staff:test", View: ippo.WorkerView{Phase: ippo.PhaseWithdrawn, Status: "withdrawn"}}))
	_, ok = matchCandidate(t, db, id)
	require.False(t, ok, "only active workers are candidates")
}

// Two tasks assigned to one worker at once, in two transactions: the
// second waits for the first and counts both; neither overwrites the
// profile with what it read before the other committed.
func TestMatchProfileConcurrentAssignments(t *testing.T) {
	ctx := context.Background()
	db, url := pgtest.NewWithURL(t)
	id := newWorker(t, db, active("2026-04-01"))
	first, second := newTask(t, db, "web", 240), newTask(t, db, "web", 60)

	conn := func() *pgx.Conn {
		c, err := pgx.Connect(ctx, url)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close(ctx) })
		return c
	}
	c1, c2, watch := conn(), conn(), conn()
	assign := `UPDATE client_tasks SET status = 'assigned', assignee = $2 WHERE id = $1`
	tx, err := c1.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, assign, first.ID, id)
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() {
		_, err := c2.Exec(ctx, assign, second.ID, id)
		done <- err
	}()
	// Wait until the second is held by the first's lock on the profile.
	require.Eventually(t, func() bool {
		var waiting bool
		err := watch.QueryRow(ctx, `SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1`, c2.PgConn().PID()).Scan(&waiting)
		return err == nil && waiting
	}, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, tx.Commit(ctx))
	require.NoError(t, <-done)

	c, ok := matchCandidate(t, db, id)
	require.True(t, ok)
	require.Equal(t, 300, c.AssignedMinutes)
}
