package console

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// The three kinds of "task" in Ippo, told apart by name here: clients'
// tasks are 案件 (this page), staff to-dos are やること (今日), and
// Temporal's workflow tasks never reach the console.

type tasksView struct {
	Catalog []ippo.ClientTask
	Form    url.Values
}

// tasksPage is 案件: the clients' task catalog, and a form to add one.
func (s *Server) tasksPage(w http.ResponseWriter, r *request) {
	s.renderTasks(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderTasks(w http.ResponseWriter, r *request, status int, form url.Values, errs []fieldProblem) {
	catalog, err := s.App.ClientTasks(r.Context())
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	p := s.page(r, "案件", "tasks", tasksView{Catalog: catalog, Form: form})
	p.Errors = errs
	if r.URL.Query().Get("done") == "task" {
		p.Notice, p.NoticeKey = "案件を追加しました。", "task"
	}
	s.render(w, r.Request, status, "tasks", p)
}

func (s *Server) createTask(w http.ResponseWriter, r *request) {
	if errs := textProblems(r.PostForm, 2000, "type", "client", "description", "output_unit"); errs != nil {
		s.renderTasks(w, r, http.StatusUnprocessableEntity, r.PostForm, errs)
		return
	}
	in := app.ClientTask{
		Type: r.PostForm.Get("type"), Client: r.PostForm.Get("client"),
		Description: r.PostForm.Get("description"), OutputUnit: r.PostForm.Get("output_unit"),
	}
	// The terms a request states: optional here, but a task is requested
	// of workers only once it has a due date.
	var errs []fieldProblem
	if h := strings.TrimSpace(r.PostForm.Get("expected_hours")); h != "" {
		hours, err := strconv.ParseFloat(h, 64)
		if err != nil || hours <= 0 || hours > 1000 || math.IsNaN(hours) {
			errs = append(errs, fieldProblem{Field: "expected_hours", Label: labelOf("expected_hours"), Message: "0より大きく1000までの時間数で入力してください(例: 2.5)。"})
		} else {
			in.ExpectedMinutes = max(1, int(math.Round(hours*60)))
		}
	}
	for _, f := range []struct {
		name string
		to   *ippo.Date
	}{{"starts_on", &in.StartsOn}, {"due_on", &in.DueOn}} {
		if v := strings.TrimSpace(r.PostForm.Get(f.name)); v != "" {
			d, err := ippo.ParseDate(v)
			if err != nil {
				errs = append(errs, fieldProblem{Field: f.name, Label: labelOf(f.name), Message: "日付を選んでください。"})
				continue
			}
			*f.to = d
		}
	}
	if errs != nil {
		s.renderTasks(w, r, http.StatusUnprocessableEntity, r.PostForm, errs)
		return
	}
	_, err := s.App.CreateClientTask(r.Context(), r.Actor, in)
	if err != nil {
		if errs, _ := problems(err); errs != nil {
			s.renderTasks(w, r, http.StatusUnprocessableEntity, r.PostForm, errs)
			return
		}
		s.failure(w, r.Request, err)
		return
	}
	http.Redirect(w, r.Request, "/console/tasks?done=task", http.StatusSeeOther)
}

// assignTask asks the worker to take on a catalog task (依頼: a request,
// never an order).
func (s *Server) assignTask(w http.ResponseWriter, r *request) {
	if !s.workerOf(w, r) {
		return
	}
	taskID := strings.TrimSpace(r.PostForm.Get("task_id"))
	if !isUUID(taskID) {
		s.renderWorker(w, r, http.StatusUnprocessableEntity, []fieldProblem{{Field: "task_id", Label: "案件", Message: "一覧から案件を選んでください。"}}, nil, "task")
		return
	}
	if _, _, err := s.App.AssignClientTask(r.Context(), r.Actor, r.WorkerID, taskID); err != nil {
		s.stepFailed(w, r, "task", err)
		return
	}
	stepDone(w, r, "task")
}
