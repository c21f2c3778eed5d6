package console

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// scheduleRow is one weekday of the editable weekly grid: at most one slot
// a day, the common case; the API takes more.
type scheduleRow struct {
	Weekday    time.Weekday
	Start, End string
	Mode       string
}

// Monday first, as a week reads in Japan's workplaces.
var gridDays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

func slotField(d time.Weekday, part string) string { return fmt.Sprintf("slot-%d-%s", int(d), part) }

// scheduleGrid fills the grid from the schedule in force, or from a
// refused form.
func scheduleGrid(sched *ippo.Schedule, form url.Values) []scheduleRow {
	rows := make([]scheduleRow, 0, 7)
	for _, d := range gridDays {
		row := scheduleRow{Weekday: d}
		switch {
		case form != nil:
			row.Start, row.End, row.Mode = form.Get(slotField(d, "start")), form.Get(slotField(d, "end")), form.Get(slotField(d, "mode"))
		case sched != nil:
			for _, sl := range sched.Slots {
				if sl.Weekday == d {
					row.Start, row.End, row.Mode = sl.Start.String(), sl.End.String(), string(sl.Mode)
					break
				}
			}
		}
		rows = append(rows, row)
	}
	return rows
}

var reSlotField = regexp.MustCompile(`^slots\[(\d+)\](?:\.(\w+))?$`)

// declareSchedule records the worker's own declaration of their week.
func (s *Server) declareSchedule(w http.ResponseWriter, r *request) {
	if !s.workerOf(w, r) {
		return
	}
	var fields []string
	for _, d := range gridDays {
		fields = append(fields, slotField(d, "start"), slotField(d, "end"), slotField(d, "mode"))
	}
	if errs := textProblems(r.PostForm, 20, append(fields, "effective_from")...); errs != nil {
		s.renderWorker(w, r, http.StatusUnprocessableEntity, errs, nil, "schedule")
		return
	}
	var errs []fieldProblem
	from := s.App.Today()
	if v := strings.TrimSpace(r.PostForm.Get("effective_from")); v != "" {
		d, err := ippo.ParseDate(v)
		if err != nil {
			errs = append(errs, fieldProblem{Field: "effective_from", Label: "開始日", Message: "2026-04-01 のような形の日付を入力してください。"})
		}
		from = d
	}
	var (
		days  []time.Weekday // the weekday of each slot, to name its row
		slots []app.Slot
	)
	for _, d := range gridDays {
		mode := r.PostForm.Get(slotField(d, "mode"))
		if mode == "" {
			continue
		}
		slots = append(slots, app.Slot{Weekday: d, Start: strings.TrimSpace(r.PostForm.Get(slotField(d, "start"))),
			End: strings.TrimSpace(r.PostForm.Get(slotField(d, "end"))), Mode: ippo.WorkMode(mode)})
		days = append(days, d)
	}
	if errs != nil {
		s.renderWorker(w, r, http.StatusUnprocessableEntity, errs, nil, "schedule")
		return
	}
	if err := s.App.DeclareSchedule(r.Context(), r.Actor, r.WorkerID, from, slots); err != nil {
		errs, problem := problems(err)
		for i := range errs {
			errs[i] = scheduleProblem(errs[i], days)
		}
		switch {
		case errs != nil:
			s.renderWorker(w, r, http.StatusUnprocessableEntity, errs, nil, "schedule")
		case problem != nil:
			s.renderWorker(w, r, http.StatusConflict, nil, problem, "schedule")
		default:
			s.failure(w, r.Request, err)
		}
		return
	}
	stepDone(w, r, "schedule")
}

// scheduleProblem names a refused slot by its weekday row in the grid.
func scheduleProblem(p fieldProblem, days []time.Weekday) fieldProblem {
	m := reSlotField.FindStringSubmatch(p.Field)
	if m == nil {
		if p.Field == "slots" || p.Field == "effective_from" {
			p.Label = map[string]string{"slots": "週の予定", "effective_from": "開始日"}[p.Field]
			if p.Field == "slots" {
				p.Field = "schedule"
			}
		}
		return p
	}
	i, _ := strconv.Atoi(m[1])
	if i >= len(days) {
		return p
	}
	d := days[i]
	part := m[2]
	if part == "" || part == "weekday" {
		part = "mode"
	}
	p.Field, p.Label = slotField(d, part), weekdayJa(d)+"曜日"
	switch part {
	case "start":
		p.Label += "の開始"
	case "end":
		p.Label += "の終了"
	}
	return p
}

func weekdayJa(d time.Weekday) string {
	return [...]string{"日", "月", "火", "水", "木", "金", "土"}[d]
}
