package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

func (s *Server) today() ippo.Date { return s.Clock.Today(time.Now()) }

// ListWorkers lists workers, oldest application first.
func (s *Server) ListWorkers(c *gin.Context, params ListWorkersParams) {
	f := app.WorkerFilter{
		Phase: ippo.Phase(deref(params.Phase)),
		Query: deref(params.Q),
		Limit: deref(params.Limit),
	}
	if d := params.EndsBefore; d != nil {
		f.EndsBefore = ippo.Date{Year: d.Year(), Month: d.Month(), Day: d.Day()}
	}
	if f.Limit == 0 {
		f.Limit = 50 // the page size writePage pages by
	}
	if cur := deref(params.Cursor); cur != "" {
		t, id, err := parseCursor(cur)
		if err != nil {
			fail(c, err)
			return
		}
		f.AfterTime, f.AfterID = t, id
	}
	items, err := s.app().Workers(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	writePage(c, items, f.Limit, func(x ippo.Worker) (time.Time, string) { return x.AppliedAt, x.ID })
}

// GetWorker returns one worker with their phase from the read model.
func (s *Server) GetWorker(c *gin.Context, id WorkerID) {
	w, err := s.app().Worker(c.Request.Context(), id.String())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, w)
}

// GetTimeline returns every step, email and audited request for the worker.
func (s *Server) GetTimeline(c *gin.Context, id WorkerID) {
	items, err := s.app().Timeline(c.Request.Context(), id.String())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
