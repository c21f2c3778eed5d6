package workflows_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestRecordHistories runs lifecycles on the real Temporal dev server (with
// in-memory activities and a three-second month) and saves their histories
// under testdata/histories for TestReplayRecordedHistories. It runs only
// with IPPO_RECORD_HISTORIES=1 (make histories): saved histories are the
// record of what running workflows did, and are added to, not rewritten.
func TestRecordHistories(t *testing.T) {
	tag := recordingTag(t)
	c := temporaltest.Server(t).Client()
	clock := ippo.Clock{Anchor: time.Now().Truncate(time.Second), MonthLength: 3 * time.Second}

	type step struct {
		wait   func(st workflows.LifecycleState) bool // before the update
		update string
		arg    any
		signal string
		// signalArg is the signal's payload, if any.
		signalArg any
		// argOf builds the update's argument when it is sent (dates of the
		// day, the worker's handoff IDs).
		argOf func(workerID string) any
	}
	scenarios := []struct {
		name  string
		claim activities.PlaceResult
		setup func(w *world)
		// imported starts the lifecycle as an imported worker's (issue 13).
		imported func(today ippo.Date) *workflows.ImportedContract
		steps    []step
		until    func(st workflows.LifecycleState) bool
	}{
		{name: "extends-twice-then-withdrawn", claim: activities.PlaceResult{Granted: true}, steps: []step{
			{update: workflows.UpdateDecideEligibility, arg: approve()},
			{update: workflows.UpdateSignContract, arg: workflows.SignContract{Actor: "staff:a"}},
			{wait: func(st workflows.LifecycleState) bool { return st.Contract != nil && st.Contract.Extensions >= 2 },
				update: workflows.UpdateWithdraw, arg: withdraw()},
		}},
		{name: "rejected", steps: []step{
			{update: workflows.UpdateDecideEligibility, arg: workflows.EligibilityDecision{NoteID: "n", Actor: "staff:a"}},
		}},
		{name: "waitlisted-then-withdrawn", claim: activities.PlaceResult{Position: 1}, steps: []step{
			{update: workflows.UpdateDecideEligibility, arg: approve()},
			{signal: workflows.SignalPlaceGranted},
			{wait: func(st workflows.LifecycleState) bool { return st.Phase == ippo.PhaseOnboarding },
				update: workflows.UpdateWithdraw, arg: withdraw()},
		}},
		{name: "center-notice-then-ended", claim: activities.PlaceResult{Granted: true}, steps: []step{
			{update: workflows.UpdateDecideEligibility, arg: approve()},
			{update: workflows.UpdateSignContract, arg: workflows.SignContract{Actor: "staff:a"}},
			{update: workflows.UpdateEndContract, arg: workflows.EndContract{By: workflows.ByCenter, NoteID: "n", Actor: "staff:a"}},
		}},
		// issue 6: the assessment cadence, a step-up, graduation with one
		// handoff sent and one cancelled, an acknowledgement, a consent
		// withdrawn after a handoff, follow-ups, completion.
		{name: "assessed-graduated-handed-over", claim: activities.PlaceResult{Granted: true}, setup: func(w *world) {
			w.consent("c-a", ippo.ShareWorkHistory, ippo.ShareAssessments)
			w.consent("c-b", ippo.ShareContact)
			w.consent("c-c", ippo.ShareWorkHistory)
			w.withdraw("c-c")
		}, steps: []step{
			{update: workflows.UpdateDecideEligibility, arg: approve()},
			{update: workflows.UpdateSignContract, arg: workflows.SignContract{Actor: "staff:a"}},
			{wait: func(st workflows.LifecycleState) bool { return st.Assessments != nil && st.Assessments.Requested },
				update: workflows.UpdateRecordAssessment, argOf: recordNow(ippo.AssessorStaff, clock)},
			{update: workflows.UpdateRecordAssessment, argOf: recordNow(ippo.AssessorSelf, clock)},
			{update: workflows.UpdateGraduate, arg: graduate(handoffTo(agencyA, "c-a"), handoffTo(agencyB, "c-b"), handoffTo(agencyC, "c-c"))},
			{update: workflows.UpdateAcknowledgeHandoff, argOf: func(workerID string) any {
				return workflows.AcknowledgeHandoff{HandoffID: workflows.HandoffID(workerID, agencyA), Actor: ippo.ActorAgency}
			}},
			{signal: workflows.SignalConsentWithdrawn, signalArg: workflows.ConsentWithdrawn{ConsentID: "c-b", Actor: "staff:a"}},
		}},
		// issue 13: a worker brought in by ippo import, in their third term.
		{name: "imported-extended-then-withdrawn", imported: func(today ippo.Date) *workflows.ImportedContract {
			return &workflows.ImportedContract{SignedOn: ippo.AddMonthsCivil(today, -8), TermStart: today.AddDays(-20),
				TermEnd: today.AddDays(15), Extensions: 2}
		}, steps: []step{
			{wait: func(st workflows.LifecycleState) bool { return st.Contract != nil && st.Contract.Extensions >= 3 },
				update: workflows.UpdateWithdraw, arg: withdraw()},
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			queue := "record-" + uuid.NewString()
			w := newWorld()
			w.claim = sc.claim
			if sc.setup != nil {
				sc.setup(w)
			}
			wk := worker.New(c, queue, worker.Options{})
			wk.RegisterWorkflowWithOptions(workflows.Lifecycle, workflow.RegisterOptions{Name: workflows.LifecycleWorkflow})
			wk.RegisterWorkflowWithOptions(workflows.ProvisionRetention, workflow.RegisterOptions{Name: workflows.ProvisionRetentionWorkflow})
			w.registerActivities(wk)
			require.NoError(t, wk.Start())
			defer wk.Stop()

			id := uuid.NewString()
			in := workflows.LifecycleInput{WorkerID: id, Actor: "staff:a", Clock: clock}
			if sc.imported != nil {
				in.Imported = sc.imported(clock.Today(time.Now()))
			}
			run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.WorkerWorkflowID(id), TaskQueue: queue},
				workflows.LifecycleWorkflow, in)
			require.NoError(t, err)
			state := func() workflows.LifecycleState {
				var st workflows.LifecycleState
				v, err := c.QueryWorkflow(ctx, workflows.WorkerWorkflowID(id), "", workflows.QueryState)
				require.NoError(t, err)
				require.NoError(t, v.Get(&st))
				return st
			}
			for i, s := range sc.steps {
				for s.wait != nil && !s.wait(state()) {
					time.Sleep(200 * time.Millisecond)
				}
				if s.signal != "" {
					require.NoError(t, c.SignalWorkflow(ctx, workflows.WorkerWorkflowID(id), "", s.signal, s.signalArg))
					continue
				}
				arg := s.arg
				if s.argOf != nil {
					arg = s.argOf(id)
				}
				h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
					WorkflowID: workflows.WorkerWorkflowID(id), UpdateID: fmt.Sprint(i), UpdateName: s.update,
					Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
				})
				require.NoError(t, err)
				require.NoError(t, h.Get(ctx, nil))
			}
			// Follow the chain of runs to the end and save each.
			runID := run.GetRunID()
			for n := 1; ; n++ {
				desc := c.GetWorkflow(ctx, workflows.WorkerWorkflowID(id), runID)
				err := desc.Get(ctx, nil)
				file := filepath.Join("testdata", "histories", fmt.Sprintf("%s-%s-run%d.json", tag, sc.name, n))
				hist := saveHistory(ctx, t, c, workflows.WorkerWorkflowID(id), runID, file)
				last := hist.Events[len(hist.Events)-1]
				next := last.GetWorkflowExecutionContinuedAsNewEventAttributes()
				if next == nil {
					require.NoError(t, err, "the lifecycle completes")
					return
				}
				runID = next.GetNewExecutionRunId()
			}
		})
	}
}

// recordNow builds an assessment made the day it is sent (on clock), above
// the step-up threshold.
func recordNow(by ippo.Assessor, clock ippo.Clock) func(string) any {
	return func(string) any {
		return workflows.RecordAssessment{AssessmentID: uuid.NewString(), By: by, On: clock.Today(time.Now()),
			Scores: ippo.PerDimension[int]{Stability: 4, Execution: 4, Habits: 5, Interpersonal: 4}, Actor: "staff:a"}
	}
}
