package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/stretchr/testify/require"
)

func TestCloseCandidates(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	april := ippo.YearMonth{Year: 2026, Month: 4}
	ids := map[string]string{
		"active since March":    newWorker(t, db, active("2026-03-02")),
		"joined mid-April":      newWorker(t, db, active("2026-04-15")),
		"joins in May":          newWorker(t, db, active("2026-05-01")),
		"ended in March":        newWorker(t, db, worker{phase: ippo.PhaseEnded, start: day("2025-09-01"), endsOn: day("2026-03-31")}),
		"ended on April 1st":    newWorker(t, db, worker{phase: ippo.PhaseEnded, start: day("2025-10-02"), endsOn: day("2026-04-01")}),
		"withdrew mid-April":    newWorker(t, db, worker{phase: ippo.PhaseWithdrawn, start: day("2026-01-05"), left: day("2026-04-10")}),
		"withdrew in March":     newWorker(t, db, worker{phase: ippo.PhaseWithdrawn, start: day("2026-01-05"), left: day("2026-03-10")}),
		"ending after April":    newWorker(t, db, worker{phase: ippo.PhaseActive, start: day("2025-11-01"), endsOn: day("2026-07-31")}),
		"never signed":          newWorker(t, db, worker{phase: ippo.PhaseOnboarding}),
		"withdrew at screening": newWorker(t, db, worker{phase: ippo.PhaseWithdrawn}),
	}
	want := map[string][2]ippo.Date{
		"active since March": {day("2026-03-02"), {}},
		"joined mid-April":   {day("2026-04-15"), {}},
		"ended on April 1st": {day("2025-10-02"), day("2026-04-01")},
		"withdrew mid-April": {day("2026-01-05"), day("2026-04-10")},
		"ending after April": {day("2025-11-01"), day("2026-07-31")},
	}
	task, err := db.CreateClientTask(ctx, ippo.ClientTask{Type: "data_entry", Client: "鎌倉商事"}, "staff:a")
	require.NoError(t, err)
	joiner := ids["joined mid-April"]
	_, _, err = db.AssignClientTask(ctx, joiner, task.ID, "staff:a")
	require.NoError(t, err)
	_, err = db.DeclareSchedule(ctx, joiner, ippo.Schedule{EffectiveFrom: day("2026-04-15"), Slots: []ippo.Slot{slot(time.Monday, "10:00", "12:00")}}, day("2026-04-15"), "staff:a")
	require.NoError(t, err)
	for _, d := range []string{"2026-04-20", "2026-04-27"} {
		_, err = db.RecordWorkLog(ctx, joiner, ippo.WorkLog{Date: day(d), Minutes: 90, TaskID: task.ID}, day("2026-04-30"), "staff:a")
		require.NoError(t, err)
	}

	// Small pages, so paging is exercised.
	var got []postgres.CloseCandidate
	after := ""
	for {
		page, err := db.CloseCandidates(ctx, april, after, 2)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1].WorkerID
	}
	require.True(t, slices.IsSortedFunc(got, func(a, b postgres.CloseCandidate) int { return compare(a.WorkerID, b.WorkerID) }))
	byID := map[string]postgres.CloseCandidate{}
	for _, c := range got {
		byID[c.WorkerID] = c
	}
	require.Len(t, byID, len(want))
	for name, span := range want {
		c, ok := byID[ids[name]]
		require.True(t, ok, "%s is closed in April", name)
		require.Equal(t, span[0], c.ActiveFrom, name)
		require.Equal(t, span[1], c.ActiveUntil, name)
	}
	j := byID[joiner]
	require.Len(t, j.Schedules, 1)
	require.Len(t, j.Logs, 2)
	require.Equal(t, 90, j.Logs[0].Minutes)
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestPendingCloseMonths(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	m := func(y int, mo time.Month) ippo.YearMonth { return ippo.YearMonth{Year: y, Month: mo} }

	got, err := db.PendingCloseMonths(ctx, m(2026, 4), 12)
	require.NoError(t, err)
	require.Equal(t, []ippo.YearMonth{m(2026, 4)}, got, "a new installation closes the month that just ended only")

	for _, mo := range []ippo.YearMonth{m(2026, 1), m(2026, 2), m(2026, 4)} {
		require.NoError(t, db.BeginClose(ctx, mo, "wf"))
		require.NoError(t, db.FinishClose(ctx, mo))
	}
	require.NoError(t, db.BeginClose(ctx, m(2026, 5), "wf")) // running, not done
	got, err = db.PendingCloseMonths(ctx, m(2026, 6), 12)
	require.NoError(t, err)
	require.Equal(t, []ippo.YearMonth{m(2026, 3), m(2026, 5), m(2026, 6)}, got, "gaps and unfinished months are caught up")
	got, err = db.PendingCloseMonths(ctx, m(2026, 6), 2)
	require.NoError(t, err)
	require.Equal(t, []ippo.YearMonth{m(2026, 5), m(2026, 6)}, got, "at most the last max months")
	got, err = db.PendingCloseMonths(ctx, m(2026, 2), 12)
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestStatementsAreWrittenOnce(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	april := ippo.YearMonth{Year: 2026, Month: 4}
	id := newWorker(t, db, active("2026-03-02"))
	s := ippo.Statement{WorkerID: id, ActiveFrom: day("2026-03-02"), MonthFigures: ippo.MonthFigures{
		Month: april, TheoreticalMinutes: 600, ActualMinutes: 300, UtilizationPermille: 500, TargetPercent: 80, BelowTarget: true,
		Lines:        []ippo.FeeLine{{From: day("2026-04-01"), To: day("2026-04-30"), RateYen: 1225, Minutes: 300, AmountYen: 6125}},
		TotalMinutes: 300, TotalYen: 6125,
	}, ReviewSuggested: true}
	require.NoError(t, db.BeginClose(ctx, april, "wf-1"))
	n, err := db.InsertStatements(ctx, []ippo.Statement{s})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	changed := s
	changed.TotalYen = 1
	n, err = db.InsertStatements(ctx, []ippo.Statement{changed})
	require.NoError(t, err)
	require.Equal(t, 0, n)
	got, err := db.Statement(ctx, id, april)
	require.NoError(t, err)
	require.Equal(t, 6125, got.TotalYen, "the first statement stands")
	require.Equal(t, s.Lines, got.Lines)
	require.Equal(t, "鎌倉 花子", got.WorkerName)
	_, err = db.Statement(ctx, id, april.Next())
	require.Equal(t, ippo.ENOTFOUND, domainError(t, err).Code)

	require.NoError(t, db.FinishClose(ctx, april))
	require.NoError(t, db.BeginClose(ctx, april, "wf-1")) // a retry of the same run
	require.NoError(t, db.BeginClose(ctx, april, "wf-2")) // a rerun
	closes, err := db.MonthCloses(ctx, nil, 0)
	require.NoError(t, err)
	require.Len(t, closes, 1)
	c := closes[0]
	require.Equal(t, april, c.Month)
	require.Equal(t, postgres.CloseRunning, c.Status)
	require.Equal(t, 2, c.Runs)
	require.Equal(t, 1, c.Statements)
	require.Equal(t, 6125, c.TotalYen)
	require.Equal(t, 1, c.BelowTarget)
	require.Equal(t, 1, c.ReviewsSuggest)
	require.Empty(t, c.Emails)
}
