package console

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// textProblems checks what a person typed before anything else reads it,
// with the text rules every face shares (ippo.CheckText: readable UTF-8,
// no NUL or other control characters — line breaks only in the free-text
// boxes —, no bidirectional formatting, at most max characters), each
// problem in Japanese beside its field. Emoji are text like any other.
func textProblems(form map[string][]string, max int, fields ...string) []fieldProblem {
	rules := make([]textRule, len(fields))
	for i, f := range fields {
		rules[i] = textRule{field: f, label: labelOf(f), max: max, multiline: multilineFields[f]}
	}
	return checkTexts(form, rules...)
}

// multilineFields are the forms' free-text boxes, where a line break is
// text (the notes the application keeps).
var multilineFields = map[string]bool{
	"reason": true, "comment": true, "description": true, "handoff_notes": true, "note": true, "absence_reason": true,
}

// stepDone sends the browser back to the worker page with a confirmation
// (Post/Redirect/Get: a reload never sends the form again).
func stepDone(w http.ResponseWriter, r *request, done string) {
	http.Redirect(w, r.Request, "/console/workers/"+r.WorkerID+"?done="+done, http.StatusSeeOther)
}

// stepFailed shows the worker page again with the refusal beside the form
// and what was typed kept.
func (s *Server) stepFailed(w http.ResponseWriter, r *request, form string, err error) {
	errs, problem := problems(err)
	switch {
	case errs != nil:
		s.renderWorker(w, r, http.StatusUnprocessableEntity, errs, nil, form)
	case problem != nil:
		s.renderWorker(w, r, http.StatusConflict, nil, problem, form)
	default:
		s.failure(w, r.Request, err)
	}
}

func (s *Server) workerOf(w http.ResponseWriter, r *request) bool {
	id := r.PathValue("id")
	if !isUUID(id) {
		s.message(w, r.Request, http.StatusNotFound, "見つかりません", "このワーカーは見つかりませんでした。")
		return false
	}
	r.WorkerID = strings.ToLower(id)
	return true
}

// workerStep takes a step from a form on the worker page (form names it,
// and the confirmation after it): what was typed into textFields is
// checked first, then run parses the rest and calls the application. A
// form problem (from run) or a refusal (its error) shows the page again
// with the problem beside the field and what was typed kept.
func (s *Server) workerStep(w http.ResponseWriter, r *request, form string, textFields []string, run func() ([]fieldProblem, error)) {
	if !s.workerOf(w, r) {
		return
	}
	if errs := textProblems(r.PostForm, 2000, textFields...); errs != nil {
		s.renderWorker(w, r, http.StatusUnprocessableEntity, errs, nil, form)
		return
	}
	errs, err := run()
	switch {
	case errs != nil:
		s.renderWorker(w, r, http.StatusUnprocessableEntity, errs, nil, form)
	case err != nil:
		s.stepFailed(w, r, form, err)
	default:
		stepDone(w, r, form)
	}
}

// formDate reads an optional date field (empty: zero).
func formDate(r *request, field, hint string) (ippo.Date, []fieldProblem) {
	v := strings.TrimSpace(r.PostForm.Get(field))
	if v == "" {
		return ippo.Date{}, nil
	}
	d, err := ippo.ParseDate(v)
	if err != nil {
		return d, []fieldProblem{{Field: field, Label: labelOf(field), Message: "2026-04-01 のような形の日付を入力してください。" + hint}}
	}
	return d, nil
}

func (s *Server) decideEligibility(w http.ResponseWriter, r *request) {
	s.workerStep(w, r, "eligibility", []string{"reason"}, func() ([]fieldProblem, error) {
		decision := r.PostForm.Get("decision")
		if decision != "approve" && decision != "reject" {
			return []fieldProblem{{Field: "decision", Label: labelOf("decision"), Message: "「承認する」か「承認しない」を選んでください。"}}, nil
		}
		_, err := s.App.DecideEligibility(r.Context(), r.Actor, r.WorkerID, r.stepID(), app.EligibilityDecision{Approve: decision == "approve", Reason: r.PostForm.Get("reason")})
		return nil, err
	})
}

func (s *Server) signContract(w http.ResponseWriter, r *request) {
	s.workerStep(w, r, "contract", nil, func() ([]fieldProblem, error) {
		on, errs := formDate(r, "signed_on", "空欄なら今日の日付になります。")
		if errs != nil {
			return errs, nil
		}
		_, err := s.App.SignContract(r.Context(), r.Actor, r.WorkerID, r.stepID(), app.Contract{SignedOn: on})
		return nil, err
	})
}

func (s *Server) endContract(w http.ResponseWriter, r *request) {
	s.workerStep(w, r, "non-renewal", []string{"reason"}, func() ([]fieldProblem, error) {
		by := r.PostForm.Get("by")
		if by != app.ByCenter && by != app.ByWorker {
			return []fieldProblem{{Field: "by", Label: labelOf("by"), Message: "「センター」か「本人」から選んでください。"}}, nil
		}
		ends, errs := formDate(r, "ends_on", "")
		if errs != nil {
			return errs, nil
		}
		_, err := s.App.EndContract(r.Context(), r.Actor, r.WorkerID, r.stepID(), app.NonRenewal{By: by, EndsOn: ends, Reason: r.PostForm.Get("reason")})
		return nil, err
	})
}

func (s *Server) withdraw(w http.ResponseWriter, r *request) {
	s.workerStep(w, r, "withdrawal", []string{"reason"}, func() ([]fieldProblem, error) {
		_, err := s.App.Withdraw(r.Context(), r.Actor, r.WorkerID, r.stepID(), app.Withdrawal{Reason: r.PostForm.Get("reason")})
		return nil, err
	})
}

func (s *Server) recordAssessment(w http.ResponseWriter, r *request) {
	s.workerStep(w, r, "assessment", []string{"comment"}, func() ([]fieldProblem, error) {
		a := ippo.Assessment{By: ippo.Assessor(r.PostForm.Get("by")), Comment: strings.TrimSpace(r.PostForm.Get("comment"))}
		var errs []fieldProblem
		for _, d := range ippo.Dimensions {
			field := "scores." + string(d)
			v := r.PostForm.Get(field)
			if v == "" {
				continue // the rules name a missing score
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < ippo.MinScore || n > ippo.MaxScore {
				errs = append(errs, fieldProblem{Field: field, Label: d.Japanese(), Message: "1から5のうち、ひとつを選んでください。"})
				continue
			}
			a.Scores.Set(d, n)
		}
		if errs != nil {
			return errs, nil
		}
		_, err := s.App.RecordAssessment(r.Context(), r.Actor, r.WorkerID, r.stepID(), a)
		return nil, err
	})
}

// completeTodo marks a staff to-do done (from 今日).
func (s *Server) completeTodo(w http.ResponseWriter, r *request) {
	id := r.PathValue("id")
	if !isUUID(id) {
		s.message(w, r.Request, http.StatusNotFound, "見つかりません", "このやることは見つかりませんでした。")
		return
	}
	if err := s.App.CompleteStaffTodo(r.Context(), r.Actor, id); err != nil {
		s.failure(w, r.Request, err)
		return
	}
	http.Redirect(w, r.Request, "/console/?done=todo", http.StatusSeeOther)
}

// resendEmail sends one of the worker's emails again (it failed, bounced,
// or nobody knows whether it arrived): a copy queued for the dispatcher,
// linked to the first (app.ResendEmail).
func (s *Server) resendEmail(w http.ResponseWriter, r *request) {
	id, emailID := strings.ToLower(r.PathValue("id")), strings.ToLower(r.PathValue("email"))
	if !isUUID(id) || !isUUID(emailID) {
		s.message(w, r.Request, http.StatusNotFound, "見つかりません", "このメールは見つかりませんでした。")
		return
	}
	e, _, err := s.App.OutboxEmail(r.Context(), emailID)
	if err == nil && e.WorkerID != id {
		err = ippo.Errorf(ippo.ENOTFOUND, "email %s is not worker %s's", emailID, id)
	}
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	r.WorkerID = id
	if _, err := s.App.ResendEmail(r.Context(), r.Actor, emailID); err != nil {
		if ippo.ErrorCode(err) == ippo.ECONFLICT {
			s.message(w, r.Request, http.StatusConflict, "このメールは再送できません",
				"このメールはすでに再送されているか、届いている(または送る途中の)メールです。同じメールが二通届かないよう、再送はしていません。"+
					"ワーカーのページのメール欄で、いまの状況をお確かめください。")
			return
		}
		s.failure(w, r.Request, err)
		return
	}
	stepDone(w, r, "resend")
}

// stepID is the lifecycle step's id for this form: the form's random key,
// so a form sent twice (a double click, a reload) is one step. Without a
// key (a hand-made request) every request is its own step.
func (r *request) stepID() string {
	key := r.PostForm.Get("step_key")
	if key == "" || len(key) > 64 || !utf8.ValidString(key) {
		return ""
	}
	return app.StepKey(r.Actor, "console/"+key)
}
