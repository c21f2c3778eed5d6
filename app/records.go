package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/workflows"
	"go.temporal.io/api/serviceerror"
)

// Schedules, other services, absences, work logs and consents are records
// kept in PostgreSQL, not lifecycle steps: the store checks the worker's
// phase in the read model, and they show on the worker's timeline.

// Worker returns one worker with their phase from the read model.
func (a *App) Worker(ctx context.Context, workerID string) (ippo.Worker, error) {
	return a.DB.Worker(ctx, workerID)
}

// WorkerFilter narrows the list of workers; zero fields do not filter.
type WorkerFilter struct {
	Phase      ippo.Phase
	Query      string // part of the name, kana or email
	EndsBefore ippo.Date
	// After is where the previous page ended (its last worker).
	AfterTime time.Time
	AfterID   string
	Limit     int // zero: 50
}

// Workers lists workers, oldest application first.
func (a *App) Workers(ctx context.Context, f WorkerFilter) ([]ippo.Worker, error) {
	if f.Limit == 0 {
		f.Limit = 50
	}
	return a.DB.Workers(ctx, postgres.WorkerFilter{Phase: f.Phase, Query: f.Query, EndsBefore: f.EndsBefore,
		AfterID: f.AfterID, AfterTime: f.AfterTime, Limit: f.Limit})
}

// Timeline returns every step, email and audited request for the worker.
func (a *App) Timeline(ctx context.Context, workerID string) ([]ippo.TimelineEntry, error) {
	return a.DB.Timeline(ctx, workerID)
}

// Absence is a notice of a day off, a late start or an early leave, as
// staff type it: From and Until are times of day "HH:MM" (nil: none).
type Absence struct {
	Date        ippo.Date
	Kind        ippo.AbsenceKind
	From, Until *string
	Reason      string
	// Key, when set, records the notice once: sent again with the same
	// key (a form submitted twice), the first record is the answer.
	// The console passes its form's key (StepKey); empty records anew.
	Key string
}

// AbsenceRecord is a recorded absence.
type AbsenceRecord struct {
	ID       string `json:"id"`
	WorkerID string `json:"worker_id"`
	ippo.Absence
	ReportedAt time.Time `json:"reported_at"`
	// ReportedBy is "staff:<token id>" or "worker" (a signed link).
	ReportedBy string `json:"reported_by"`
}

func absenceOf(r postgres.AbsenceRecord) AbsenceRecord {
	return AbsenceRecord{ID: r.ID, WorkerID: r.WorkerID, Absence: r.Absence, ReportedAt: r.ReportedAt, ReportedBy: r.ReportedBy}
}

// RecordAbsence records a day off, a late start or an early leave.
func (a *App) RecordAbsence(ctx context.Context, actor Actor, workerID string, in Absence) (AbsenceRecord, error) {
	abs := ippo.Absence{Date: in.Date, Kind: in.Kind, Reason: in.Reason}
	var f ippo.Fields
	for _, t := range []struct {
		field string
		in    *string
		out   **ippo.TimeOfDay
	}{{"from", in.From, &abs.From}, {"until", in.Until, &abs.Until}} {
		if t.in == nil {
			continue
		}
		tod, err := ippo.ParseTimeOfDay(*t.in)
		if err != nil {
			f.Add(t.field, "must be a time of day HH:MM between 00:00 and 24:00")
			continue
		}
		*t.out = &tod
	}
	if err := f.Err(); err != nil {
		return AbsenceRecord{}, err
	}
	r, _, err := a.DB.RecordAbsenceOnce(ctx, recordID("absence", in.Key), workerID, abs, actor.Ref())
	return absenceOf(r), err
}

// Absences lists the worker's absences, of one month or all.
func (a *App) Absences(ctx context.Context, workerID string, month *ippo.YearMonth) ([]AbsenceRecord, error) {
	rows, err := a.DB.Absences(ctx, workerID, month)
	return mapped(rows, err, absenceOf)
}

// WorkLog is work done on a day, as staff log it.
type WorkLog struct {
	Date    ippo.Date
	Hours   float64
	TaskID  string // the client task worked on
	Output  int
	Quality string
	// Late is work forgotten in a month already closed.
	Late bool
	// Key, when set, records the log once, as Absence.Key does.
	Key string
}

// WorkLogRecord is a logged piece of work, with its hours as a decimal.
type WorkLogRecord struct {
	ID       string `json:"id"`
	WorkerID string `json:"worker_id"`
	ippo.WorkLog
	TaskType   string    `json:"task_type"`
	TaskClient string    `json:"task_client"`
	LoggedAt   time.Time `json:"logged_at"`
	LoggedBy   string    `json:"logged_by"`
	// SettledIn is, for late work, the month whose statement paid it.
	SettledIn *ippo.YearMonth `json:"settled_in,omitempty"`
	Hours     float64         `json:"hours"`
}

func workLogOf(r postgres.WorkLogRecord) WorkLogRecord {
	return WorkLogRecord{ID: r.ID, WorkerID: r.WorkerID, WorkLog: r.WorkLog, TaskType: r.TaskType, TaskClient: r.TaskClient,
		LoggedAt: r.LoggedAt, LoggedBy: r.LoggedBy, SettledIn: r.SettledIn, Hours: float64(r.Minutes) / 60}
}

// RecordWorkLog logs work done on a day.
func (a *App) RecordWorkLog(ctx context.Context, actor Actor, workerID string, in WorkLog) (WorkLogRecord, error) {
	minutes, err := ippo.HoursToMinutes(in.Hours)
	if err != nil {
		return WorkLogRecord{}, err
	}
	w := ippo.WorkLog{Date: in.Date, Minutes: minutes, TaskID: strings.TrimSpace(in.TaskID), Output: in.Output, Quality: in.Quality, Late: in.Late}
	r, _, err := a.DB.RecordWorkLogOnce(ctx, recordID("work_log", in.Key), workerID, w, a.Today(), actor.Ref())
	if err != nil {
		return WorkLogRecord{}, err
	}
	return workLogOf(r), nil
}

// WorkLogs lists the worker's work logs, of one month or all.
func (a *App) WorkLogs(ctx context.Context, workerID string, month *ippo.YearMonth) ([]WorkLogRecord, error) {
	rows, err := a.DB.WorkLogs(ctx, workerID, month)
	return mapped(rows, err, workLogOf)
}

// recordNamespace derives the ID of a record kept once per key.
var recordNamespace = uuid.MustParse("3c9e6f0a-52d1-4b8e-a7f4-0d6b2e91c5a8")

// recordID is the ID of the record of kind made under key: the same key,
// sent again, finds the first record. Without a key it is new.
func recordID(kind, key string) string {
	if key == "" {
		return uuid.NewString()
	}
	return uuid.NewSHA1(recordNamespace, []byte(kind+"/"+key)).String()
}

// mapped turns the store's rows into the app's own records: a list of
// none is empty, not nil, so a face renders [] rather than null.
func mapped[R, T any](rows []R, err error, of func(R) T) ([]T, error) {
	if err != nil {
		return nil, err
	}
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = of(r)
	}
	return out, nil
}

// Slot is one weekly slot as staff type it: times of day "HH:MM".
type Slot struct {
	Weekday    time.Weekday
	Start, End string
	Mode       ippo.WorkMode
}

// DeclareSchedule declares the worker's weekly schedule from a date. It
// is checked against the weekly cap in force then and the worker's other
// services; each time that is not one is named.
func (a *App) DeclareSchedule(ctx context.Context, actor Actor, workerID string, from ippo.Date, slots []Slot) error {
	sched := ippo.Schedule{EffectiveFrom: from, Slots: make([]ippo.Slot, len(slots))}
	var f ippo.Fields
	for i, sl := range slots {
		start, err := ippo.ParseTimeOfDay(sl.Start)
		if err != nil {
			f.Add(fmt.Sprintf("slots[%d].start", i), "must be a time of day HH:MM between 00:00 and 24:00")
		}
		end, err := ippo.ParseTimeOfDay(sl.End)
		if err != nil {
			f.Add(fmt.Sprintf("slots[%d].end", i), "must be a time of day HH:MM between 00:00 and 24:00")
		}
		sched.Slots[i] = ippo.Slot{Weekday: sl.Weekday, Start: start, End: end, Mode: sl.Mode}
	}
	if err := f.Err(); err != nil {
		return err
	}
	_, err := a.DB.DeclareSchedule(ctx, workerID, sched, a.Today(), actor.Ref())
	return err
}

// PutOtherServices records the other services the worker uses (their
// days are closed to the schedule).
func (a *App) PutOtherServices(ctx context.Context, actor Actor, workerID string, services []ippo.OtherService) error {
	return a.DB.PutOtherServices(ctx, workerID, services, actor.Ref())
}

// ScheduleVersion is one declared weekly schedule.
type ScheduleVersion struct {
	ippo.Schedule
	DeclaredAt time.Time
	DeclaredBy string
}

// ScheduleState is the worker's declared schedules, the one in force
// today, the weekly cap and the other services the worker uses.
type ScheduleState struct {
	Today          ippo.Date
	WeeklyCapHours float64
	Versions       []ScheduleVersion
	// InForce points into Versions; nil before the first takes effect.
	InForce       *ScheduleVersion
	OtherServices []ippo.OtherService
}

// Schedule returns the worker's schedule state.
func (a *App) Schedule(ctx context.Context, workerID string) (ScheduleState, error) {
	versions, err := a.DB.Schedules(ctx, workerID)
	if err != nil {
		return ScheduleState{}, err
	}
	services, err := a.DB.OtherServices(ctx, workerID)
	if err != nil {
		return ScheduleState{}, err
	}
	today := a.Today()
	p, err := a.DB.PolicyAt(ctx, today)
	if err != nil {
		return ScheduleState{}, err
	}
	st := ScheduleState{Today: today, WeeklyCapHours: p.WeeklyCapHours, OtherServices: services}
	var all ippo.Schedules
	for _, v := range versions {
		st.Versions = append(st.Versions, ScheduleVersion{Schedule: v.Schedule, DeclaredAt: v.DeclaredAt, DeclaredBy: v.DeclaredBy})
		all = append(all, v.Schedule)
	}
	if in, ok := all.InForce(today); ok {
		for i, v := range versions {
			if v.EffectiveFrom == in.EffectiveFrom {
				st.InForce = &st.Versions[i] // the latest of a date wins, as in InForce
			}
		}
	}
	return st, nil
}

// Consents lists the worker's consents, withdrawn ones included.
func (a *App) Consents(ctx context.Context, workerID string) ([]ippo.Consent, error) {
	return a.DB.Consents(ctx, workerID)
}

// RecordConsent records a consent given or withdrawn; it answers the
// consent and whether it was newly given. Consents are records in
// PostgreSQL, not lifecycle steps: they may be given or withdrawn in any
// phase, even after the lifecycle has ended. A withdrawal is then told to
// the lifecycle, which stops chasing handoffs the consent allowed;
// handoffs not yet sent read the withdrawal in PostgreSQL when their turn
// comes. A zero r.On is today.
func (a *App) RecordConsent(ctx context.Context, actor Actor, workerID string, r ippo.ConsentRequest) (ippo.Consent, error) {
	today := a.Today()
	if r.On.IsZero() {
		r.On = today
	}
	if err := ippo.ValidateConsentRequest(&r, today); err != nil {
		return ippo.Consent{}, err
	}
	if _, err := a.DB.Worker(ctx, workerID); err != nil {
		return ippo.Consent{}, err
	}
	if _, err := a.DB.Agency(ctx, r.AgencyID); err != nil {
		if ippo.ErrorCode(err) == ippo.ENOTFOUND {
			err = ippo.Invalid([]ippo.FieldError{{Field: "agency_id", Message: "no such agency (GET /agencies lists them)"}})
		}
		return ippo.Consent{}, err
	}
	programAt := a.Clock.Program(time.Now())
	if r.Action == ippo.ConsentGive {
		return a.DB.GiveConsent(ctx, ippo.Consent{
			ID: uuid.NewString(), WorkerID: workerID, AgencyID: r.AgencyID, Purpose: r.Purpose, Items: r.Items,
			GivenOn: r.On, WordingVersion: r.WordingVersion, GivenBy: actor.Ref(),
		}, programAt)
	}
	out, err := a.DB.WithdrawConsent(ctx, workerID, r.AgencyID, r.Purpose, r.On, r.WordingVersion, actor.Ref(), programAt)
	if err != nil {
		return out, err
	}
	a.tellConsentWithdrawn(ctx, workerID, out.ID, actor.Ref())
	return out, nil
}

// tellConsentWithdrawn signals the worker's lifecycle. The withdrawal is
// already recorded, so the answer does not depend on it: a lifecycle that
// has completed has nothing left to stop, and one out of reach still
// cannot send a handoff the consent allowed (ProvideHandoff reads the
// consent when sending). What it would miss is no longer chasing an
// acknowledgement; that is logged for staff.
func (a *App) tellConsentWithdrawn(ctx context.Context, workerID, consentID, actor string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := a.Temporal.SignalWorkflow(ctx, workflows.WorkerWorkflowID(workerID), "", workflows.SignalConsentWithdrawn,
		workflows.ConsentWithdrawn{ConsentID: consentID, Actor: actor})
	var notFound *serviceerror.NotFound
	if err != nil && !errors.As(err, &notFound) {
		a.log().Error("consent withdrawn but the lifecycle was not told; staff should check its handoffs",
			"worker_id", workerID, "consent_id", consentID, "error", err.Error())
	}
}

// Handoffs lists the worker's handoffs with the records of what was
// provided, to whom and when (until each record's retention ends).
func (a *App) Handoffs(ctx context.Context, workerID string) ([]ippo.Handoff, error) {
	return a.DB.Handoffs(ctx, workerID)
}
