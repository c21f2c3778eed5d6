package workflows_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// cost is what one step of a lifecycle spends on the Temporal server:
// workflow tasks, activity tasks, and local activities (which run inside
// a workflow task and cost the server nothing but a marker).
type cost struct {
	Tasks, Activities, Local int
}

// stepCosts measures intake, approval, signing and the first extension in
// the first run of a lifecycle's history (issue 13):
//   - intake: from the start until its writes are done, i.e. until the
//     approval's first activity (ClaimPlace);
//   - approval and signing: from the handler's first activity (or its
//     acceptance) until the Update completes;
//   - extension: from the timer that fired last to the continue-as-new.
//
// A workflow task is counted for each WorkflowTaskCompleted in the span,
// and one for the task the span begins in.
func stepCosts(t *testing.T, h *historypb.History) map[string]cost {
	t.Helper()
	ev := h.Events
	activity := func(e *historypb.HistoryEvent) (name string, local bool) { return historyActivity(t, e) }
	span := func(from, to int) cost { return spanCost(t, ev, from, to) }
	// intake: its writes are the activities before the approval's
	// ClaimPlace; it ends with the workflow task that sees the last one
	// done (a local activity's marker is in that task already).
	claim, last := -1, -1
	for i, e := range ev {
		name, _ := activity(e)
		if name == "ClaimPlace" {
			claim = i
			break
		}
		if name != "" {
			last = i
		}
	}
	require.Positive(t, claim, "no approval in the history")
	require.Positive(t, last, "no intake write in the history")
	intake := cost{}
	end := last
	if a := ev[last].GetActivityTaskScheduledEventAttributes(); a != nil {
		for i, e := range ev[last:] {
			if c := e.GetActivityTaskCompletedEventAttributes(); c != nil && c.GetScheduledEventId() == ev[last].GetEventId() {
				end = last + i
				intake.Tasks++ // the task that sees it completed
				break
			}
		}
	}
	for _, e := range ev[:end] {
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			intake.Tasks++
		}
	}
	for _, e := range ev[:last+1] {
		if name, local := activity(e); name != "" && local {
			intake.Local++
		} else if name != "" {
			intake.Activities++
		}
	}
	costs := map[string]cost{"intake": intake}

	costs[workflows.UpdateDecideEligibility] = updateCost(t, ev, workflows.UpdateDecideEligibility, claim)
	costs[workflows.UpdateSignContract] = updateCost(t, ev, workflows.UpdateSignContract, 0)

	can, fired := len(ev)-1, -1
	require.NotNil(t, ev[can].GetWorkflowExecutionContinuedAsNewEventAttributes(), "the run ends with an extension")
	for i, e := range ev[:can] {
		if e.GetEventType() == enumspb.EVENT_TYPE_TIMER_FIRED {
			fired = i
		}
	}
	c := span(fired, can+1)
	c.Tasks-- // the timer fired before its workflow task began
	costs["extension"] = c
	return costs
}

// TestStepCosts pins what a step costs, measured on the real Temporal dev
// server from the history of today's code: two workflow tasks and one
// activity task per step — the task that decides (its reads are local
// activities) and the one that sees its one write done; the write is an
// activity so that it runs only once the decision is recorded
// (changeDurableEffects, TestEffectsFollowTheirDecision). It prints the costs before the change, from a history
// recorded then (testdata/histories/v3-main-*).
func TestStepCosts(t *testing.T) {
	before := loadHistory(t, "testdata/histories/v3-main-extends-twice-then-withdrawn-run1.json")
	old := stepCosts(t, before)
	require.Equal(t, cost{Tasks: 4, Activities: 3}, old[workflows.UpdateSignContract], "the measure itself: signing cost 4 tasks and 3 activities before")

	c := temporaltest.Server(t).Client()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	clock := ippo.Clock{Anchor: time.Now().Truncate(time.Second), MonthLength: 3 * time.Second}
	queue := "costs-" + uuid.NewString()
	w := newWorld()
	w.claim = activities.PlaceResult{Granted: true}
	wk := worker.New(c, queue, worker.Options{})
	wk.RegisterWorkflowWithOptions(workflows.Lifecycle, workflow.RegisterOptions{Name: workflows.LifecycleWorkflow})
	w.registerActivities(wk)
	require.NoError(t, wk.Start())
	defer wk.Stop()

	id := uuid.NewString()
	wid := workflows.WorkerWorkflowID(id)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wid, TaskQueue: queue},
		workflows.LifecycleWorkflow, workflows.LifecycleInput{WorkerID: id, Actor: "staff:a", Clock: clock})
	require.NoError(t, err)
	defer func() { _ = c.TerminateWorkflow(context.Background(), wid, "", "test over") }()
	// Each step on its own: the approval is sent once the application is
	// written and the task that saw it written is done.
	require.Eventually(t, func() bool { return len(w.stepsOf("applied")) == 1 }, time.Minute, 20*time.Millisecond)
	for i, u := range []struct {
		name string
		arg  any
	}{{workflows.UpdateDecideEligibility, approve()}, {workflows.UpdateSignContract, workflows.SignContract{Actor: "staff:a"}}} {
		waitIdle(ctx, t, c, wid)
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: wid, UpdateID: string(rune('a' + i)), UpdateName: u.name, Args: []any{u.arg},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		require.NoError(t, err)
		require.NoError(t, h.Get(ctx, nil))
	}
	// The first run ends at the first extension (continue-as-new).
	err = c.GetWorkflow(ctx, wid, run.GetRunID()).GetWithOptions(ctx, nil, client.WorkflowRunGetOptions{DisableFollowingRuns: true})
	require.Error(t, err, "the first run continues as new at the extension")
	h := &historypb.History{}
	it := c.GetWorkflowHistory(ctx, wid, run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, e)
	}
	now := stepCosts(t, h)
	for _, step := range []string{"intake", workflows.UpdateDecideEligibility, workflows.UpdateSignContract, "extension"} {
		t.Logf("%-20s before %+v  now %+v", step, old[step], now[step])
	}
	require.Equal(t, map[string]cost{
		"intake":                          {Tasks: 2, Activities: 1},
		workflows.UpdateDecideEligibility: {Tasks: 2, Activities: 1, Local: 1},
		workflows.UpdateSignContract:      {Tasks: 2, Activities: 1, Local: 1},
		"extension":                       {Tasks: 2, Activities: 1, Local: 1},
	}, now)
}

// TestEffectsFollowTheirDecision runs a lifecycle on the real Temporal dev
// server and checks, as each staff step's effects are written, that the
// Update which decided it is already in the history: a write runs only
// once the workflow task that made its decision is recorded. A write that
// ran inside that task (a local activity) would have left, when the task
// was lost (ippo killed, the server restarted), the effects of a decision
// the lifecycle never had — TestChaos met one: a notice on the timeline
// that the lifecycle went on extending past.
func TestEffectsFollowTheirDecision(t *testing.T) {
	c := temporaltest.Server(t).Client()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// A long month: the steps below are not raced by an extension.
	clock := ippo.Clock{Anchor: time.Now().Truncate(time.Second), MonthLength: time.Hour}
	queue := "durable-" + uuid.NewString()
	id := uuid.NewString()
	wid := workflows.WorkerWorkflowID(id)
	decidedBy := map[string]string{ // step kind: the Update that decides it
		"eligibility_approved": workflows.UpdateDecideEligibility,
		"contract_signed":      workflows.UpdateSignContract,
		"non_renewal_given":    workflows.UpdateEndContract,
	}
	var (
		mu      sync.Mutex
		checked []string
		early   []string
	)
	w := newWorld()
	w.claim = activities.PlaceResult{Granted: true}
	w.onEffects = func(e activities.Effects) error {
		for _, s := range e.Steps {
			update, ok := decidedBy[s.Kind]
			if !ok {
				continue
			}
			recorded := false
			it := c.GetWorkflowHistory(ctx, wid, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			for it.HasNext() {
				ev, err := it.Next()
				if err != nil {
					return err
				}
				if a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes(); a != nil && a.GetAcceptedRequest().GetInput().GetName() == update {
					recorded = true
				}
			}
			mu.Lock()
			checked = append(checked, s.Kind)
			if !recorded {
				early = append(early, s.Kind)
			}
			mu.Unlock()
		}
		return nil
	}
	wk := worker.New(c, queue, worker.Options{})
	wk.RegisterWorkflowWithOptions(workflows.Lifecycle, workflow.RegisterOptions{Name: workflows.LifecycleWorkflow})
	w.registerActivities(wk)
	require.NoError(t, wk.Start())
	defer wk.Stop()

	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wid, TaskQueue: queue},
		workflows.LifecycleWorkflow, workflows.LifecycleInput{WorkerID: id, Actor: "staff:a", Clock: clock})
	require.NoError(t, err)
	defer func() { _ = c.TerminateWorkflow(context.Background(), wid, "", "test over") }()
	for i, u := range []struct {
		name string
		arg  any
	}{
		{workflows.UpdateDecideEligibility, approve()},
		{workflows.UpdateSignContract, workflows.SignContract{Actor: "staff:a"}},
		{workflows.UpdateEndContract, workflows.EndContract{By: workflows.ByCenter, NoteID: "n", Actor: "staff:a"}},
	} {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: wid, UpdateID: string(rune('a' + i)), UpdateName: u.name, Args: []any{u.arg},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		require.NoError(t, err)
		require.NoError(t, h.Get(ctx, nil), u.name)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"eligibility_approved", "contract_signed", "non_renewal_given"}, checked, "every staff step's write was checked")
	require.Empty(t, early, "steps written before the Update that decided them was in the history")
}

// waitIdle waits until the workflow has no workflow task and no activity
// pending: what the last step decided is recorded and written, so the next
// step's costs are its own on a machine of any speed.
func waitIdle(ctx context.Context, t *testing.T, c client.Client, workflowID string) {
	t.Helper()
	require.Eventually(t, func() bool {
		d, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
		return err == nil && d.GetPendingWorkflowTask() == nil && len(d.GetPendingActivities()) == 0
	}, time.Minute, 20*time.Millisecond, "workflow %s idle", workflowID)
}

// historyActivity names the activity an event schedules, and whether it
// is a local activity (its marker).
func historyActivity(t *testing.T, e *historypb.HistoryEvent) (name string, local bool) {
	if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
		return a.GetActivityType().GetName(), false
	}
	if m := e.GetMarkerRecordedEventAttributes(); m != nil && m.GetMarkerName() == "LocalActivity" {
		var d struct{ ActivityType string }
		require.NoError(t, temporaltest.Codec().DataConverter().FromPayload(m.GetDetails()["data"].GetPayloads()[0], &d))
		return d.ActivityType, true
	}
	return "", false
}

// spanCost is the cost of events from to to: one workflow task for the
// task the span begins in and one per WorkflowTaskCompleted after it.
func spanCost(t *testing.T, ev []*historypb.HistoryEvent, from, to int) cost {
	c := cost{Tasks: 1}
	for _, e := range ev[from+1 : to] {
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			c.Tasks++
		}
	}
	for _, e := range ev[from:to] {
		if name, local := historyActivity(t, e); name != "" {
			if local {
				c.Local++
			} else {
				c.Activities++
			}
		}
	}
	return c
}

// updateCost is the cost of the first completed Update called name, from
// its acceptance (or from, if later) to its completion.
func updateCost(t *testing.T, ev []*historypb.HistoryEvent, name string, from int) cost {
	accepted, completed := -1, -1
	var id string
	for i, e := range ev {
		if a := e.GetWorkflowExecutionUpdateAcceptedEventAttributes(); a != nil && a.GetAcceptedRequest().GetInput().GetName() == name {
			accepted, id = i, a.GetAcceptedRequest().GetMeta().GetUpdateId()
		}
		if a := e.GetWorkflowExecutionUpdateCompletedEventAttributes(); a != nil && accepted >= 0 && a.GetMeta().GetUpdateId() == id {
			completed = i
			break
		}
	}
	require.Positive(t, completed, "no completed %s update", name)
	return spanCost(t, ev, max(accepted, from), completed)
}

func loadHistory(t *testing.T, file string) *historypb.History {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)
	return h
}
