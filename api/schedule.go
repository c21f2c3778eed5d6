package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
)

// Schedules, other services, absences, tasks and work logs are records
// kept in PostgreSQL, not lifecycle steps: their handlers call the store,
// which checks the worker's phase in the read model, and they show on the
// worker's timeline. None goes through the workflow.

// GetSchedule returns the worker's declared schedule and other services.
func (s *Server) GetSchedule(c *gin.Context, id WorkerID) {
	st, err := s.scheduleState(c.Request.Context(), id.String())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// PutSchedule declares the worker's weekly schedule from a date.
func (s *Server) PutSchedule(c *gin.Context, id WorkerID) {
	var in ScheduleInput
	if !bindJSON(c, &in) {
		return
	}
	sched, err := scheduleOf(in)
	if err != nil {
		fail(c, err)
		return
	}
	actor, _ := actorOf(c)
	ctx := c.Request.Context()
	if _, err := s.DB.DeclareSchedule(ctx, id.String(), sched, s.today(), actor.Ref()); err != nil {
		fail(c, err)
		return
	}
	st, err := s.scheduleState(ctx, id.String())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// PutOtherServices records the other services the worker uses.
func (s *Server) PutOtherServices(c *gin.Context, id WorkerID) {
	var in OtherServicesInput
	if !bindJSON(c, &in) {
		return
	}
	services := make([]ippo.OtherService, len(in.Services))
	for i, sv := range in.Services {
		services[i].Kind = ippo.OtherServiceKind(sv.Service)
		for _, d := range sv.Weekdays {
			wd, _ := ippo.ParseWeekday(string(d)) // the document's enum has checked the name
			services[i].Weekdays = append(services[i].Weekdays, wd)
		}
	}
	actor, _ := actorOf(c)
	ctx := c.Request.Context()
	if err := s.DB.PutOtherServices(ctx, id.String(), services, actor.Ref()); err != nil {
		fail(c, err)
		return
	}
	st, err := s.scheduleState(ctx, id.String())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// scheduleOf reads a declaration, naming each time that is not one.
func scheduleOf(in ScheduleInput) (ippo.Schedule, error) {
	sched := ippo.Schedule{EffectiveFrom: in.EffectiveFrom, Slots: make([]ippo.Slot, len(in.Slots))}
	var f ippo.Fields
	for i, sl := range in.Slots {
		wd, _ := ippo.ParseWeekday(string(sl.Weekday))
		start, err := ippo.ParseTimeOfDay(sl.Start)
		if err != nil {
			f.Add(fmt.Sprintf("slots[%d].start", i), "must be a time of day HH:MM between 00:00 and 24:00")
		}
		end, err := ippo.ParseTimeOfDay(sl.End)
		if err != nil {
			f.Add(fmt.Sprintf("slots[%d].end", i), "must be a time of day HH:MM between 00:00 and 24:00")
		}
		sched.Slots[i] = ippo.Slot{Weekday: wd, Start: start, End: end, Mode: ippo.WorkMode(sl.Mode)}
	}
	return sched, f.Err()
}

func (s *Server) scheduleState(ctx context.Context, workerID string) (ScheduleState, error) {
	versions, err := s.DB.Schedules(ctx, workerID)
	if err != nil {
		return ScheduleState{}, err
	}
	services, err := s.DB.OtherServices(ctx, workerID)
	if err != nil {
		return ScheduleState{}, err
	}
	today := s.today()
	p, err := s.DB.PolicyAt(ctx, today)
	if err != nil {
		return ScheduleState{}, err
	}
	st := ScheduleState{Today: today, WeeklyCapHours: p.WeeklyCapHours, Versions: []ScheduleVersion{}, OtherServices: []OtherService{}}
	var all ippo.Schedules
	for _, v := range versions {
		st.Versions = append(st.Versions, scheduleVersionOf(v))
		all = append(all, v.Schedule)
	}
	if in, ok := all.InForce(today); ok {
		for i, v := range versions {
			if v.EffectiveFrom == in.EffectiveFrom {
				st.InForce = &st.Versions[i] // the latest of a date wins, as in InForce
			}
		}
	}
	for _, sv := range services {
		o := OtherService{Service: OtherServiceService(sv.Kind), Weekdays: []Weekday{}}
		for _, d := range sv.Weekdays {
			o.Weekdays = append(o.Weekdays, Weekday(ippo.WeekdayName(d)))
		}
		st.OtherServices = append(st.OtherServices, o)
	}
	return st, nil
}

func scheduleVersionOf(v postgres.ScheduleVersion) ScheduleVersion {
	out := ScheduleVersion{
		EffectiveFrom: v.EffectiveFrom, Slots: make([]ScheduleSlot, len(v.Slots)),
		WeeklyMinutes: v.WeeklyMinutes(), WeeklyHours: v.WeeklyHours(),
		DeclaredAt: v.DeclaredAt, DeclaredBy: v.DeclaredBy,
	}
	for i, sl := range v.Slots {
		out.Slots[i] = ScheduleSlot{Weekday: Weekday(ippo.WeekdayName(sl.Weekday)), Start: sl.Start.String(), End: sl.End.String(), Mode: ScheduleSlotMode(sl.Mode)}
	}
	return out
}

// ListAbsences lists the worker's absences, late starts and early leaves.
func (s *Server) ListAbsences(c *gin.Context, id WorkerID, params ListAbsencesParams) {
	m, err := monthParam(params.Month)
	if err != nil {
		fail(c, err)
		return
	}
	items, err := s.DB.Absences(c.Request.Context(), id.String(), m)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// RecordAbsence records a day off, a late start or an early leave.
func (s *Server) RecordAbsence(c *gin.Context, id WorkerID, _ RecordAbsenceParams) {
	var in AbsenceInput
	if !bindJSON(c, &in) {
		return
	}
	a := ippo.Absence{Date: in.Date, Kind: ippo.AbsenceKind(in.Kind), Reason: deref(in.Reason)}
	var f ippo.Fields
	for _, t := range []struct {
		field string
		in    *string
		out   **ippo.TimeOfDay
	}{{"from", in.From, &a.From}, {"until", in.Until, &a.Until}} {
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
		fail(c, err)
		return
	}
	actor, _ := actorOf(c)
	r, err := s.DB.RecordAbsence(c.Request.Context(), id.String(), a, actor.Ref())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, r)
}

// workLogJSON is a work log with its hours as a decimal.
type workLogJSON struct {
	postgres.WorkLogRecord
	Hours float64 `json:"hours"`
}

func workLogOf(r postgres.WorkLogRecord) workLogJSON {
	return workLogJSON{WorkLogRecord: r, Hours: float64(r.Minutes) / 60}
}

// ListWorkLogs lists the worker's work logs.
func (s *Server) ListWorkLogs(c *gin.Context, id WorkerID, params ListWorkLogsParams) {
	m, err := monthParam(params.Month)
	if err != nil {
		fail(c, err)
		return
	}
	logs, err := s.DB.WorkLogs(c.Request.Context(), id.String(), m)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]workLogJSON, len(logs))
	for i, l := range logs {
		items[i] = workLogOf(l)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// RecordWorkLog logs work done on a day.
func (s *Server) RecordWorkLog(c *gin.Context, id WorkerID, _ RecordWorkLogParams) {
	var in WorkLogInput
	if !bindJSON(c, &in) {
		return
	}
	minutes, err := ippo.HoursToMinutes(in.Hours)
	if err != nil {
		fail(c, err)
		return
	}
	w := ippo.WorkLog{Date: in.Date, Minutes: minutes, TaskID: strings.TrimSpace(in.TaskId), Output: deref(in.Output), Quality: deref(in.Quality),
		Late: deref(in.Late)}
	actor, _ := actorOf(c)
	r, err := s.DB.RecordWorkLog(c.Request.Context(), id.String(), w, s.today(), actor.Ref())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, workLogOf(r))
}

// monthParam reads an optional month query parameter (YYYY-MM).
func monthParam(p *string) (*ippo.YearMonth, error) {
	if p == nil {
		return nil, nil
	}
	m, err := ippo.ParseYearMonth(*p)
	if err != nil {
		return nil, ippo.Invalid([]ippo.FieldError{{Field: "month", Message: err.Error()}})
	}
	return &m, nil
}
