package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// Schedules, other services, absences, tasks and work logs are records
// kept in PostgreSQL, not lifecycle steps: their handlers call the store,
// which checks the worker's phase in the read model, and they show on the
// worker's timeline. None goes through the workflow.

// GetSchedule returns the worker's declared schedule and other services.
func (s *Server) GetSchedule(c *gin.Context, id WorkerID) {
	s.renderSchedule(c, id.String())
}

// PutSchedule declares the worker's weekly schedule from a date.
func (s *Server) PutSchedule(c *gin.Context, id WorkerID) {
	var in ScheduleInput
	if !bindJSON(c, &in) {
		return
	}
	slots := make([]app.Slot, len(in.Slots))
	for i, sl := range in.Slots {
		wd, _ := ippo.ParseWeekday(string(sl.Weekday)) // the document's enum has checked the name
		slots[i] = app.Slot{Weekday: wd, Start: sl.Start, End: sl.End, Mode: ippo.WorkMode(sl.Mode)}
	}
	actor, _ := actorOf(c)
	if err := s.app().DeclareSchedule(c.Request.Context(), actor, id.String(), in.EffectiveFrom, slots); err != nil {
		fail(c, err)
		return
	}
	s.renderSchedule(c, id.String())
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
	if err := s.app().PutOtherServices(c.Request.Context(), actor, id.String(), services); err != nil {
		fail(c, err)
		return
	}
	s.renderSchedule(c, id.String())
}

// renderSchedule answers with the worker's schedule state.
func (s *Server) renderSchedule(c *gin.Context, workerID string) {
	in, err := s.app().Schedule(c.Request.Context(), workerID)
	if err != nil {
		fail(c, err)
		return
	}
	st := ScheduleState{Today: in.Today, WeeklyCapHours: in.WeeklyCapHours, Versions: []ScheduleVersion{}, OtherServices: []OtherService{}}
	for i, v := range in.Versions {
		st.Versions = append(st.Versions, scheduleVersionOf(v))
		if in.InForce == &in.Versions[i] {
			st.InForce = &st.Versions[i]
		}
	}
	for _, sv := range in.OtherServices {
		o := OtherService{Service: OtherServiceService(sv.Kind), Weekdays: []Weekday{}}
		for _, d := range sv.Weekdays {
			o.Weekdays = append(o.Weekdays, Weekday(ippo.WeekdayName(d)))
		}
		st.OtherServices = append(st.OtherServices, o)
	}
	c.JSON(http.StatusOK, st)
}

func scheduleVersionOf(v app.ScheduleVersion) ScheduleVersion {
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
	items, err := s.app().Absences(c.Request.Context(), id.String(), m)
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
	actor, _ := actorOf(c)
	r, err := s.app().RecordAbsence(c.Request.Context(), actor, id.String(),
		app.Absence{Date: in.Date, Kind: ippo.AbsenceKind(in.Kind), From: in.From, Until: in.Until, Reason: deref(in.Reason)})
	answer(c, http.StatusCreated, r, err)
}

// ListWorkLogs lists the worker's work logs.
func (s *Server) ListWorkLogs(c *gin.Context, id WorkerID, params ListWorkLogsParams) {
	m, err := monthParam(params.Month)
	if err != nil {
		fail(c, err)
		return
	}
	items, err := s.app().WorkLogs(c.Request.Context(), id.String(), m)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// RecordWorkLog logs work done on a day.
func (s *Server) RecordWorkLog(c *gin.Context, id WorkerID, _ RecordWorkLogParams) {
	var in WorkLogInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	r, err := s.app().RecordWorkLog(c.Request.Context(), actor, id.String(), app.WorkLog{Date: in.Date, Hours: in.Hours,
		TaskID: in.TaskId, Output: deref(in.Output), Quality: deref(in.Quality), Late: deref(in.Late)})
	answer(c, http.StatusCreated, r, err)
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
