package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ippo-center/ippo"
)

// intakeFields are the intake form's text fields, in the form's order (the
// error summary lists problems in this order too).
var intakeFields = []string{"name", "name_kana", "email", "municipality_code", "category", "recognized_by_doctor",
	"disability_types", "withdrawn_since", "supporting_body", "consent.given_on", "consent.wording_version"}

type intakeView struct {
	Form  url.Values
	Types []ippo.DisabilityType
}

// Has reports whether a multi-valued field holds v (checkboxes).
func (v intakeView) Has(field, value string) bool {
	for _, x := range v.Form[field] {
		if x == value {
			return true
		}
	}
	return false
}

func (s *Server) intakePage(w http.ResponseWriter, r *request) {
	form := url.Values{}
	if p, err := s.App.Policy(r.Context()); err == nil {
		form.Set("municipality_code", p.InForce.MunicipalityCode)
	}
	form.Set("consent.given_on", s.App.Today().String())
	s.renderIntake(w, r, http.StatusOK, form, nil)
}

func (s *Server) renderIntake(w http.ResponseWriter, r *request, status int, form url.Values, errs []fieldProblem) {
	// The summary follows the form's order, whatever order the rules ran in.
	order := map[string]int{}
	for i, f := range intakeFields {
		order[f] = i
	}
	sorted := make([]fieldProblem, 0, len(errs))
	for i := range intakeFields {
		for _, e := range errs {
			if order[e.Field] == i {
				sorted = append(sorted, e)
			}
		}
	}
	for _, e := range errs {
		if _, ok := order[e.Field]; !ok {
			sorted = append(sorted, e)
		}
	}
	p := s.page(r, "新規登録", "intake", intakeView{Form: form, Types: ippo.DisabilityTypes})
	p.Errors = sorted
	if len(sorted) > 0 {
		p.Title = "入力内容をお確かめください: 新規登録"
	}
	s.render(w, r.Request, status, "intake", p)
}

// intake registers an applicant. A refused form comes back with what was
// typed and every problem beside its field.
func (s *Server) intake(w http.ResponseWriter, r *request) {
	form := r.PostForm
	// Text that breaks the shared rules goes no further than this check;
	// the other fields are still checked below, so the page names every
	// rule that fails at once.
	text := textProblems(form, 200, intakeFields...)
	var errs []fieldProblem
	date := func(field string) ippo.Date {
		v := strings.TrimSpace(form.Get(field))
		if v == "" {
			return ippo.Date{}
		}
		d, err := ippo.ParseDate(v)
		if err != nil {
			errs = append(errs, fieldProblem{Field: field, Label: labelOf(field), Message: "2026-04-01 のような形の日付を入力してください。"})
		}
		return d
	}
	a := ippo.Applicant{
		Name:                   form.Get("name"),
		NameKana:               form.Get("name_kana"),
		Email:                  form.Get("email"),
		MunicipalityCode:       form.Get("municipality_code"),
		Category:               ippo.Category(form.Get("category")),
		RecognizedByDoctor:     form.Get("recognized_by_doctor") == "yes",
		WithdrawnSince:         date("withdrawn_since"),
		SupportingBody:         form.Get("supporting_body"),
		IntractableDisease:     form.Get("intractable_disease") == "yes",
		WantsGeneralEmployment: form.Get("wants_general_employment") == "yes",
		Consent:                ippo.CollectionConsent{GivenOn: date("consent.given_on"), WordingVersion: form.Get("consent.wording_version")},
	}
	// A form sends every field; the rules of the other category only apply
	// to what belongs to the chosen one.
	switch a.Category {
	case ippo.CategoryDisability:
		a.WithdrawnSince, a.SupportingBody = ippo.Date{}, ""
		for _, t := range form["disability_types"] {
			a.DisabilityTypes = append(a.DisabilityTypes, ippo.DisabilityType(t))
		}
	case ippo.CategoryHikikomori:
		a.RecognizedByDoctor = false
	}
	if text != nil {
		more, _ := problems(s.App.CheckIntake(r.Context(), a)) // changes nothing
		all := text
		for _, p := range append(errs, more...) {
			if !slices.ContainsFunc(all, func(e fieldProblem) bool { return e.Field == p.Field }) {
				all = append(all, p) // one problem a field: the text rule's first
			}
		}
		errs = all
	}
	if errs != nil {
		s.renderIntake(w, r, http.StatusUnprocessableEntity, form, errs)
		return
	}
	wk, err := s.App.Apply(r.Context(), r.Actor, a)
	if err != nil {
		if errs, _ := problems(err); errs != nil {
			s.renderIntake(w, r, http.StatusUnprocessableEntity, form, errs)
			return
		}
		s.failure(w, r.Request, err)
		return
	}
	r.WorkerID = wk.ID
	http.Redirect(w, r.Request, "/console/workers/"+wk.ID+"?done=registered", http.StatusSeeOther)
}
