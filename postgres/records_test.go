package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/stretchr/testify/require"
)

func TestDeclareSchedule(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	id := newWorker(t, db, active("2026-04-01"))
	today := day("2026-04-10")
	mwf := ippo.Schedule{EffectiveFrom: today, Slots: []ippo.Slot{
		slot(time.Monday, "10:00", "12:00"), slot(time.Wednesday, "10:00", "12:00"), slot(time.Friday, "10:00", "12:30"),
	}}
	v, err := db.DeclareSchedule(ctx, id, mwf, today, "staff:a")
	require.NoError(t, err)
	require.NotZero(t, v.ID)

	tests := []struct {
		name   string
		s      ippo.Schedule
		fields []string
	}{
		{"over the weekly cap of 16 hours", ippo.Schedule{EffectiveFrom: today, Slots: []ippo.Slot{
			slot(time.Monday, "09:00", "17:00"), slot(time.Tuesday, "09:00", "17:00"), slot(time.Wednesday, "09:00", "10:00")}},
			[]string{"slots"}},
		{"overlapping", ippo.Schedule{EffectiveFrom: today, Slots: []ippo.Slot{
			slot(time.Monday, "10:00", "12:00"), slot(time.Monday, "11:00", "13:00")}}, []string{"slots[1]"}},
		{"in the past", ippo.Schedule{EffectiveFrom: day("2026-04-09"), Slots: mwf.Slots}, []string{"effective_from"}},
		{"no slots", ippo.Schedule{EffectiveFrom: today}, []string{"slots"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.DeclareSchedule(ctx, id, tt.s, today, "staff:a")
			require.Equal(t, tt.fields, fieldNames(t, err))
		})
	}

	// A later declaration supersedes a pending one; the one in force stays.
	pending := ippo.Schedule{EffectiveFrom: day("2026-05-01"), Slots: []ippo.Slot{slot(time.Tuesday, "13:00", "15:00")}}
	_, err = db.DeclareSchedule(ctx, id, pending, today, "staff:a")
	require.NoError(t, err)
	replaced := ippo.Schedule{EffectiveFrom: day("2026-04-20"), Slots: []ippo.Slot{slot(time.Thursday, "13:00", "15:00")}}
	_, err = db.DeclareSchedule(ctx, id, replaced, today, "staff:a")
	require.NoError(t, err)
	versions, err := db.Schedules(ctx, id)
	require.NoError(t, err)
	require.Len(t, versions, 2)
	require.Equal(t, today, versions[0].EffectiveFrom)
	require.Equal(t, mwf.Slots, versions[0].Slots)
	require.Equal(t, day("2026-04-20"), versions[1].EffectiveFrom)
	require.Equal(t, "staff:a", versions[1].DeclaredBy)

	// The timeline shows every declaration, the superseded one too.
	tl, err := db.Timeline(ctx, id)
	require.NoError(t, err)
	var declared []map[string]any
	for _, e := range tl {
		if e.Kind == "schedule_declared" {
			require.Equal(t, postgres.SourceSchedule, e.Source)
			declared = append(declared, e.Data)
		}
	}
	require.Len(t, declared, 3)
	require.Equal(t, true, declared[1]["superseded"])
	require.EqualValues(t, 390, declared[0]["weekly_minutes"])
}

func TestScheduleNeedsOnboardingOrActive(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	s := ippo.Schedule{EffectiveFrom: day("2026-04-10"), Slots: []ippo.Slot{slot(time.Monday, "10:00", "12:00")}}
	for _, w := range []worker{
		{phase: ippo.PhaseScreening},
		{phase: ippo.PhaseEnded, start: day("2025-10-01"), endsOn: day("2026-03-31")},
		{phase: ippo.PhaseWithdrawn, start: day("2026-01-05"), left: day("2026-03-02")},
	} {
		t.Run(string(w.phase), func(t *testing.T) {
			id := newWorker(t, db, w)
			_, err := db.DeclareSchedule(ctx, id, s, day("2026-04-10"), "staff:a")
			e := domainError(t, err)
			require.Equal(t, ippo.ECONFLICT, e.Code)
			require.Equal(t, w.phase, e.Phase)
			require.Contains(t, e.Message, "onboarding or active")
			versions, err := db.Schedules(ctx, id)
			require.NoError(t, err)
			require.Empty(t, versions, "a refused declaration changes nothing")
		})
	}
	_, err := db.DeclareSchedule(ctx, "5d0c6f0e-0000-4000-8000-000000000000", s, day("2026-04-10"), "staff:a")
	require.Equal(t, ippo.ENOTFOUND, domainError(t, err).Code)
	onboarding := newWorker(t, db, worker{phase: ippo.PhaseOnboarding})
	_, err = db.DeclareSchedule(ctx, onboarding, s, day("2026-04-10"), "staff:a")
	require.NoError(t, err, "a schedule may be declared before the contract is signed")
}

func TestOtherServiceDaysAndSchedules(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	id := newWorker(t, db, active("2026-04-01"))
	today := day("2026-04-10")
	tuesdayB := []ippo.OtherService{{Kind: ippo.ServiceContinuationB, Weekdays: []time.Weekday{time.Thursday, time.Tuesday}}}
	require.NoError(t, db.PutOtherServices(ctx, id, tuesdayB, "staff:a"))
	got, err := db.OtherServices(ctx, id)
	require.NoError(t, err)
	require.Equal(t, []time.Weekday{time.Tuesday, time.Thursday}, got[0].Weekdays, "weekdays are kept in order")

	// A slot on a B型 day is refused, naming the slot.
	_, err = db.DeclareSchedule(ctx, id, ippo.Schedule{EffectiveFrom: today, Slots: []ippo.Slot{
		slot(time.Monday, "10:00", "12:00"), slot(time.Tuesday, "10:00", "12:00")}}, today, "staff:a")
	require.Equal(t, []string{"slots[1].weekday"}, fieldNames(t, err))

	// Other-service days that collide with the latest schedule are refused
	// until the schedule moves off them.
	require.NoError(t, db.PutOtherServices(ctx, id, nil, "staff:a"))
	_, err = db.DeclareSchedule(ctx, id, ippo.Schedule{EffectiveFrom: today, Slots: []ippo.Slot{slot(time.Friday, "10:00", "12:00")}}, today, "staff:a")
	require.NoError(t, err)
	friday := []ippo.OtherService{{Kind: ippo.ServiceTransition, Weekdays: []time.Weekday{time.Friday}}}
	require.Equal(t, []string{"services[0].weekdays[0]"}, fieldNames(t, db.PutOtherServices(ctx, id, friday, "staff:a")))
	_, err = db.DeclareSchedule(ctx, id, ippo.Schedule{EffectiveFrom: day("2026-05-01"), Slots: []ippo.Slot{slot(time.Monday, "10:00", "12:00")}}, today, "staff:a")
	require.NoError(t, err)
	require.NoError(t, db.PutOtherServices(ctx, id, friday, "staff:a"), "the latest declaration has no Friday")
	got, err = db.OtherServices(ctx, id)
	require.NoError(t, err)
	require.Equal(t, friday, got)

	tl, err := db.Timeline(ctx, id)
	require.NoError(t, err)
	var last map[string]any
	for _, e := range tl {
		if e.Kind == "other_services_recorded" {
			last = e.Data
		}
	}
	require.Equal(t, []any{map[string]any{"service": "employment_transition", "weekdays": []any{"friday"}}}, toJSON(t, last["services"]))
}

func TestRecordAbsence(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	id := newWorker(t, db, active("2026-04-01"))
	ten := ippo.NewTimeOfDay(10, 30)
	r, err := db.RecordAbsence(ctx, id, ippo.Absence{Date: day("2026-04-13"), Kind: ippo.AbsenceAbsent, Reason: "  体調がすぐれないため  "}, ippo.ActorWorker)
	require.NoError(t, err)
	require.Equal(t, "体調がすぐれないため", r.Reason)
	_, err = db.RecordAbsence(ctx, id, ippo.Absence{Date: day("2026-04-15"), Kind: ippo.AbsenceLate, From: &ten}, "staff:a")
	require.NoError(t, err)
	_, err = db.RecordAbsence(ctx, id, ippo.Absence{Date: day("2026-04-16"), Kind: ippo.AbsenceLate}, "staff:a")
	require.Equal(t, []string{"from"}, fieldNames(t, err))

	april := ippo.YearMonth{Year: 2026, Month: 4}
	list, err := db.Absences(ctx, id, &april)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, ippo.ActorWorker, list[0].ReportedBy)
	require.Equal(t, ippo.AbsenceLate, list[1].Kind)
	require.Equal(t, ten, *list[1].From)
	may := april.Next()
	list, err = db.Absences(ctx, id, &may)
	require.NoError(t, err)
	require.Empty(t, list)

	tl, err := db.Timeline(ctx, id)
	require.NoError(t, err)
	var kinds []string
	for _, e := range tl {
		if e.Source == postgres.SourceAttendance {
			kinds = append(kinds, e.Kind+" "+e.Actor+" "+e.Reason)
			if e.Data["kind"] == "late" {
				require.Equal(t, "10:30", e.Data["from"])
			}
		}
	}
	require.Equal(t, []string{"absence_reported worker 体調がすぐれないため", "absence_reported staff:a "}, kinds)

	screening := newWorker(t, db, worker{phase: ippo.PhaseScreening})
	_, err = db.RecordAbsence(ctx, screening, ippo.Absence{Date: day("2026-04-13"), Kind: ippo.AbsenceAbsent}, ippo.ActorWorker)
	require.Equal(t, ippo.ECONFLICT, domainError(t, err).Code)
}

// TestRecordAbsenceOnce: the same ID records one absence however often it
// is asked, keeps the first notice, and is not checked against the phase
// again; a refused notice leaves the ID free.
func TestRecordAbsenceOnce(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	id := newWorker(t, db, active("2026-04-01"))
	other := newWorker(t, db, active("2026-04-01"))
	key := uuid.NewString()
	eleven := ippo.NewTimeOfDay(11, 0)

	_, _, err := db.RecordAbsenceOnce(ctx, key, id, ippo.Absence{Date: day("2026-04-13"), Kind: ippo.AbsenceLate}, ippo.ActorWorker)
	require.Equal(t, []string{"from"}, fieldNames(t, err))
	first, existed, err := db.RecordAbsenceOnce(ctx, key, id, ippo.Absence{Date: day("2026-04-13"), Kind: ippo.AbsenceLate, From: &eleven, Reason: "朝は体が重いため"}, ippo.ActorWorker)
	require.NoError(t, err)
	require.False(t, existed)
	require.Equal(t, key, first.ID)
	again, existed, err := db.RecordAbsenceOnce(ctx, key, id, ippo.Absence{Date: day("2026-04-14"), Kind: ippo.AbsenceAbsent}, ippo.ActorWorker)
	require.NoError(t, err)
	require.True(t, existed)
	require.Equal(t, day("2026-04-13"), again.Date, "the first notice stands")
	require.Equal(t, eleven, *again.From)
	require.Equal(t, "朝は体が重いため", again.Reason)

	_, _, err = db.RecordAbsenceOnce(ctx, key, other, ippo.Absence{Date: day("2026-04-13"), Kind: ippo.AbsenceAbsent}, ippo.ActorWorker)
	require.Equal(t, ippo.ECONFLICT, domainError(t, err).Code)
	list, err := db.Absences(ctx, id, nil)
	require.NoError(t, err)
	require.Len(t, list, 1)
	list, err = db.Absences(ctx, other, nil)
	require.NoError(t, err)
	require.Empty(t, list)
}

func TestCatalogAndAssignment(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	_, err := db.CreateClientTask(ctx, ippo.ClientTask{Type: " ", Client: "鎌倉出版"}, "staff:a")
	require.Equal(t, []string{"type"}, fieldNames(t, err))
	task, err := db.CreateClientTask(ctx, ippo.ClientTask{Type: "proofreading", Client: " 鎌倉出版 ", OutputUnit: "ページ"}, "staff:a")
	require.NoError(t, err)
	require.Equal(t, "鎌倉出版", task.Client)
	list, err := db.ClientTasks(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, task.ID, list[0].ID)

	id := newWorker(t, db, active("2026-04-01"))
	a, created, err := db.AssignClientTask(ctx, id, task.ID, "staff:a")
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, "proofreading", a.Type)
	_, created, err = db.AssignClientTask(ctx, id, task.ID, "staff:a")
	require.NoError(t, err)
	require.False(t, created, "assigning twice changes nothing")
	_, _, err = db.AssignClientTask(ctx, id, "7b4a9e0c-1d2f-4e3a-9b8c-000000000000", "staff:a")
	require.Equal(t, []string{"task_id"}, fieldNames(t, err))
	_, _, err = db.AssignClientTask(ctx, id, "not-a-uuid", "staff:a")
	require.Equal(t, []string{"task_id"}, fieldNames(t, err))
}

// workerWithTask is an active worker signed on start with an assigned
// task, and the task's id.
func workerWithTask(t *testing.T, db *postgres.DB, start string) (string, string) {
	t.Helper()
	ctx := context.Background()
	task, err := db.CreateClientTask(ctx, ippo.ClientTask{Type: "data_entry", Client: "鎌倉商事", OutputUnit: "件"}, "staff:a")
	require.NoError(t, err)
	id := newWorker(t, db, active(start))
	_, _, err = db.AssignClientTask(ctx, id, task.ID, "staff:a")
	require.NoError(t, err)
	return id, task.ID
}

func TestRecordWorkLog(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	id, task := workerWithTask(t, db, "2026-04-01")
	other, err := db.CreateClientTask(ctx, ippo.ClientTask{Type: "proofreading", Client: "鎌倉出版"}, "staff:a")
	require.NoError(t, err)
	today := day("2026-04-10")
	log := func(date string, minutes int, task string) error {
		_, err := db.RecordWorkLog(ctx, id, ippo.WorkLog{Date: day(date), Minutes: minutes, TaskID: task, Output: 12, Quality: "丁寧"}, today, "staff:a")
		return err
	}
	require.NoError(t, log("2026-04-09", 300, task))

	tests := []struct {
		name    string
		date    string
		minutes int
		task    string
		fields  []string
	}{
		{"future date", "2026-04-11", 60, task, []string{"date"}},
		{"over the day's maximum with what is logged", "2026-04-09", 181, task, []string{"hours"}},
		{"unknown task", "2026-04-08", 60, "7b4a9e0c-1d2f-4e3a-9b8c-000000000000", []string{"task_id"}},
		{"task not assigned", "2026-04-08", 60, other.ID, []string{"task_id"}},
		{"before the contract", "2026-03-31", 60, task, []string{"date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.fields, fieldNames(t, log(tt.date, tt.minutes, tt.task)))
		})
	}
	require.NoError(t, log("2026-04-09", 180, task), "exactly the daily maximum of 8 hours")

	april := ippo.YearMonth{Year: 2026, Month: 4}
	logs, err := db.WorkLogs(ctx, id, &april)
	require.NoError(t, err)
	require.Len(t, logs, 2, "refused logs changed nothing")
	require.Equal(t, "data_entry", logs[0].TaskType)
	require.Equal(t, "丁寧", logs[0].Quality)

	tasks, err := db.WorkerClientTasks(ctx, id)
	require.NoError(t, err)
	require.Equal(t, 480, tasks[0].LoggedMinutes)
	require.Equal(t, 24, tasks[0].Output)
	require.Equal(t, 2, tasks[0].Logs)

	// Once the month is closed it takes no more logs.
	require.NoError(t, db.BeginClose(ctx, april, "close-test"))
	e := domainError(t, log("2026-04-08", 60, task))
	require.Equal(t, ippo.ECONFLICT, e.Code)
	require.Contains(t, e.Message, "2026-04 is closed")

	// A worker who never signed has no contract to log work under.
	screening := newWorker(t, db, worker{phase: ippo.PhaseOnboarding})
	_, err = db.RecordWorkLog(ctx, screening, ippo.WorkLog{Date: today, Minutes: 60, TaskID: task}, today, "staff:a")
	e = domainError(t, err)
	require.Equal(t, ippo.ECONFLICT, e.Code)
	require.Equal(t, ippo.PhaseOnboarding, e.Phase)
}

// Two logs for one day sent at once are checked one after the other: the
// day's maximum holds.
func TestConcurrentWorkLogsKeepTheDailyMaximum(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	id, task := workerWithTask(t, db, "2026-04-01")
	today := day("2026-04-10")
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.RecordWorkLog(ctx, id, ippo.WorkLog{Date: today, Minutes: 300, TaskID: task}, today, "staff:a")
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, err)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			require.Equal(t, []string{"hours"}, fieldNames(t, err))
		}
	}
	require.Equal(t, 1, ok)
}

func TestWorkLogAfterTheContractEnded(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	task, err := db.CreateClientTask(ctx, ippo.ClientTask{Type: "data_entry", Client: "鎌倉商事"}, "staff:a")
	require.NoError(t, err)
	id := newWorker(t, db, active("2026-01-05"))
	_, _, err = db.AssignClientTask(ctx, id, task.ID, "staff:a")
	require.NoError(t, err)
	// The worker withdraws on 2026-04-15; work up to that day may still be logged.
	require.NoError(t, db.RecordStep(ctx, ippo.Step{Key: "worker/" + id + "/step/9", WorkerID: id, Seq: 9,
		At: day("2026-04-15").Start(), ProgramAt: day("2026-04-15").Start().Add(11 * time.Hour), Kind: "withdrawn", Actor: "staff:a",
		View: ippo.WorkerView{Phase: ippo.PhaseWithdrawn, Status: "closed", ContractStart: day("2026-01-05"), ContractEnd: day("2026-07-04")}}))
	today := day("2026-04-20")
	_, err = db.RecordWorkLog(ctx, id, ippo.WorkLog{Date: day("2026-04-15"), Minutes: 60, TaskID: task.ID}, today, "staff:a")
	require.NoError(t, err)
	_, err = db.RecordWorkLog(ctx, id, ippo.WorkLog{Date: day("2026-04-16"), Minutes: 60, TaskID: task.ID}, today, "staff:a")
	names := fieldNames(t, err)
	require.Equal(t, []string{"date"}, names)
	require.True(t, strings.Contains(domainError(t, err).Fields[0].Message, "2026-04-15"))
}
