package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/workflows"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// Matching work to people (issue 14): suggestions for a client task, the
// worker's task preference, and the steps of the task's own workflow
// (task/<id>), which starts at the task's first request.

// TaskSuggestions is the ranking for one task: the task, the window it was
// ranked for, and the best-ranked workers with their reasons.
type TaskSuggestions struct {
	Task        ippo.ClientTask  `json:"task"`
	Start       ippo.Date        `json:"window_start"`
	Due         ippo.Date        `json:"window_due"`
	Total       int              `json:"total"`
	Suggestions []TaskSuggestion `json:"suggestions"`
	Weights     ippo.MatchPolicy `json:"weights"`
}

// TaskSuggestion is one ranked worker; Asked is their answer so far when
// they have been asked for this task ("waiting", "declined", …).
type TaskSuggestion struct {
	ippo.Suggestion
	Asked string `json:"asked,omitempty"`
}

// Suggestions ranks the active workers for a task, best first, at most
// limit of them (1–200, default 20).
func (a *App) Suggestions(ctx context.Context, taskID string, limit int) (TaskSuggestions, error) {
	if limit <= 0 {
		limit = 20
	}
	if limit > 200 {
		return TaskSuggestions{}, ippo.Invalid([]ippo.FieldError{{Field: "limit", Message: "must be between 1 and 200"}})
	}
	task, err := a.DB.ClientTask(ctx, taskID)
	if err != nil {
		return TaskSuggestions{}, err
	}
	today := a.Today()
	ranked, err := a.DB.RankTask(ctx, task, today, limit)
	if err != nil {
		return TaskSuggestions{}, err
	}
	reqs, err := a.DB.TaskRequests(ctx, task.ID)
	if err != nil {
		return TaskSuggestions{}, err
	}
	asked := map[string]string{}
	for _, r := range reqs {
		asked[r.WorkerID] = r.Answer
	}
	p, err := a.DB.PolicyAt(ctx, today)
	if err != nil {
		return TaskSuggestions{}, err
	}
	mt := task.MatchTask(today)
	out := TaskSuggestions{Task: task, Start: mt.Start, Due: mt.Due, Total: len(ranked), Weights: p.MatchPolicy(),
		Suggestions: []TaskSuggestion{}}
	for _, s := range ranked[:min(limit, len(ranked))] {
		out.Suggestions = append(out.Suggestions, TaskSuggestion{Suggestion: s, Asked: asked[s.WorkerID]})
	}
	return out, nil
}

// TaskPreference returns the worker's liked and avoided task types.
func (a *App) TaskPreference(ctx context.Context, workerID string) (ippo.TaskPreference, error) {
	return a.DB.TaskPreference(ctx, workerID)
}

// PutTaskPreference replaces the worker's task preference (staff enter it
// on the worker's behalf, as the worker says it).
func (a *App) PutTaskPreference(ctx context.Context, actor Actor, workerID string, p ippo.TaskPreference) (ippo.TaskPreference, error) {
	return a.DB.PutTaskPreference(ctx, workerID, p, actor.Ref())
}

// TaskRequest is one request of a task and its answer (program time).
type TaskRequest struct {
	WorkerID    string     `json:"worker_id"`
	RequestedAt time.Time  `json:"requested_at"`
	RequestedBy string     `json:"requested_by"`
	Answer      string     `json:"answer"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
}

// TaskRequests lists who was asked for a task and their answers.
func (a *App) TaskRequests(ctx context.Context, taskID string) ([]TaskRequest, error) {
	task, err := a.DB.ClientTask(ctx, taskID)
	if err != nil {
		return nil, err
	}
	rows, err := a.DB.TaskRequests(ctx, task.ID)
	return mapped(rows, err, func(r postgres.TaskRequest) TaskRequest { return TaskRequest(r) })
}

// TaskTimeline lists every step of a task.
func (a *App) TaskTimeline(ctx context.Context, taskID string) ([]ippo.TimelineEntry, error) {
	task, err := a.DB.ClientTask(ctx, taskID)
	if err != nil {
		return nil, err
	}
	return a.DB.TaskTimeline(ctx, task.ID)
}

// TaskStanding is a task's status after a step.
type TaskStanding struct {
	Status   ippo.TaskStatus `json:"status"`
	Assignee string          `json:"assignee,omitempty"`
	// Taken says an acceptance came after someone else's: nothing changed.
	Taken bool `json:"taken,omitempty"`
}

func taskStandingOf(r workflows.TaskResult) TaskStanding {
	return TaskStanding{Status: r.Status, Assignee: r.Assignee, Taken: r.Taken}
}

// RequestTask asks workers (active ones, each once) to take a task. The
// task must state its due date: a request states its terms in writing.
func (a *App) RequestTask(ctx context.Context, actor Actor, taskID, stepID string, workerIDs []string) (TaskStanding, error) {
	task, err := a.DB.ClientTask(ctx, taskID)
	if err != nil {
		return TaskStanding{}, err
	}
	if task.DueOn.IsZero() {
		return TaskStanding{}, &ippo.Error{Code: ippo.ECONFLICT,
			Message: "the task has no due date; a request states the due date in writing, so create the task with due_on first"}
	}
	if task.DueOn.Before(a.Today()) {
		return TaskStanding{}, &ippo.Error{Code: ippo.ECONFLICT, Message: "the task's due date " + task.DueOn.String() + " has passed"}
	}
	var f ippo.Fields
	ids := make([]string, len(workerIDs))
	for i, id := range workerIDs {
		field := fmt.Sprintf("worker_ids[%d]", i)
		u, perr := uuid.Parse(strings.TrimSpace(id))
		if perr != nil {
			f.Add(field, "must be a worker id")
			continue
		}
		ids[i] = u.String()
		w, werr := a.DB.Worker(ctx, ids[i])
		switch {
		case ippo.ErrorCode(werr) == ippo.ENOTFOUND:
			f.Add(field, "%s is not a worker", ids[i])
		case werr != nil:
			return TaskStanding{}, werr
		case w.Phase != ippo.PhaseActive:
			f.Add(field, "%s is %s; only active workers are asked", ids[i], w.Phase)
		}
	}
	if len(workerIDs) == 0 {
		f.Add("worker_ids", "name at least one worker to ask")
	}
	if len(workerIDs) > 50 {
		f.Add("worker_ids", "must name at most 50 workers")
	}
	if err := f.Err(); err != nil {
		return TaskStanding{}, err
	}
	if err := a.startTask(ctx, task); err != nil {
		return TaskStanding{}, err
	}
	r, err := taskUpdate(ctx, a, task.ID, stepID, workflows.UpdateRequestTask, workflows.RequestTask{WorkerIDs: ids, Actor: actor.Ref()})
	return taskStandingOf(r), err
}

// startTask starts the task's workflow unless it runs already.
func (a *App) startTask(ctx context.Context, task ippo.ClientTask) error {
	_, err := a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.ClientTaskWorkflowID(task.ID),
		TaskQueue:                a.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.ClientTaskWorkflow, workflows.ClientTaskInput{TaskID: task.ID, Due: task.DueOn, Clock: a.Clock})
	if err != nil {
		return lifecycleError(err, "")
	}
	return nil
}

// Answer is a worker's answer to a request (through the signed link), or
// staff choosing one of the workers asked (Accept, as staff).
type Answer struct {
	WorkerID string
	Accept   bool
	// Reason is optional and never required; it is kept as a note.
	Reason string
}

// AnswerTask records an answer. A decline's reason is stored first and
// removed again if the step is refused.
func (a *App) AnswerTask(ctx context.Context, actor Actor, taskID, stepID string, in Answer) (TaskStanding, error) {
	task, err := a.DB.ClientTask(ctx, taskID)
	if err != nil {
		return TaskStanding{}, err
	}
	u, err := uuid.Parse(strings.TrimSpace(in.WorkerID))
	if err != nil {
		return TaskStanding{}, ippo.Invalid([]ippo.FieldError{{Field: "worker_id", Message: "must be a worker id"}})
	}
	workerID := u.String()
	if in.Accept && strings.TrimSpace(in.Reason) != "" {
		return TaskStanding{}, ippo.Invalid([]ippo.FieldError{{Field: "reason", Message: "is for a decline only"}})
	}
	if e := ippo.CheckText(in.Reason, ippo.MaxNoteLength, true); e != nil {
		return TaskStanding{}, ippo.Invalid([]ippo.FieldError{{Field: "reason", Message: e.Error()}})
	}
	return stepWithNote(ctx, a, actor, workerID, stepID, in.Reason, func(noteID string) (TaskStanding, error) {
		r, err := taskUpdate(ctx, a, task.ID, stepID, workflows.UpdateAnswerTask,
			workflows.AnswerTask{WorkerID: workerID, Accept: in.Accept, NoteID: noteID, Actor: actor.Ref()})
		return taskStandingOf(r), err
	})
}

// Delivery is what staff record when the work is delivered: the output
// amount (in the task's unit) and its quality, 1–5.
type Delivery struct {
	Output  int
	Quality int
}

// DeliverTask records the delivery; the next ranking learns from it.
func (a *App) DeliverTask(ctx context.Context, actor Actor, taskID, stepID string, d Delivery) (TaskStanding, error) {
	task, err := a.DB.ClientTask(ctx, taskID)
	if err != nil {
		return TaskStanding{}, err
	}
	r, err := taskUpdate(ctx, a, task.ID, stepID, workflows.UpdateDeliverTask,
		workflows.DeliverTask{Output: d.Output, Quality: d.Quality, Actor: actor.Ref()})
	return taskStandingOf(r), err
}

// CloseTask closes a delivered task.
func (a *App) CloseTask(ctx context.Context, actor Actor, taskID, stepID string) (TaskStanding, error) {
	task, err := a.DB.ClientTask(ctx, taskID)
	if err != nil {
		return TaskStanding{}, err
	}
	r, err := taskUpdate(ctx, a, task.ID, stepID, workflows.UpdateCloseTask, workflows.TaskStepBy{Actor: actor.Ref()})
	return taskStandingOf(r), err
}

// CancelTask cancels a task not yet delivered (an open one too).
func (a *App) CancelTask(ctx context.Context, actor Actor, taskID, stepID string) (TaskStanding, error) {
	task, err := a.DB.ClientTask(ctx, taskID)
	if err != nil {
		return TaskStanding{}, err
	}
	if task.Status == ippo.TaskOpen {
		if err := a.startTask(ctx, task); err != nil {
			return TaskStanding{}, err
		}
	}
	r, err := taskUpdate(ctx, a, task.ID, stepID, workflows.UpdateCancelTask, workflows.TaskStepBy{Actor: actor.Ref()})
	return taskStandingOf(r), err
}

// taskUpdate sends a step to a task's workflow. A task whose workflow has
// not started (never requested) or has ended answers 409.
func taskUpdate(ctx context.Context, a *App, taskID, stepID, name string, arg any) (workflows.TaskResult, error) {
	var res workflows.TaskResult
	ctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	if stepID == "" {
		stepID = uuid.NewString()
	}
	h, err := a.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.ClientTaskWorkflowID(taskID), UpdateID: stepID, UpdateName: name,
		Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &res)
	}
	if err == nil {
		return res, nil
	}
	if runClosed(err) {
		task, terr := a.DB.ClientTask(context.WithoutCancel(ctx), taskID)
		if terr != nil {
			return res, terr
		}
		return res, &ippo.Error{Code: ippo.ECONFLICT, Message: fmt.Sprintf("the task is %s; this step does not fit it", task.Status)}
	}
	return res, lifecycleError(err, "")
}
