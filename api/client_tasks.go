package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo/app"
)

// The clients' tasks (案件, app.ClientTask) are /tasks; the staff's
// to-dos (app.StaffTodos) are /staff-tasks.

// ListTasks lists the catalog of client tasks.
func (s *Server) ListTasks(c *gin.Context) {
	items, err := s.app().ClientTasks(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// CreateTask adds a client's task to the catalog.
func (s *Server) CreateTask(c *gin.Context, _ CreateTaskParams) {
	var in TaskInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	t, err := s.app().CreateClientTask(c.Request.Context(), actor, app.ClientTask{
		Type: in.Type, Client: in.Client, Description: deref(in.Description), OutputUnit: deref(in.OutputUnit),
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/tasks/"+t.ID)
	c.JSON(http.StatusCreated, t)
}

// ListWorkerTasks lists the tasks assigned to the worker.
func (s *Server) ListWorkerTasks(c *gin.Context, id WorkerID) {
	items, err := s.app().WorkerClientTasks(c.Request.Context(), id.String())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// AssignTask assigns a catalog task to the worker.
func (s *Server) AssignTask(c *gin.Context, id WorkerID, _ AssignTaskParams) {
	var in TaskAssignmentInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	a, created, err := s.app().AssignClientTask(c.Request.Context(), actor, id.String(), in.TaskId)
	if err != nil {
		fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, a)
}
