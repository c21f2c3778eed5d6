package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// A client task's own page (案件, issue 14): how it stands, the workers
// the ranking suggests with their reasons, a form to request it of one or
// more of them (a request they may decline, never an order), its timeline
// of requests, answers, assignment and delivery, and the delivery form.
// Viewers see all of it and act on none.

// suggestionsShown is how many ranked workers the page lists.
const suggestionsShown = 20

type taskView struct {
	Task       ippo.ClientTask
	Ranking    app.TaskSuggestions
	Names      map[string]string // worker id → name, for those listed
	Requests   []app.TaskRequest
	Timeline   []ippo.TimelineEntry
	StepKey    string
	Form       url.Values
	Qualities  []string
	Checked    map[string]bool
	CanRequest bool
	CanDeliver bool
	CanClose   bool // delivered: staff may close it
	CanCancel  bool // not yet delivered: staff may call it off
	Assignee   string
}

func (s *Server) taskPage(w http.ResponseWriter, r *request) {
	s.renderTaskPage(w, r, http.StatusOK, nil, nil, "")
}

func (s *Server) renderTaskPage(w http.ResponseWriter, r *request, status int, errs []fieldProblem, problem *stepProblem, form string) {
	ctx := r.Context()
	id := strings.ToLower(r.PathValue("id"))
	if !isUUID(id) {
		s.message(w, r.Request, http.StatusNotFound, "見つかりません", "この案件は見つかりませんでした。")
		return
	}
	ranking, err := s.App.Suggestions(ctx, id, suggestionsShown)
	if ippo.ErrorCode(err) == ippo.ENOTFOUND {
		s.message(w, r.Request, http.StatusNotFound, "見つかりません", "この案件は見つかりませんでした。")
		return
	}
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	reqs, err := s.App.TaskRequests(ctx, id)
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	timeline, err := s.App.TaskTimeline(ctx, id)
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	task := ranking.Task
	v := taskView{Task: task, Ranking: ranking, Requests: reqs, Timeline: timeline, StepKey: randomID()[:22],
		Names: map[string]string{}, Checked: map[string]bool{}, Assignee: task.Assignee, Qualities: []string{"1", "2", "3", "4", "5"},
		CanRequest: task.Status == ippo.TaskOpen || task.Status == ippo.TaskRequested,
		CanDeliver: task.Status == ippo.TaskAssigned,
		CanClose:   task.Status == ippo.TaskDelivered,
		CanCancel:  task.Status == ippo.TaskOpen || task.Status == ippo.TaskRequested || task.Status == ippo.TaskAssigned}
	if form != "" {
		v.Form = r.PostForm
		for _, id := range r.PostForm["worker_id"] {
			v.Checked[id] = true
		}
	}
	ids := []string{}
	for _, sg := range ranking.Suggestions {
		ids = append(ids, sg.WorkerID)
	}
	for _, rq := range reqs {
		ids = append(ids, rq.WorkerID)
	}
	if task.Assignee != "" {
		ids = append(ids, task.Assignee)
	}
	for _, wid := range ids {
		if _, ok := v.Names[wid]; ok {
			continue
		}
		wk, err := s.App.Worker(ctx, wid)
		if err != nil {
			s.failure(w, r.Request, err)
			return
		}
		v.Names[wid] = wk.Applicant.Name
	}
	p := s.page(r, "案件: "+ippo.TaskTypeJapanese(task.Type)+"("+task.Client+")", "tasks", v)
	p.Errors, p.Problem = errs, problem
	switch r.URL.Query().Get("done") {
	case "requests":
		p.Notice, p.NoticeKey = "依頼をお送りしました。お返事をお待ちください。", "requests"
	case "delivery":
		p.Notice, p.NoticeKey = "納品を記録しました。", "delivery"
	case "close":
		p.Notice, p.NoticeKey = "案件を完了にしました。", "close"
	case "cancel":
		p.Notice, p.NoticeKey = "案件を取りやめました。", "cancel"
	}
	s.render(w, r.Request, status, "task", p)
}

// taskStepFailed shows the task page again with the refusal beside the form.
func (s *Server) taskStepFailed(w http.ResponseWriter, r *request, form string, err error) {
	errs, problem := problems(err)
	switch {
	case errs != nil:
		s.renderTaskPage(w, r, http.StatusUnprocessableEntity, errs, nil, form)
	case problem != nil:
		s.renderTaskPage(w, r, http.StatusConflict, nil, problem, form)
	case ippo.ErrorCode(err) == ippo.ENOTFOUND:
		s.message(w, r.Request, http.StatusNotFound, "見つかりません", "この案件は見つかりませんでした。")
	default:
		s.failure(w, r.Request, err)
	}
}

func taskDone(w http.ResponseWriter, r *request, done string) {
	http.Redirect(w, r.Request, "/console/tasks/"+strings.ToLower(r.PathValue("id"))+"?done="+done, http.StatusSeeOther)
}

// requestTask asks the checked workers to take the task; each gets the
// request email with its terms and a link to accept or decline.
func (s *Server) requestTask(w http.ResponseWriter, r *request) {
	if !isUUID(r.PathValue("id")) {
		s.message(w, r.Request, http.StatusNotFound, "見つかりません", "この案件は見つかりませんでした。")
		return
	}
	ids := r.PostForm["worker_id"]
	if len(ids) == 0 {
		s.renderTaskPage(w, r, http.StatusUnprocessableEntity,
			[]fieldProblem{{Field: "worker_ids", Label: labelOf("worker_ids"), Message: "依頼する方を一人以上選んでください。"}}, nil, "requests")
		return
	}
	for _, id := range ids {
		if !isUUID(id) {
			s.renderTaskPage(w, r, http.StatusUnprocessableEntity,
				[]fieldProblem{{Field: "worker_ids", Label: labelOf("worker_ids"), Message: "一覧から選んでください。"}}, nil, "requests")
			return
		}
	}
	if _, err := s.App.RequestTask(r.Context(), r.Actor, strings.ToLower(r.PathValue("id")), r.stepID(), ids); err != nil {
		s.taskStepFailed(w, r, "requests", err)
		return
	}
	taskDone(w, r, "requests")
}

// deliverTask records the output amount and quality of a delivery.
func (s *Server) deliverTask(w http.ResponseWriter, r *request) {
	if !isUUID(r.PathValue("id")) {
		s.message(w, r.Request, http.StatusNotFound, "見つかりません", "この案件は見つかりませんでした。")
		return
	}
	var errs []fieldProblem
	output, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("output")))
	if err != nil || output < 0 || output > 1_000_000 {
		errs = append(errs, fieldProblem{Field: "output", Label: labelOf("output"), Message: "0から1000000までの数で入力してください。"})
	}
	quality, err := strconv.Atoi(r.PostForm.Get("quality"))
	if err != nil || quality < 1 || quality > 5 {
		errs = append(errs, fieldProblem{Field: "quality", Label: labelOf("quality"), Message: "1から5のどれかを選んでください。"})
	}
	if errs != nil {
		s.renderTaskPage(w, r, http.StatusUnprocessableEntity, errs, nil, "delivery")
		return
	}
	if _, err := s.App.DeliverTask(r.Context(), r.Actor, strings.ToLower(r.PathValue("id")), r.stepID(),
		app.Delivery{Output: output, Quality: quality}); err != nil {
		s.taskStepFailed(w, r, "delivery", err)
		return
	}
	taskDone(w, r, "delivery")
}

// closeTask closes a delivered task: nothing more is to be done on it.
func (s *Server) closeTask(w http.ResponseWriter, r *request) {
	s.taskStep(w, r, "close", s.App.CloseTask)
}

// cancelTask calls off a task not yet delivered; requests still waiting
// for an answer are withdrawn.
func (s *Server) cancelTask(w http.ResponseWriter, r *request) {
	s.taskStep(w, r, "cancel", s.App.CancelTask)
}

// taskStep takes a task step that needs nothing but the staff member's
// word, and shows the task page with its confirmation (done) or refusal.
func (s *Server) taskStep(w http.ResponseWriter, r *request, done string,
	step func(ctx context.Context, actor app.Actor, taskID, stepID string) (app.TaskStanding, error)) {
	if !isUUID(r.PathValue("id")) {
		s.message(w, r.Request, http.StatusNotFound, "見つかりません", "この案件は見つかりませんでした。")
		return
	}
	if _, err := step(r.Context(), r.Actor, strings.ToLower(r.PathValue("id")), r.stepID()); err != nil {
		s.taskStepFailed(w, r, done, err)
		return
	}
	taskDone(w, r, done)
}

// taskStatusJa names a task's status.
func taskStatusJa(st ippo.TaskStatus) string {
	switch st {
	case ippo.TaskOpen:
		return "受付中(まだ依頼していません)"
	case ippo.TaskRequested:
		return "依頼中(お返事待ち)"
	case ippo.TaskAssigned:
		return "担当が決まりました"
	case ippo.TaskDelivered:
		return "納品済み"
	case ippo.TaskClosed:
		return "完了"
	case ippo.TaskCancelled:
		return "取りやめ"
	}
	return string(st)
}

// answerJa names a request's answer so far.
func answerJa(a string) string {
	switch a {
	case "waiting":
		return "お返事待ち"
	case "accepted":
		return "お引き受けいただきました"
	case "declined":
		return "今回は見送り"
	case "taken":
		return "ほかの方に決まりました"
	case "unanswered":
		return "お返事がないまま期限を過ぎました"
	case "withdrawn":
		return "依頼を取り下げました"
	}
	return a
}
