package api

import (
	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo/workflows"
)

// fillPlaces grants places that came free when capacity grew, and tells
// each lifecycle that got one.
func (s *Server) fillPlaces(c *gin.Context, capacity int) {
	ctx := c.Request.Context()
	promoted, err := s.DB.FillPlaces(ctx, capacity)
	if err != nil {
		logger(c).Error("fill places", "error", err.Error())
		return
	}
	for _, id := range promoted {
		if err := s.Temporal.SignalWorkflow(ctx, workflows.WorkerWorkflowID(id), "", workflows.SignalPlaceGranted, nil); err != nil {
			logger(c).Error("signal place granted", "worker_id", id, "error", err.Error())
		}
	}
}
