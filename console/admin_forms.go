package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// 管理's forms beyond tokens: a policy version, a partner agency, and a
// month's close started by hand. Each calls the application; a refusal
// shows beside its field with what was typed kept.

var policyLabels = map[string]string{
	"effective_from":             "適用を始める日",
	"capacity":                   "定員",
	"weekly_cap_hours":           "週の予定の上限(時間)",
	"max_daily_hours":            "1日の作業記録の上限(時間)",
	"utilization_target_percent": "稼働率の目安(%)",
}

// policyFields are the values the form changes; every other value is
// carried over from the version in force on the new version's date.
var policyFields = []string{"capacity", "weekly_cap_hours", "max_daily_hours", "utilization_target_percent"}

// adminRefused shows 管理 again with the problems beside the fields and
// what was typed kept; anything else is a general failure page.
func (s *Server) adminRefused(w http.ResponseWriter, r *request, err error, labels map[string]string, field string) {
	errs, problem := problems(err)
	if problem != nil {
		errs = []fieldProblem{{Field: field, Label: labels[field], Message: problem.Message}}
	}
	if errs == nil {
		s.failure(w, r.Request, err)
		return
	}
	for i := range errs {
		errs[i].Field = strings.TrimPrefix(errs[i].Field, "policy.")
		if l, ok := labels[errs[i].Field]; ok {
			errs[i].Label = l
		}
	}
	status := http.StatusUnprocessableEntity
	if problem != nil {
		status = http.StatusConflict
	}
	s.renderAdmin(w, r, status, adminView{Form: r.PostForm}, errs...)
}

// addPolicyVersion adds a policy version. An empty date is today as the
// server reads it, so a compressed program day never races the form.
func (s *Server) addPolicyVersion(w http.ResponseWriter, r *request) {
	if errs := textProblems(r.PostForm, 20, append([]string{"effective_from"}, policyFields...)...); errs != nil {
		s.renderAdmin(w, r, http.StatusUnprocessableEntity, adminView{Form: r.PostForm}, errs...)
		return
	}
	var errs []fieldProblem
	var from ippo.Date // zero: today, which the application reads when it adds the version
	if v := strings.TrimSpace(r.PostForm.Get("effective_from")); v != "" {
		d, err := ippo.ParseDate(v)
		if err != nil {
			errs = append(errs, fieldProblem{Field: "effective_from", Label: policyLabels["effective_from"], Message: "2026-04-01 のような形の日付を入力してください。空欄なら今日からです。"})
		}
		from = d
	}
	state, err := s.App.Policy(r.Context())
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	on := from
	if on.IsZero() {
		on = state.Today
	}
	p := ippo.PolicyAt(state.Versions, on)
	p.Wages = append(ippo.WageTable(nil), p.Wages...)
	number := func(field string, set func(float64)) {
		v := strings.TrimSpace(r.PostForm.Get(field))
		if v == "" {
			return // unchanged
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n != n || n < -1e6 || n > 1e6 {
			errs = append(errs, fieldProblem{Field: field, Label: policyLabels[field], Message: "数を入力してください。"})
			return
		}
		set(n)
	}
	integer := func(field string, set func(int)) {
		number(field, func(n float64) {
			if n != float64(int(n)) {
				errs = append(errs, fieldProblem{Field: field, Label: policyLabels[field], Message: "整数を入力してください。"})
				return
			}
			set(int(n))
		})
	}
	integer("capacity", func(n int) { p.Capacity = n })
	number("weekly_cap_hours", func(n float64) { p.WeeklyCapHours = n })
	number("max_daily_hours", func(n float64) { p.MaxDailyHours = n })
	integer("utilization_target_percent", func(n int) { p.UtilizationTargetPercent = n })
	if errs != nil {
		s.renderAdmin(w, r, http.StatusUnprocessableEntity, adminView{Form: r.PostForm}, errs...)
		return
	}
	if err := s.App.PutPolicy(r.Context(), r.Actor, ippo.PolicyVersion{EffectiveFrom: from, Policy: p}); err != nil {
		s.adminRefused(w, r, err, policyLabels, "effective_from")
		return
	}
	http.Redirect(w, r.Request, "/console/admin?done=policy", http.StatusSeeOther)
}

var agencyLabels = map[string]string{"agency_name": "機関の名前", "agency_kind": "種類", "agency_email": "連絡先のメールアドレス", "agency_description": "説明"}

// addAgency adds a partner agency. The form's fields carry a prefix so
// they do not meet the token form's name field.
func (s *Server) addAgency(w http.ResponseWriter, r *request) {
	if errs := checkTexts(r.PostForm, textRule{"agency_name", agencyLabels["agency_name"], 200, false}, textRule{"agency_kind", agencyLabels["agency_kind"], 100, false},
		textRule{"agency_email", agencyLabels["agency_email"], 200, false}, textRule{"agency_description", agencyLabels["agency_description"], ippo.MaxNoteLength, true}); errs != nil {
		s.renderAdmin(w, r, http.StatusUnprocessableEntity, adminView{Form: r.PostForm}, errs...)
		return
	}
	_, err := s.App.CreateAgency(r.Context(), r.Actor, app.Agency{Name: r.PostForm.Get("agency_name"), Kind: strings.TrimSpace(r.PostForm.Get("agency_kind")),
		Email: r.PostForm.Get("agency_email"), Description: r.PostForm.Get("agency_description")})
	if err != nil {
		var e *ippo.Error
		if errors.As(err, &e) {
			for i := range e.Fields {
				e.Fields[i].Field = "agency_" + e.Fields[i].Field
			}
		}
		s.adminRefused(w, r, err, agencyLabels, "agency_name")
		return
	}
	http.Redirect(w, r.Request, "/console/admin?done=agency", http.StatusSeeOther)
}

// startClose starts a month's close by hand (the timer starts it on the
// first of the next month; this is for a close that must run again).
func (s *Server) startClose(w http.ResponseWriter, r *request) {
	m, err := ippo.ParseYearMonth(strings.TrimSpace(r.PostForm.Get("month")))
	if err != nil {
		s.renderAdmin(w, r, http.StatusUnprocessableEntity, adminView{Form: r.PostForm},
			fieldProblem{Field: "month", Label: "締める月", Message: "一覧から月を選んでください。"})
		return
	}
	if _, err := s.App.StartClose(r.Context(), r.Actor, m); err != nil {
		if ippo.ErrorCode(err) == ippo.ECONFLICT {
			s.renderAdmin(w, r, http.StatusConflict, adminView{Form: r.PostForm},
				fieldProblem{Field: "month", Label: "締める月", Message: m.Japanese() + "の締めはいま進んでいます。終わるまでお待ちください。"})
			return
		}
		s.adminRefused(w, r, err, map[string]string{"month": "締める月"}, "month")
		return
	}
	http.Redirect(w, r.Request, "/console/admin?done=close", http.StatusSeeOther)
}

// adminNotices confirm a form on 管理 after it was taken (?done=).
var adminNotices = map[string]string{
	"policy": "ポリシーの新しい版を追加しました。適用を始める日から使われます。",
	"agency": "関係機関を追加しました。",
	"close":  "月の締めを始めました。明細ができると、レポートに表示されます。",
}

// policyValue is a field's value in force, shown as the input's
// placeholder.
func policyValue(p ippo.Policy, field string) string {
	switch field {
	case "capacity":
		return strconv.Itoa(p.Capacity)
	case "weekly_cap_hours":
		return strconv.FormatFloat(p.WeeklyCapHours, 'f', -1, 64)
	case "max_daily_hours":
		return strconv.FormatFloat(p.MaxDailyHours, 'f', -1, 64)
	case "utilization_target_percent":
		return strconv.Itoa(p.UtilizationTargetPercent)
	}
	return ""
}
