package postgres_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/stretchr/testify/require"
)

func newTask(t *testing.T, db *postgres.DB, typ string, expected int) ippo.ClientTask {
	t.Helper()
	task, err := db.CreateClientTask(context.Background(), ippo.ClientTask{Type: typ, Client: "鎌倉商事", ExpectedMinutes: expected,
		StartsOn: day("2026-12-07"), DueOn: day("2026-12-20")}, "staff:test")
	require.NoError(t, err)
	return task
}

// deliver runs a task through request, assignment and delivery as the
// task workflow records them, with minutes logged by the worker.
func deliver(t *testing.T, db *postgres.DB, task ippo.ClientTask, workerID string, on ippo.Date, minutes, output, quality int) {
	t.Helper()
	ctx := context.Background()
	at := on.Start().Add(9 * time.Hour)
	step := func(kind string) ippo.TaskStep {
		return ippo.TaskStep{Key: "task/" + task.ID + "/" + kind + "/" + workerID, TaskID: task.ID, WorkerID: workerID,
			At: at, ProgramAt: at, Kind: kind, Actor: "staff:test", Output: output, Quality: quality}
	}
	require.NoError(t, db.RecordTaskStep(ctx, step(ippo.TaskStepRequested)))
	require.NoError(t, db.RecordTaskStep(ctx, step(ippo.TaskStepAssigned)))
	if minutes > 0 {
		_, err := db.RecordWorkLog(ctx, workerID, ippo.WorkLog{Date: on, Minutes: minutes, TaskID: task.ID, Output: output}, on, "staff:test")
		require.NoError(t, err)
	}
	require.NoError(t, db.RecordTaskStep(ctx, step(ippo.TaskStepDelivered)))
}

func TestMatchCandidates(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	today := day("2026-12-01")

	veteran := newWorker(t, db, active("2026-04-01"))
	newcomer := newWorker(t, db, active("2026-04-01"))
	gone := newWorker(t, db, worker{phase: ippo.PhaseWithdrawn, start: day("2026-04-01"), left: day("2026-06-01")})

	// The veteran delivered two proofreading tasks (one half a year ago)
	// and a data-entry task that must not count for proofreading.
	deliver(t, db, newTask(t, db, "proofreading", 120), veteran, day("2026-06-04"), 150, 30, 4)
	deliver(t, db, newTask(t, db, "proofreading", 60), veteran, day("2026-11-25"), 60, 12, 5)
	deliver(t, db, newTask(t, db, "data_entry", 60), veteran, day("2026-11-26"), 60, 100, 2)
	want := ippo.HistoryOf(today,
		ippo.PastJob{On: day("2026-06-04"), Minutes: 150, EstimateMinutes: 120, Output: 30, Quality: 4},
		ippo.PastJob{On: day("2026-11-25"), Minutes: 60, EstimateMinutes: 60, Output: 12, Quality: 5})

	// Schedules, another service on Fridays, a rest on the 9th, a liked
	// type, and a task assigned and not yet delivered.
	for _, id := range []string{veteran, newcomer} {
		_, err := db.DeclareSchedule(ctx, id, ippo.Schedule{EffectiveFrom: day("2026-04-01"), Slots: []ippo.Slot{
			slot(time.Monday, "10:00", "12:00"), slot(time.Wednesday, "10:00", "12:00")}}, day("2026-04-01"), "staff:test")
		require.NoError(t, err)
	}
	require.NoError(t, db.PutOtherServices(ctx, newcomer, []ippo.OtherService{{Kind: ippo.ServiceContinuationB, Weekdays: []time.Weekday{time.Friday}}}, "staff:test"))
	_, err := db.RecordAbsence(ctx, newcomer, ippo.Absence{Date: day("2026-12-09"), Kind: ippo.AbsenceAbsent}, "worker")
	require.NoError(t, err)
	_, err = db.PutTaskPreference(ctx, newcomer, ippo.TaskPreference{Likes: []string{"proofreading"}}, "staff:test")
	require.NoError(t, err)
	open := newTask(t, db, "web", 240)
	at := today.Start().Add(9 * time.Hour)
	require.NoError(t, db.RecordTaskStep(ctx, ippo.TaskStep{Key: "k1", TaskID: open.ID, WorkerID: veteran, At: at, ProgramAt: at, Kind: ippo.TaskStepRequested, Actor: "staff:test"}))
	require.NoError(t, db.RecordTaskStep(ctx, ippo.TaskStep{Key: "k2", TaskID: open.ID, WorkerID: veteran, At: at, ProgramAt: at, Kind: ippo.TaskStepAssigned, Actor: "staff:test"}))

	task := ippo.MatchTask{Type: "proofreading", ExpectedMinutes: 300, Start: day("2026-12-07"), Due: day("2026-12-20")}
	cands, err := db.MatchCandidates(ctx, task, today, today.AddDays(-30).Start())
	require.NoError(t, err)
	byID := map[string]ippo.Candidate{}
	for _, c := range cands {
		byID[c.WorkerID] = c
	}
	require.NotContains(t, byID, gone, "only active workers are candidates")
	require.Len(t, byID, 2)

	v, n := byID[veteran], byID[newcomer]
	// SQL sums the history as the domain does, recency included.
	require.Equal(t, want.Jobs, v.History.Jobs)
	require.InDelta(t, want.Recency, v.History.Recency, 1e-9)
	want.Recency = v.History.Recency
	require.Equal(t, want, v.History)
	require.Zero(t, n.History.Jobs)
	// Three requests since 2026-11-01: the proofreading task of 11-25, the
	// data entry of 11-26 and the web task today; June's is too old.
	require.Equal(t, 3, v.RecentRequests)
	require.Zero(t, n.RecentRequests)
	require.Equal(t, 240, v.AssignedMinutes, "the web task is assigned and not delivered")
	require.Equal(t, [7]int{0, 120, 0, 120, 0, 0, 0}, v.Weekly, "PostgreSQL's weekday minutes are ippo.WeekdayMinutes")
	require.Equal(t, []time.Weekday{time.Friday}, n.OtherServiceDays)
	require.Equal(t, []ippo.Date{day("2026-12-09")}, n.AbsentDays)
	require.Equal(t, []string{"proofreading"}, n.Likes)

	// The ranking on what the store read: two weeks of Mon/Wed two-hour
	// slots is 8 hours; the newcomer rests on the 9th (6 hours), the
	// veteran has 4 hours assigned (4 hours).
	ranked := ippo.Rank(task, cands, ippo.DefaultMatchPolicy(), 16, today, 1<<30)
	free := map[string]int{}
	for _, s := range ranked {
		free[s.WorkerID] = s.FreeMinutes
	}
	require.Equal(t, map[string]int{veteran: 240, newcomer: 360}, free)
}

func TestRecordTaskStepOnce(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	w := newWorker(t, db, active("2026-04-01"))
	task := newTask(t, db, "proofreading", 120)
	at := day("2026-12-01").Start()
	s := ippo.TaskStep{Key: "task/" + task.ID + "/request/" + w, TaskID: task.ID, WorkerID: w, At: at, ProgramAt: at, Kind: ippo.TaskStepRequested, Actor: "staff:test"}
	require.NoError(t, db.RecordTaskStep(ctx, s))
	require.NoError(t, db.RecordTaskStep(ctx, s), "a retry changes nothing more")
	events, err := db.TaskTimeline(ctx, task.ID)
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.Equal(t, ippo.TaskStepRequested, events[0].Kind)
	reqs, err := db.TaskRequests(ctx, task.ID)
	require.NoError(t, err)
	require.Len(t, reqs, 1)
	require.Equal(t, "waiting", reqs[0].Answer)
	got, err := db.ClientTask(ctx, task.ID)
	require.NoError(t, err)
	require.Equal(t, ippo.TaskRequested, got.Status)

	s.Key, s.Kind = s.Key+"/declined", ippo.TaskStepDeclined
	require.NoError(t, db.RecordTaskStep(ctx, s))
	reqs, err = db.TaskRequests(ctx, task.ID)
	require.NoError(t, err)
	require.Equal(t, "declined", reqs[0].Answer)

	_, err = db.ClientTask(ctx, "not-a-uuid")
	require.Equal(t, ippo.ENOTFOUND, ippo.ErrorCode(err))
}

func TestTaskPreferenceStore(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	w := newWorker(t, db, active("2026-04-01"))
	p, err := db.TaskPreference(ctx, w)
	require.NoError(t, err)
	require.Equal(t, ippo.TaskPreference{Likes: []string{}, Avoids: []string{}}, p)

	_, err = db.PutTaskPreference(ctx, w, ippo.TaskPreference{Likes: []string{"web"}, Avoids: []string{"web"}}, "staff:test")
	require.Equal(t, []string{"avoids"}, fieldNames(t, err))
	p, err = db.TaskPreference(ctx, w)
	require.NoError(t, err)
	require.Empty(t, p.Likes, "a refused preference changes nothing")

	_, err = db.PutTaskPreference(ctx, w, ippo.TaskPreference{Likes: []string{" web", "design"}, Avoids: []string{"data_entry"}}, "staff:test")
	require.NoError(t, err)
	p, err = db.TaskPreference(ctx, w)
	require.NoError(t, err)
	require.Equal(t, ippo.TaskPreference{Likes: []string{"design", "web"}, Avoids: []string{"data_entry"}}, p)
}

// TestOldWayWorkFeedsTheRanking: a task assigned the old way (POST
// /workers/{id}/tasks, no request, no delivery) is history as soon as work
// is logged on it: one job of its type per task, dated on its last logged
// day, with the logs' time and output; a task that went through the task
// workflow counts once, by its delivery, however much was logged on it.
func TestOldWayWorkFeedsTheRanking(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	today := day("2026-12-01")
	w := newWorker(t, db, active("2026-04-01"))
	task := ippo.MatchTask{Type: "proofreading", ExpectedMinutes: 300, Start: day("2026-12-07"), Due: day("2026-12-20")}
	history := func() ippo.TypeHistory {
		t.Helper()
		cands, err := db.MatchCandidates(ctx, task, today, today.AddDays(-30).Start())
		require.NoError(t, err)
		require.Len(t, cands, 1)
		return cands[0].History
	}
	require.Zero(t, history().Jobs)

	old := newTask(t, db, "proofreading", 120)
	_, _, err := db.AssignClientTask(ctx, w, old.ID, "staff:test")
	require.NoError(t, err)
	require.Zero(t, history().Jobs, "an assignment with no work logged is not experience yet")
	for _, l := range []ippo.WorkLog{
		{Date: day("2026-10-05"), Minutes: 90, TaskID: old.ID, Output: 10},
		{Date: day("2026-10-07"), Minutes: 60, TaskID: old.ID, Output: 8, Quality: "丁寧"},
	} {
		_, err := db.RecordWorkLog(ctx, w, l, today, "staff:test")
		require.NoError(t, err)
	}
	oldJob := ippo.PastJob{On: day("2026-10-07"), Minutes: 150, EstimateMinutes: 120, Output: 18}
	got, want := history(), ippo.HistoryOf(today, oldJob)
	require.InDelta(t, want.Recency, got.Recency, 1e-9)
	want.Recency = got.Recency
	require.Equal(t, want, got, "two logs on one old-way task: one job, their sums, no quality")

	// Another type's old-way work does not count for proofreading; a
	// delivered task does, once, with the quality staff gave.
	other := newTask(t, db, "web", 60)
	_, _, err = db.AssignClientTask(ctx, w, other.ID, "staff:test")
	require.NoError(t, err)
	_, err = db.RecordWorkLog(ctx, w, ippo.WorkLog{Date: day("2026-10-08"), Minutes: 60, TaskID: other.ID, Output: 3}, today, "staff:test")
	require.NoError(t, err)
	deliver(t, db, newTask(t, db, "proofreading", 60), w, day("2026-11-20"), 45, 9, 4)
	got, want = history(), ippo.HistoryOf(today, oldJob,
		ippo.PastJob{On: day("2026-11-20"), Minutes: 45, EstimateMinutes: 60, Output: 9, Quality: 4})
	require.InDelta(t, want.Recency, got.Recency, 1e-9)
	want.Recency = got.Recency
	require.Equal(t, want, got)

	// The ranking reads it: experience, output and pace are the worker's own now.
	ranked := ippo.Rank(task, []ippo.Candidate{{WorkerID: w, History: got}}, ippo.DefaultMatchPolicy(), 16, today, 1)
	require.Contains(t, ranked[0].Terms[0].Reason, "校正の経験が2件あります")
}

// TestRankingFromSummaryMatchesRawHistory: on a random but realistic data
// set (workers with deliveries through the task workflow and work logged
// on old-way tasks, of several types, over eight months), the ranking the
// store's per-type summary gives is the ranking of the raw history, summed
// job by job in Go (ippo.HistoryOf).
func TestRankingFromSummaryMatchesRawHistory(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	today := day("2026-12-01")
	rng := rand.New(rand.NewPCG(14, 2026))
	types := []string{"proofreading", "data_entry", "web"}
	raw := map[string]map[string][]ippo.PastJob{} // type → worker → jobs
	var workers []string
	for i := 0; i < 24; i++ {
		w := newWorker(t, db, active("2026-04-01"))
		workers = append(workers, w)
		on := day("2026-04-01").AddDays(rng.IntN(10))
		for k := rng.IntN(7); k > 0; k-- {
			typ := types[rng.IntN(len(types))]
			if raw[typ] == nil {
				raw[typ] = map[string][]ippo.PastJob{}
			}
			estimate := 30 * (1 + rng.IntN(8))
			task := newTask(t, db, typ, estimate)
			job := ippo.PastJob{EstimateMinutes: estimate}
			if rng.IntN(2) == 0 {
				// Through the task workflow: logged on one day, delivered then.
				job.On, job.Minutes, job.Output, job.Quality = on, 15*(1+rng.IntN(12)), rng.IntN(40), 1+rng.IntN(5)
				deliver(t, db, task, w, on, job.Minutes, job.Output, job.Quality)
			} else {
				// The old way: assigned, then logged on one to three days.
				_, _, err := db.AssignClientTask(ctx, w, task.ID, "staff:test")
				require.NoError(t, err)
				for n := 1 + rng.IntN(3); n > 0; n-- {
					l := ippo.WorkLog{Date: on, Minutes: 15 * (1 + rng.IntN(8)), TaskID: task.ID, Output: rng.IntN(20)}
					_, err := db.RecordWorkLog(ctx, w, l, today, "staff:test")
					require.NoError(t, err)
					job.On, job.Minutes, job.Output = on, job.Minutes+l.Minutes, job.Output+l.Output
					on = on.AddDays(1 + rng.IntN(3))
				}
			}
			raw[typ][w] = append(raw[typ][w], job)
			on = on.AddDays(1 + rng.IntN(30))
		}
		if rng.IntN(3) == 0 {
			_, err := db.PutTaskPreference(ctx, w, ippo.TaskPreference{Likes: []string{types[rng.IntN(3)]}}, "staff:test")
			require.NoError(t, err)
		}
	}
	for _, typ := range types {
		task := ippo.MatchTask{Type: typ, ExpectedMinutes: 300, Start: day("2026-12-07"), Due: day("2026-12-20")}
		cands, err := db.MatchCandidates(ctx, task, today, today.AddDays(-30).Start())
		require.NoError(t, err)
		require.Len(t, cands, len(workers))
		fromRaw := slices.Clone(cands)
		for i := range fromRaw {
			fromRaw[i].History = ippo.HistoryOf(today, raw[typ][fromRaw[i].WorkerID]...)
			got, want := cands[i].History, fromRaw[i].History
			require.InDelta(t, want.Recency, got.Recency, 1e-9, "%s %s", typ, cands[i].WorkerID)
			want.Recency = got.Recency
			require.Equal(t, want, got, "%s %s", typ, cands[i].WorkerID)
		}
		w := ippo.DefaultMatchPolicy()
		require.Equal(t, ippo.Rank(task, fromRaw, w, 16, today, len(workers)), ippo.Rank(task, cands, w, 16, today, len(workers)), typ)
	}
}

// The ranking reads the schedule in force on the task's first day: a later
// declaration replaces an earlier one, one declared again for the same day
// supersedes it, and one that starts after the task's first day does not
// count yet.
func TestMatchCandidatesScheduleInForce(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	today := day("2026-12-01")
	id := newWorker(t, db, active("2026-04-01"))
	task := ippo.MatchTask{Type: "proofreading", ExpectedMinutes: 300, Start: day("2026-12-07"), Due: day("2026-12-20")}
	weekly := func() [7]int {
		t.Helper()
		cands, err := db.MatchCandidates(ctx, task, today, today.AddDays(-30).Start())
		require.NoError(t, err)
		require.Len(t, cands, 1)
		return cands[0].Weekly
	}
	declare := func(from string, slots ...ippo.Slot) {
		t.Helper()
		_, err := db.DeclareSchedule(ctx, id, ippo.Schedule{EffectiveFrom: day(from), Slots: slots}, day(from), "staff:test")
		require.NoError(t, err)
	}

	require.Equal(t, [7]int{}, weekly(), "no schedule declared: no hours")
	declare("2026-04-01", slot(time.Monday, "10:00", "12:00"))
	require.Equal(t, [7]int{0, 120, 0, 0, 0, 0, 0}, weekly())
	declare("2026-11-01", slot(time.Tuesday, "10:00", "11:00"))
	require.Equal(t, [7]int{0, 0, 60, 0, 0, 0, 0}, weekly(), "the newer declaration is in force")
	declare("2026-11-01", slot(time.Thursday, "13:00", "15:30"))
	require.Equal(t, [7]int{0, 0, 0, 0, 150, 0, 0}, weekly(), "declared again for the same day: the last one")
	declare("2026-12-08", slot(time.Friday, "10:00", "12:00"))
	require.Equal(t, [7]int{0, 0, 0, 0, 150, 0, 0}, weekly(), "a schedule from after the task's first day is not in force yet")
}
