package console

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// adminView is 管理: staff tokens, the policy with the value in force and
// the next version, and the partner agencies.
type adminView struct {
	Tokens   []app.Token
	InForce  *ippo.PolicyVersion
	Next     *ippo.PolicyVersion
	Versions []ippo.PolicyVersion
	Agencies []ippo.Agency
	// Secret is a token just issued: shown on this answer only.
	Secret, SecretName string
	Form               url.Values
	Roles              []string
	// Months are the ended months a close may be started for, newest first.
	Months []ippo.YearMonth
	// PolicyFields and AgencyFields are the forms' inputs.
	PolicyFields, AgencyFields []adminField
}

// adminField is one input of a form on 管理; Now is the value in force.
type adminField struct {
	Name, Label, Now string
}

func (s *Server) adminPage(w http.ResponseWriter, r *request) {
	s.renderAdmin(w, r, http.StatusOK, adminView{})
}

func (s *Server) renderAdmin(w http.ResponseWriter, r *request, status int, v adminView, errs ...fieldProblem) {
	ctx := r.Context()
	var err error
	if v.Tokens, err = s.App.Tokens(ctx); err != nil {
		s.failure(w, r.Request, err)
		return
	}
	policy, err := s.App.Policy(ctx)
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	v.Versions = policy.Versions
	today := s.App.Today()
	for i := range v.Versions {
		if v.Versions[i].EffectiveFrom.After(today) {
			if v.Next == nil {
				v.Next = &v.Versions[i]
			}
		} else {
			v.InForce = &v.Versions[i]
		}
	}
	if v.Agencies, err = s.App.Agencies(ctx); err != nil {
		s.failure(w, r.Request, err)
		return
	}
	v.Roles = []string{"staff", "viewer", "admin"}
	for i := 1; i <= 12; i++ {
		v.Months = append(v.Months, today.YearMonth().AddMonths(-i))
	}
	for _, f := range policyFields {
		v.PolicyFields = append(v.PolicyFields, adminField{Name: f, Label: policyLabels[f], Now: policyValue(policy.InForce, f)})
	}
	for _, f := range []string{"agency_name", "agency_kind", "agency_email", "agency_description"} {
		v.AgencyFields = append(v.AgencyFields, adminField{Name: f, Label: agencyLabels[f]})
	}
	p := s.page(r, "管理", "admin", v)
	p.Errors = errs
	if done := r.URL.Query().Get("done"); adminNotices[done] != "" && status == http.StatusOK {
		p.Notice, p.NoticeKey = adminNotices[done], done
	}
	if v.Secret != "" {
		p.Notice = "トークンを発行しました。下のトークンは、この画面でしか表示されません。"
		p.NoticeKey = "token"
	}
	s.render(w, r.Request, status, "admin", p)
}

func (s *Server) issueToken(w http.ResponseWriter, r *request) {
	if errs := textProblems(r.PostForm, 100, "name"); errs != nil {
		s.renderAdmin(w, r, http.StatusUnprocessableEntity, adminView{Form: r.PostForm}, errs...)
		return
	}
	name := r.PostForm.Get("name")
	if utf8.RuneCountInString(strings.TrimSpace(name)) > 100 {
		s.renderAdmin(w, r, http.StatusUnprocessableEntity, adminView{Form: r.PostForm}, fieldProblem{Field: "name", Label: "使う人の名前", Message: "100文字以内で入力してください。"})
		return
	}
	t, secret, err := s.App.CreateToken(r.Context(), r.Actor, name, app.ParseRole(r.PostForm.Get("role")))
	if err != nil {
		if errs, _ := problems(err); errs != nil {
			for i := range errs {
				if errs[i].Field == "name" {
					errs[i].Label = "使う人の名前"
				}
			}
			s.renderAdmin(w, r, http.StatusUnprocessableEntity, adminView{Form: r.PostForm}, errs...)
			return
		}
		s.failure(w, r.Request, err)
		return
	}
	s.renderAdmin(w, r, http.StatusCreated, adminView{Secret: secret, SecretName: t.Name})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *request) {
	id := r.PathValue("id")
	if !isUUID(id) {
		s.message(w, r.Request, http.StatusNotFound, "見つかりません", "このトークンは見つかりませんでした。")
		return
	}
	if err := s.App.RevokeToken(r.Context(), r.Actor, id); err != nil {
		s.failure(w, r.Request, err)
		return
	}
	http.Redirect(w, r.Request, "/console/admin", http.StatusSeeOther)
}
