package workflows

import (
	"encoding/json"

	"go.temporal.io/sdk/workflow"
)

// Temporal answers an Update sent again with the same ID only within one
// run: once a lifecycle has continued as new (at every extension), a
// retried step (the same Idempotency-Key, form token or link) would reach
// the new run as a new step and be refused as not fitting the phase. So
// the lifecycle remembers what its last steps answered, across runs, and
// answers a step it has taken with the answer it gave.
//
// No version is needed: remembering changes no command, and a run that
// meets an update ID it remembers has no history from before this code.

// maxAnswered is how many answers a lifecycle remembers: far more steps
// than staff take between a request and its retry.
const maxAnswered = 32

// Answered is a step's update ID and what the step answered.
type Answered struct {
	ID     string
	Result json.RawMessage
}

// answer is what the step with update ID id answered, if it was taken.
func (s *LifecycleState) answer(id string) (json.RawMessage, bool) {
	for _, a := range s.Answered {
		if a.ID == id {
			return a.Result, true
		}
	}
	return nil, false
}

// remember records what the step with update ID id answered.
func (s *LifecycleState) remember(id string, result json.RawMessage) {
	s.Answered = append(s.Answered, Answered{ID: id, Result: result})
	if n := len(s.Answered) - maxAnswered; n > 0 {
		s.Answered = append([]Answered(nil), s.Answered[n:]...)
	}
}

// updateID is the ID of the Update being validated or handled.
func updateID(ctx workflow.Context) string { return workflow.GetCurrentUpdateInfo(ctx).ID }

// once makes handler h answer a step it has taken (in this run or an
// earlier one) with the answer it gave, and remember each new answer.
func once[A, R any](l *lifecycle, h func(workflow.Context, A) (R, error)) func(workflow.Context, A) (R, error) {
	return func(ctx workflow.Context, arg A) (R, error) {
		id := updateID(ctx)
		if raw, ok := l.s.answer(id); ok {
			var r R
			err := json.Unmarshal(raw, &r)
			return r, err
		}
		r, err := h(ctx, arg)
		if err == nil && id != "" {
			if raw, merr := json.Marshal(r); merr == nil {
				l.s.remember(id, raw)
			}
		}
		return r, err
	}
}

// accepted makes validator v accept a step already taken, so that once
// can answer it.
func accepted[A any](l *lifecycle, v func(workflow.Context, A) error) func(workflow.Context, A) error {
	return func(ctx workflow.Context, arg A) error {
		if _, ok := l.s.answer(updateID(ctx)); ok {
			return nil
		}
		return v(ctx, arg)
	}
}
