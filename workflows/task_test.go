package workflows_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
)

// taskKinds lists the task steps recorded, as "kind worker".
func (w *world) taskKinds() []string {
	var out []string
	for _, s := range w.taskSteps {
		out = append(out, s.Kind+" "+s.WorkerID)
	}
	return out
}

// taskEmails lists the emails asked for, as "email worker".
func (w *world) taskEmails() []string {
	var out []string
	for _, n := range w.notices {
		out = append(out, string(n.Email)+" "+n.WorkerID)
	}
	return out
}

// taskUpdate is an update sent at a program instant and what it answered.
type taskUpdate struct {
	at     time.Time
	name   string
	arg    any
	result workflows.TaskResult
	err    error
}

// sendTaskUpdates sends each update at its instant and keeps its answer.
func sendTaskUpdates(env *testsuite.TestWorkflowEnvironment, start time.Time, updates []*taskUpdate) {
	for i, u := range updates {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(u.name, fmt.Sprint("u", i), &testsuite.TestUpdateCallback{
				OnAccept: func() {},
				OnReject: func(err error) { u.err = err },
				OnComplete: func(r any, err error) {
					if err != nil {
						u.err = err
						return
					}
					u.result = r.(workflows.TaskResult)
				},
			}, u.arg)
		}, u.at.Sub(start))
	}
}

// TestTaskFromRequestToClose: two workers asked, one declines, the other
// stays silent (a staff to-do); a third asked later accepts (the silent one
// is told kindly it is taken, and a late acceptance is answered "taken");
// the assignee is reminded the day before the due date, staff get a to-do
// the day after it, then the delivery and the close end the workflow.
func TestTaskFromRequestToClose(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	w := newWorld()
	start := day("2026-12-01").Start().Add(9 * time.Hour)
	env := w.newEnv(&suite, start, workflows.ClientTaskWorkflow, workflows.ClientTask)

	due := day("2026-12-20")
	at := func(d string, hour int) time.Time { return day(d).Start().Add(time.Duration(hour) * time.Hour) }
	updates := []*taskUpdate{
		{at: at("2026-12-01", 10), name: workflows.UpdateDeliverTask, arg: workflows.DeliverTask{Output: 1, Quality: 3, Actor: "staff:a"}},
		{at: at("2026-12-01", 11), name: workflows.UpdateRequestTask, arg: workflows.RequestTask{WorkerIDs: []string{"w1", "w2"}, Actor: "staff:a"}},
		{at: at("2026-12-01", 12), name: workflows.UpdateRequestTask, arg: workflows.RequestTask{WorkerIDs: []string{"w2"}, Actor: "staff:a"}},
		{at: at("2026-12-02", 10), name: workflows.UpdateAnswerTask, arg: workflows.AnswerTask{WorkerID: "w1", NoteID: "note-1", Actor: "worker"}},
		{at: at("2026-12-05", 10), name: workflows.UpdateRequestTask, arg: workflows.RequestTask{WorkerIDs: []string{"w3"}, Actor: "staff:a"}},
		{at: at("2026-12-05", 11), name: workflows.UpdateAnswerTask, arg: workflows.AnswerTask{WorkerID: "w3", Accept: true, Actor: "worker"}},
		{at: at("2026-12-05", 12), name: workflows.UpdateAnswerTask, arg: workflows.AnswerTask{WorkerID: "w1", Accept: true, Actor: "worker"}},
		{at: at("2026-12-22", 10), name: workflows.UpdateDeliverTask, arg: workflows.DeliverTask{Output: 20, Quality: 9, Actor: "staff:a"}},
		{at: at("2026-12-22", 11), name: workflows.UpdateDeliverTask, arg: workflows.DeliverTask{Output: 20, Quality: 4, Actor: "staff:a"}},
		{at: at("2026-12-22", 12), name: workflows.UpdateCloseTask, arg: workflows.TaskStepBy{Actor: "staff:a"}},
	}
	sendTaskUpdates(env, start, updates)
	env.ExecuteWorkflow(workflows.ClientTaskWorkflow, workflows.ClientTaskInput{TaskID: "t1", Due: due})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())

	code := func(err error) string {
		require.Error(t, err)
		return err.Error()
	}
	require.Contains(t, code(updates[0].err), "a delivery is recorded once it is assigned", "nothing to deliver while open")
	require.NoError(t, updates[1].err)
	require.Equal(t, ippo.TaskRequested, updates[1].result.Status)
	require.Contains(t, code(updates[2].err), "type: invalid", "asking the same worker twice is refused")
	require.NoError(t, updates[3].err)
	require.NoError(t, updates[5].err)
	require.Equal(t, workflows.TaskResult{Status: ippo.TaskAssigned, Assignee: "w3"}, updates[5].result)
	require.NoError(t, updates[6].err)
	require.True(t, updates[6].result.Taken, "a later acceptance is told the task is taken")
	require.Equal(t, "w3", updates[6].result.Assignee)
	require.Contains(t, code(updates[7].err), "type: invalid", "quality 9 is refused")
	require.NoError(t, updates[8].err)
	require.Equal(t, ippo.TaskDelivered, updates[8].result.Status)
	require.Equal(t, ippo.TaskClosed, updates[9].result.Status)

	require.Equal(t, []string{
		"task_requested w1", "task_requested w2",
		"task_declined w1",
		"task_unanswered w2",
		"task_requested w3",
		"task_assigned w3", "task_taken_by_another w2",
		"task_delivered w3",
		"task_closed ",
	}, w.taskKinds())
	require.Equal(t, "note-1", w.taskSteps[2].NoteID, "the decline's reason travels as a note id")
	require.Equal(t, 20, w.taskSteps[7].Output)
	require.Equal(t, 4, w.taskSteps[7].Quality)
	// w2 was asked on 12-01 with three answer days: silent until 12-05 00:00.
	require.Equal(t, day("2026-12-05"), ippo.DateOf(w.taskSteps[3].ProgramAt))

	require.Equal(t, []string{
		"task_request w1", "task_request w2", "task_request w3",
		"task_taken w2",
		"task_due_reminder w3",
	}, w.taskEmails())
	require.Equal(t, day("2026-12-04"), w.notices[0].Facts.AnswerBy)
	require.Equal(t, due, w.notices[0].Facts.LinkExpires)
	require.Equal(t, "t1", w.notices[0].Facts.TaskID)
	require.Equal(t, due, w.notices[4].Facts.DueOn)

	require.Len(t, w.todos, 2)
	require.Equal(t, activities.TodoTaskUnanswered, w.todos[0].Kind)
	require.Equal(t, "w2", w.todos[0].WorkerID)
	require.Equal(t, activities.TodoTaskOverdue, w.todos[1].Kind)
	require.Equal(t, due, w.todos[1].DueOn)
	// Each decision is written once, whole, by one RecordTaskEffects: the
	// two requests, the decline, the silence, the third request, the
	// acceptance (with the kind word to the one still waiting), the
	// reminder, the overdue to-do, the delivery and the close. Refused
	// updates and the late acceptance wrote nothing.
	require.Len(t, w.taskEffects, 9)
	accepted := w.taskEffects[4]
	require.Equal(t, []string{ippo.TaskStepAssigned + " w3", ippo.TaskStepTaken + " w2"},
		[]string{accepted.Steps[0].Kind + " " + accepted.Steps[0].WorkerID, accepted.Steps[1].Kind + " " + accepted.Steps[1].WorkerID})
	require.Len(t, accepted.Emails, 1)
	require.Equal(t, activities.EmailTaskTaken, accepted.Emails[0].Email)
	// Every key differs: no email or to-do twice.
	keys := map[string]bool{}
	for _, n := range w.notices {
		require.False(t, keys[n.Key], n.Key)
		keys[n.Key] = true
	}
}

// TestTaskCancel: a task can be cancelled before its delivery; the
// workflow ends, and everyone still asked — silent past the answer days
// (w3), or waiting (w1) — is told kindly that it was called off, in the
// order they were asked, while the one who declined (w2) hears nothing more.
func TestTaskCancel(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	w := newWorld()
	start := day("2026-12-01").Start().Add(9 * time.Hour)
	env := w.newEnv(&suite, start, workflows.ClientTaskWorkflow, workflows.ClientTask)
	at := func(d string, hour int) time.Time { return day(d).Start().Add(time.Duration(hour) * time.Hour) }
	updates := []*taskUpdate{
		{at: at("2026-12-01", 10), name: workflows.UpdateRequestTask, arg: workflows.RequestTask{WorkerIDs: []string{"w2", "w3"}, Actor: "staff:a"}},
		{at: at("2026-12-01", 11), name: workflows.UpdateAnswerTask, arg: workflows.AnswerTask{WorkerID: "w2", Actor: "worker"}},
		{at: at("2026-12-04", 10), name: workflows.UpdateRequestTask, arg: workflows.RequestTask{WorkerIDs: []string{"w1"}, Actor: "staff:a"}},
		{at: at("2026-12-05", 12), name: workflows.UpdateCancelTask, arg: workflows.TaskStepBy{Actor: "staff:a"}},
	}
	sendTaskUpdates(env, start, updates)
	env.ExecuteWorkflow(workflows.ClientTaskWorkflow, workflows.ClientTaskInput{TaskID: "t2", Due: day("2026-12-20")})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	for _, u := range updates {
		require.NoError(t, u.err)
	}
	require.Equal(t, ippo.TaskCancelled, updates[3].result.Status)

	require.Equal(t, []string{
		"task_requested w2", "task_requested w3",
		"task_declined w2",
		"task_requested w1",
		"task_unanswered w3",
		"task_cancelled ", "task_request_withdrawn w3", "task_request_withdrawn w1",
	}, w.taskKinds())
	require.Equal(t, []string{
		"task_request w2", "task_request w3", "task_request w1",
		"task_withdrawn w3", "task_withdrawn w1",
	}, w.taskEmails())
	// The cancellation is one decision, written whole by one RecordTaskEffects.
	cancelled := w.taskEffects[len(w.taskEffects)-1]
	require.Len(t, cancelled.Steps, 3)
	require.Len(t, cancelled.Emails, 2)
	// Only w3's silence asked staff for anything; the cancellation asks nothing more.
	require.Len(t, w.todos, 1)
	require.Equal(t, activities.TodoTaskUnanswered, w.todos[0].Kind)
}
