package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// ListStaffTasks lists staff tasks, open ones first.
func (s *Server) ListStaffTasks(c *gin.Context, params ListStaffTasksParams) {
	open := true
	if params.Open != nil {
		open = *params.Open
	}
	items, err := s.DB.Tasks(c.Request.Context(), open, 200)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// CompleteStaffTask marks a task done.
func (s *Server) CompleteStaffTask(c *gin.Context, id openapi_types.UUID) {
	actor, _ := actorOf(c)
	if err := s.DB.CompleteTask(c.Request.Context(), id.String(), actor.Ref()); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
