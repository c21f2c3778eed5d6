package console

import (
	"net/http"
	"net/url"
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
	_, err := s.App.CreateClientTask(r.Context(), r.Actor, app.ClientTask{
		Type: r.PostForm.Get("type"), Client: r.PostForm.Get("client"),
		Description: r.PostForm.Get("description"), OutputUnit: r.PostForm.Get("output_unit"),
	})
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
