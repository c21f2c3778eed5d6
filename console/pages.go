package console

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// home is 今日: what needs a person today.
func (s *Server) home(w http.ResponseWriter, r *request) {
	ctx := r.Context()
	today := s.App.Today()
	tasks, err := s.App.StaffTodos(ctx, true)
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	awaiting, _, err := s.App.WorkerList(ctx, app.WorkerListFilter{Status: "awaiting_decision", Limit: 100})
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	waiting, _, err := s.App.WorkerList(ctx, app.WorkerListFilter{Status: "waitlisted", Limit: 200})
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	slices.SortFunc(waiting, func(a, b ippo.Worker) int { return cmp.Compare(a.WaitlistPosition, b.WaitlistPosition) })
	ending, _, err := s.App.WorkerList(ctx, app.WorkerListFilter{Phase: ippo.PhaseActive, EndsFrom: today, EndsBefore: today.AddDays(31), Limit: 200})
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	slices.SortFunc(ending, func(a, b ippo.Worker) int {
		return cmp.Compare(a.ContractEnd.String(), b.ContractEnd.String())
	})
	p := s.page(r, "今日", "home", map[string]any{
		"Tasks": tasks, "Awaiting": awaiting, "Waiting": waiting, "Ending": ending,
	})
	if r.URL.Query().Get("done") == "todo" {
		p.Notice, p.NoticeKey = "やることを済みにしました。", "todo"
	}
	s.render(w, r.Request, http.StatusOK, "home", p)
}

func (s *Server) page(r *request, title, nav string, data any) *page {
	return &page{Title: title, Actor: r.Actor, CSRF: r.CSRF, Nav: nav, Data: data}
}

const listPageSize = 50

// workerList is ワーカー一覧: filter by phase and status, search by name,
// sort by the next deadline, a page at a time.
func (s *Server) workerList(w http.ResponseWriter, r *request) {
	q := r.URL.Query()
	f := app.WorkerListFilter{
		Query:      clean(q.Get("q")),
		ByDeadline: q.Get("sort") == "deadline",
		Limit:      listPageSize,
	}
	if p := ippo.Phase(q.Get("phase")); p.Valid() {
		f.Phase = p
	}
	if st := q.Get("status"); statusJa(st) != st {
		f.Status = st
	}
	pageNo, err := strconv.Atoi(q.Get("page"))
	if err != nil || pageNo < 1 || pageNo > 100000 {
		pageNo = 1
	}
	f.Offset = (pageNo - 1) * listPageSize
	items, total, err := s.App.WorkerList(r.Context(), f)
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	pages := max(1, (total+listPageSize-1)/listPageSize)
	link := func(n int) string {
		v := url.Values{}
		if f.Query != "" {
			v.Set("q", f.Query)
		}
		if f.Phase != "" {
			v.Set("phase", string(f.Phase))
		}
		if f.Status != "" {
			v.Set("status", f.Status)
		}
		if f.ByDeadline {
			v.Set("sort", "deadline")
		}
		v.Set("page", strconv.Itoa(n))
		return "/console/workers?" + v.Encode()
	}
	data := map[string]any{
		"Items": items, "Total": total, "Page": pageNo, "Pages": pages, "Filter": f,
		"Phases": ippo.Phases, "Statuses": []string{"awaiting_decision", "waitlisted", "awaiting_contract", "under_contract", "ending", "following_up", "closed"},
	}
	if pageNo > 1 {
		data["Prev"] = link(pageNo - 1)
	}
	if pageNo < pages {
		data["Next"] = link(pageNo + 1)
	}
	s.render(w, r.Request, http.StatusOK, "workers", s.page(r, "ワーカー一覧", "workers", data))
}

// workerView is what the worker page shows.
type workerView struct {
	Worker        ippo.Worker
	Timeline      []ippo.TimelineEntry
	Emails        []ippo.OutboxEmail
	RateYen       int
	NextExtension ippo.Date
	// Steps that fit the phase, each shown as a form.
	CanDecide, CanSign, CanEnd, CanWithdraw, CanAssess bool
	Dimensions                                         []ippo.Dimension
	Scale                                              []int
	CanAssign                                          bool
	Grid                                               []scheduleRow
	CanGraduate                                        bool
	Agencies                                           []ippo.Agency
	Purposes                                           []ippo.ConsentPurpose
	ShareItems                                         []ippo.ShareItem
	Destinations                                       []ippo.Destination
	Catalog                                            []ippo.ClientTask
	StepKey                                            string
	// Form keeps what was typed into a refused form.
	Form   url.Values
	Failed string // which form was refused
	records
}

func (s *Server) workerPage(w http.ResponseWriter, r *request) {
	s.renderWorker(w, r, http.StatusOK, nil, nil, "")
}

func (s *Server) renderWorker(w http.ResponseWriter, r *request, status int, errs []fieldProblem, problem *stepProblem, failed string) {
	id := r.PathValue("id")
	if !isUUID(id) {
		s.message(w, r.Request, http.StatusNotFound, "見つかりません", "このワーカーは見つかりませんでした。")
		return
	}
	ctx := r.Context()
	wk, err := s.App.Worker(ctx, id)
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	timeline, err := s.App.Timeline(ctx, id)
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	slices.Reverse(timeline) // newest first: what happened last is what staff look for
	emails, err := s.App.Outbox(ctx, app.OutboxFilter{WorkerID: id, Limit: 100})
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	recs, err := s.workerRecords(ctx, id, r.URL.Query().Get("month"))
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	v := workerView{Worker: wk, Timeline: timeline, Emails: emails, StepKey: randomID()[:22], Failed: failed, records: recs}
	if failed != "" {
		v.Form = r.PostForm
	}
	today := s.App.Today()
	if p, err := s.App.Policy(ctx); err == nil && wk.Phase == ippo.PhaseActive {
		v.RateYen = p.InForce.Wages.RateOn(today)
	}
	if wk.Phase == ippo.PhaseActive && wk.EndsOn.IsZero() && !wk.ContractEnd.IsZero() {
		v.NextExtension = wk.ContractEnd.AddDays(1)
	}
	// The steps that fit the phase and status, from the lifecycle's one
	// table of transitions; the workflow decides again when a step is sent
	// (and says why if the page was stale).
	for _, step := range app.StepsFitting(wk) {
		switch step {
		case ippo.StepEligibility:
			v.CanDecide = true
		case ippo.StepContract:
			v.CanSign = true
		case ippo.StepNonRenewal:
			v.CanEnd = true
		case ippo.StepWithdrawal:
			v.CanWithdraw = true
		case ippo.StepAssessment:
			v.CanAssess = true
		case ippo.StepGraduation:
			v.CanGraduate = true
		}
	}
	v.CanAssign = wk.Phase == ippo.PhaseActive || wk.Phase == ippo.PhaseOnboarding
	if r.Actor.Role >= app.RoleStaff {
		if v.Agencies, err = s.App.Agencies(ctx); err != nil {
			s.failure(w, r.Request, err)
			return
		}
		v.Purposes, v.ShareItems, v.Destinations = ippo.ConsentPurposes, ippo.ShareItems, ippo.Destinations
	}
	if failed == "services" {
		v.Services = otherServiceGrid(nil, r.PostForm) // what was ticked, kept
	}
	var gridForm url.Values
	if failed == "schedule" {
		gridForm = r.PostForm
	}
	if v.Schedule != nil {
		v.Grid = scheduleGrid(&v.Schedule.Schedule, gridForm)
	} else {
		v.Grid = scheduleGrid(nil, gridForm)
	}
	if v.CanAssign && r.Actor.Role >= app.RoleStaff {
		if v.Catalog, err = s.App.ClientTasks(ctx); err != nil {
			s.failure(w, r.Request, err)
			return
		}
	}
	v.Dimensions = ippo.Dimensions[:]
	v.Scale = []int{1, 2, 3, 4, 5}
	p := s.page(r, wk.Applicant.Name+" さん", "workers", v)
	p.Errors, p.Problem = errs, problem
	done := r.URL.Query().Get("done")
	p.Notice = stepNotices[done]
	if p.Notice != "" {
		p.NoticeKey = done
	}
	s.render(w, r.Request, status, "worker", p)
}

// stepNotices confirm a step on the worker page after it was taken
// (?done=<form>): fixed wording, never anything from the query.
var stepNotices = map[string]string{
	"eligibility": "利用の判定を記録しました。",
	"contract":    "契約を締結しました。契約内容のメールを本人に送ります。",
	"non-renewal": "更新しない旨の申し出を記録しました。",
	"withdrawal":  "利用終了を記録しました。",
	"consent":     "同意を記録しました。",
	"graduation":  "卒業を記録しました。同意のある関係機関へ引き継ぎを送ります。",
	"ack":         "引き継ぎの受領を記録しました。",
	"schedule":    "週の予定を記録しました。",
	"task":        "案件を依頼しました。",
	"assessment":  "アセスメントを記録しました。",
	"registered":  "登録しました。利用の判定をお願いします。",
	"absence":     "連絡を記録しました。お休みも大切な時間です。",
	"worklog":     "作業を記録しました。",
	"services":    "ほかのサービスの利用日を記録しました。",
	"resend":      "メールの再送を受け付けました。順番にお送りします。届いたかどうかは、メール欄の状況でわかります。",
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}
