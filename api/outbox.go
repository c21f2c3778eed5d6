package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo/postgres"
)

// ListOutbox lists emails, newest first.
func (s *Server) ListOutbox(c *gin.Context, params ListOutboxParams) {
	f := postgres.OutboxFilter{Status: string(deref(params.Status)), Limit: deref(params.Limit)}
	if params.WorkerId != nil {
		f.WorkerID = params.WorkerId.String()
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if cur := deref(params.Cursor); cur != "" {
		t, id, err := parseCursor(cur)
		if err != nil {
			fail(c, err)
			return
		}
		f.Before, f.BeforeID = t, id
	}
	items, err := s.DB.Outbox(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	page := gin.H{"items": nonNil(items)}
	if len(items) == f.Limit {
		last := items[len(items)-1]
		page["next_cursor"] = cursor(last.CreatedAt, last.ID)
	}
	c.JSON(http.StatusOK, page)
}
