package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// The worker page's record forms: an absence (a day off, a late start, an
// early leave), a work log, and the days of other services. They are
// records, not lifecycle steps: the application checks them and the store
// checks the worker's phase. Their fields carry a prefix (absence_,
// log_) so a refusal shows beside this form and not beside another
// form's field of the same name.

// textRule is a free-text field of a form and its limits (ippo.CheckText).
type textRule struct {
	field, label string
	max          int
	multiline    bool
}

// checkTexts applies the text rules every face shares to what was typed,
// in Japanese beside the field.
func checkTexts(form map[string][]string, rules ...textRule) []fieldProblem {
	var out []fieldProblem
	for _, r := range rules {
		for _, v := range form[r.field] {
			if e := ippo.CheckText(v, r.max, r.multiline); e != nil {
				out = append(out, fieldProblem{Field: r.field, Label: r.label, Message: e.Japanese()})
				break
			}
		}
	}
	return out
}

// prefixed renames the application's field names to the form's.
func prefixed(errs []fieldProblem, prefix string, labels map[string]string) []fieldProblem {
	for i := range errs {
		if l, ok := labels[errs[i].Field]; ok {
			errs[i].Label = l
		}
		errs[i].Field = prefix + errs[i].Field
	}
	return errs
}

var absenceLabels = map[string]string{"date": "お休みの日", "kind": "連絡の種類", "from": "始める時刻", "until": "終える時刻", "reason": "理由"}

// recordAbsence records a day off, a late start or an early leave.
func (s *Server) recordAbsence(w http.ResponseWriter, r *request) {
	s.workerStep(w, r, "absence", []string{"absence_date", "absence_kind", "absence_time"}, func() ([]fieldProblem, error) {
		if errs := checkTexts(r.PostForm, textRule{"absence_reason", absenceLabels["reason"], ippo.MaxNoteLength, true}); errs != nil {
			return errs, nil
		}
		date, errs := formDate(r, "absence_date", "")
		if errs != nil {
			errs[0].Label = absenceLabels["date"]
			return errs, nil
		}
		if date.IsZero() {
			date = s.App.Today() // the program's today: nothing races the clock
		}
		in := app.Absence{Date: date, Kind: ippo.AbsenceKind(r.PostForm.Get("absence_kind")), Reason: strings.TrimSpace(r.PostForm.Get("absence_reason")),
			Key: r.stepID()} // the form's key: sent twice, it records once
		t := strings.TrimSpace(r.PostForm.Get("absence_time"))
		switch in.Kind {
		case ippo.AbsenceLate:
			in.From = &t
		case ippo.AbsenceEarlyLeave:
			in.Until = &t
		}
		if in.Kind != ippo.AbsenceAbsent && in.Kind.Valid() && t == "" {
			return []fieldProblem{{Field: "absence_time", Label: "時刻", Message: "遅れて始めるとき・早めに終えるときは、時刻を入れてください(例: 13:00)。"}}, nil
		}
		_, err := s.App.RecordAbsence(r.Context(), r.Actor, r.WorkerID, in)
		if errs, _ := problems(err); errs != nil {
			for i := range errs {
				if errs[i].Field == "from" || errs[i].Field == "until" {
					errs[i].Field = "time" // one time field on the form
				}
			}
			return prefixed(errs, "absence_", map[string]string{"time": "時刻", "date": "お休みの日", "kind": "連絡の種類", "reason": "理由"}), nil
		}
		return nil, err
	})
}

var workLogLabels = map[string]string{"date": "作業した日", "hours": "時間", "task_id": "案件", "output": "成果", "quality": "メモ"}

// recordWorkLog logs work done on a day.
func (s *Server) recordWorkLog(w http.ResponseWriter, r *request) {
	s.workerStep(w, r, "worklog", []string{"log_date", "log_hours", "log_task_id", "log_output"}, func() ([]fieldProblem, error) {
		if errs := checkTexts(r.PostForm, textRule{"log_quality", workLogLabels["quality"], ippo.MaxNoteLength, true}); errs != nil {
			return errs, nil
		}
		date, errs := formDate(r, "log_date", "")
		if errs != nil {
			errs[0].Label = workLogLabels["date"]
			return errs, nil
		}
		if date.IsZero() {
			date = s.App.Today()
		}
		hours, err := strconv.ParseFloat(strings.TrimSpace(r.PostForm.Get("log_hours")), 64)
		if err != nil || hours != hours {
			errs = append(errs, fieldProblem{Field: "log_hours", Label: workLogLabels["hours"], Message: "1.5 のような数で、時間を入力してください。"})
		}
		output := 0
		if v := strings.TrimSpace(r.PostForm.Get("log_output")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 1_000_000 {
				errs = append(errs, fieldProblem{Field: "log_output", Label: workLogLabels["output"], Message: "0から1000000までの整数を入力してください。"})
			}
			output = n
		}
		if errs != nil {
			return errs, nil
		}
		_, err = s.App.RecordWorkLog(r.Context(), r.Actor, r.WorkerID, app.WorkLog{Date: date, Hours: hours, TaskID: r.PostForm.Get("log_task_id"),
			Output: output, Quality: strings.TrimSpace(r.PostForm.Get("log_quality")), Late: r.PostForm.Get("log_late") == "yes",
			Key: r.stepID()}) // the form's key: sent twice, it records once
		if errs, _ := problems(err); errs != nil {
			return prefixed(errs, "log_", workLogLabels), nil
		}
		return nil, err
	})
}

// serviceField is one checkbox of the other-services grid.
func serviceField(k ippo.OtherServiceKind, d time.Weekday) string {
	return "svc-" + string(k) + "-" + strconv.Itoa(int(d))
}

// otherServiceRow is one service of the grid, with its days ticked.
type otherServiceRow struct {
	Kind ippo.OtherServiceKind
	Days []otherServiceDay
}

type otherServiceDay struct {
	Weekday time.Weekday
	Field   string
	Checked bool
}

// otherServiceGrid shows the services recorded, or a refused form.
func otherServiceGrid(services []ippo.OtherService, form map[string][]string) []otherServiceRow {
	var rows []otherServiceRow
	for _, k := range []ippo.OtherServiceKind{ippo.ServiceContinuationB, ippo.ServiceTransition} {
		row := otherServiceRow{Kind: k}
		for _, d := range gridDays {
			day := otherServiceDay{Weekday: d, Field: serviceField(k, d)}
			if form != nil {
				day.Checked = len(form[day.Field]) > 0
			} else {
				for _, s := range services {
					if s.Kind == k {
						for _, sd := range s.Weekdays {
							day.Checked = day.Checked || sd == d
						}
					}
				}
			}
			row.Days = append(row.Days, day)
		}
		rows = append(rows, row)
	}
	return rows
}

// putOtherServices records the days the worker uses other services; none
// ticked clears them.
func (s *Server) putOtherServices(w http.ResponseWriter, r *request) {
	s.workerStep(w, r, "services", nil, func() ([]fieldProblem, error) {
		var services []ippo.OtherService
		for _, row := range otherServiceGrid(nil, r.PostForm) {
			var days []time.Weekday
			for _, d := range row.Days {
				if d.Checked {
					days = append(days, d.Weekday)
				}
			}
			if days != nil {
				services = append(services, ippo.OtherService{Kind: row.Kind, Weekdays: days})
			}
		}
		err := s.App.PutOtherServices(r.Context(), r.Actor, r.WorkerID, services)
		if errs, _ := problems(err); errs != nil {
			for i := range errs {
				errs[i].Field, errs[i].Label = "other_services", "ほかのサービスの利用日"
			}
			return errs, nil
		}
		return nil, err
	})
}
