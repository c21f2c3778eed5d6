package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// ListStaffTasks lists staff to-dos, open ones first.
func (s *Server) ListStaffTasks(c *gin.Context, params ListStaffTasksParams) {
	open := true
	if params.Open != nil {
		open = *params.Open
	}
	items, err := s.app().StaffTodos(c.Request.Context(), open)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// CompleteStaffTask marks a staff to-do done.
func (s *Server) CompleteStaffTask(c *gin.Context, id openapi_types.UUID) {
	actor, _ := actorOf(c)
	if err := s.app().CompleteStaffTodo(c.Request.Context(), actor, id.String()); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
