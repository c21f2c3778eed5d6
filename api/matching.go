package api

import (
	"math"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// Matching (issue 14): suggestions for a client task, requests and the
// task's steps, and the worker's task preference. Handlers bind, call the
// app and render.

// GetTaskSuggestions ranks the active workers for a task.
func (s *Server) GetTaskSuggestions(c *gin.Context, id TaskID, params GetTaskSuggestionsParams) {
	res, err := s.app().Suggestions(c.Request.Context(), id.String(), deref(params.Limit))
	answer(c, http.StatusOK, res, err)
}

// ListTaskRequests lists who was asked and their answers.
func (s *Server) ListTaskRequests(c *gin.Context, id TaskID) {
	items, err := s.app().TaskRequests(c.Request.Context(), id.String())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// RequestTask asks workers to take the task.
func (s *Server) RequestTask(c *gin.Context, id TaskID, _ RequestTaskParams) {
	var in TaskRequestInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	res, err := s.app().RequestTask(c.Request.Context(), actor, id.String(), stepKey(c), in.WorkerIds)
	answer(c, http.StatusOK, res, err)
}

// AssignTaskTo records staff's choice among the workers asked.
func (s *Server) AssignTaskTo(c *gin.Context, id TaskID, _ AssignTaskToParams) {
	var in TaskAssignToInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	res, err := s.app().AnswerTask(c.Request.Context(), actor, id.String(), stepKey(c), app.Answer{WorkerID: in.WorkerId, Accept: true})
	answer(c, http.StatusOK, res, err)
}

// DeliverTask records a delivery.
func (s *Server) DeliverTask(c *gin.Context, id TaskID, _ DeliverTaskParams) {
	var in TaskDeliveryInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	res, err := s.app().DeliverTask(c.Request.Context(), actor, id.String(), stepKey(c), app.Delivery{Output: in.Output, Quality: in.Quality})
	answer(c, http.StatusOK, res, err)
}

// CloseTask closes a delivered task.
func (s *Server) CloseTask(c *gin.Context, id TaskID, _ CloseTaskParams) {
	actor, _ := actorOf(c)
	res, err := s.app().CloseTask(c.Request.Context(), actor, id.String(), stepKey(c))
	answer(c, http.StatusOK, res, err)
}

// CancelTask cancels a task not yet delivered.
func (s *Server) CancelTask(c *gin.Context, id TaskID, _ CancelTaskParams) {
	actor, _ := actorOf(c)
	res, err := s.app().CancelTask(c.Request.Context(), actor, id.String(), stepKey(c))
	answer(c, http.StatusOK, res, err)
}

// GetTaskTimeline lists every step of a task.
func (s *Server) GetTaskTimeline(c *gin.Context, id TaskID) {
	items, err := s.app().TaskTimeline(c.Request.Context(), id.String())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// GetPreferences returns the worker's task preference.
func (s *Server) GetPreferences(c *gin.Context, id WorkerID) {
	p, err := s.app().TaskPreference(c.Request.Context(), id.String())
	answer(c, http.StatusOK, p, err)
}

// PutPreferences replaces the worker's task preference.
func (s *Server) PutPreferences(c *gin.Context, id WorkerID, _ PutPreferencesParams) {
	var in TaskPreference
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	p, err := s.app().PutTaskPreference(c.Request.Context(), actor, id.String(), ippo.TaskPreference{Likes: in.Likes, Avoids: in.Avoids})
	answer(c, http.StatusOK, p, err)
}

// expectedMinutes turns the API's hours into whole minutes.
func expectedMinutes(hours *float32) int {
	if hours == nil {
		return 0
	}
	return int(math.Round(float64(*hours) * 60))
}
