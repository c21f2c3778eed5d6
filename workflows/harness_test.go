package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// world is what the fake activities read and write: PostgreSQL and the
// mailer, in memory.
type world struct {
	mu       sync.Mutex
	policy   []ippo.PolicyVersion
	steps    []ippo.Step
	notices  []activities.Notice
	effects  []activities.Effects // every write of a decision's effects
	claims   []activities.PlaceRequest
	releases []activities.PlaceRequest
	signals  []string // workflow IDs sent place-granted
	// claim answers ClaimPlace; release answers ReleasePlace.
	claim   activities.PlaceResult
	promote []string

	// assessments, consents and handoffs (issue 6)
	accepted  []string                              // assessment ids accepted
	consents  map[string]*fakeConsent               // by consent id
	handoffs  map[string]*activities.HandoffOutcome // provisions by handoff id
	provided  []activities.HandoffProvision         // every provision asked for, in order
	changes   []activities.HandoffChange
	todos     []activities.StaffTodo
	deletions []activities.ProvisionDeletion
	retention []retentionStart // retention workflows started
	// onProvide runs before a provision is decided (to withdraw a consent
	// mid-handoff, as a concurrent API request would).
	onProvide func(p activities.HandoffProvision)
	// onEffects runs before a decision's effects are written; an error
	// fails the write (as PostgreSQL would).
	onEffects func(e activities.Effects) error

	// client tasks (issue 14)
	taskSteps   []ippo.TaskStep
	taskEffects []activities.TaskEffects // every write of a task decision's effects
}

// fakeConsent is a consent as PostgreSQL holds it.
type fakeConsent struct {
	items     []ippo.ShareItem
	withdrawn bool
}

// retentionStart is a ProvisionRetention workflow as the lifecycle started it.
type retentionStart struct {
	in workflows.ProvisionRetentionInput
	at time.Time // real instant it started
	id string
}

func newWorld() *world {
	return &world{
		policy: []ippo.PolicyVersion{{EffectiveFrom: ippo.Date{Year: 2022, Month: 10, Day: 1}, Policy: ippo.DefaultPolicy()}},
		claim:  activities.PlaceResult{Granted: true},

		consents: map[string]*fakeConsent{},
		handoffs: map[string]*activities.HandoffOutcome{},
	}
}

func (w *world) register(env *testsuite.TestWorkflowEnvironment) {
	w.registerActivities(env)
	// The retention workflow outlives the lifecycle; here it only records
	// that it was started (TestProvisionRecordsAreDeletedAfterThreeYears runs the real one).
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.ProvisionRetentionInput) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.retention = append(w.retention, retentionStart{in: in, at: workflow.Now(ctx), id: workflow.GetInfo(ctx).WorkflowExecution.ID})
		return nil
	}, workflow.RegisterOptions{Name: workflows.ProvisionRetentionWorkflow})
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, mock.Anything, workflows.SignalPlaceGranted, mock.Anything).Return(
		func(_, workflowID, _, _ string, _ any) error {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.signals = append(w.signals, workflowID)
			return nil
		})
}

// registerActivities registers in-memory activities under the real names.
func (w *world) registerActivities(r interface {
	RegisterActivityWithOptions(any, activity.RegisterOptions)
}) {
	reg := func(name string, fn any) {
		r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
	reg("PolicyAt", func(_ context.Context, d ippo.Date) (ippo.Policy, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		return ippo.PolicyAt(w.policy, d), nil
	})
	reg("RecordStep", func(_ context.Context, s ippo.Step) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		if !slices.ContainsFunc(w.steps, func(x ippo.Step) bool { return x.Key == s.Key }) {
			w.steps = append(w.steps, s)
		}
		return nil
	})
	reg("Notify", func(_ context.Context, n activities.Notice) (activities.NoticeResult, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if slices.ContainsFunc(w.notices, func(x activities.Notice) bool { return x.Key == n.Key }) {
			return activities.NoticeResult{}, fmt.Errorf("email %s asked for twice", n.Key)
		}
		w.notices = append(w.notices, n)
		return activities.NoticeResult{Status: ippo.EmailHeld}, nil
	})
	reg("RecordEffects", func(_ context.Context, e activities.Effects) error {
		if w.onEffects != nil {
			if err := w.onEffects(e); err != nil {
				return err
			}
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, s := range e.Steps {
			if !slices.ContainsFunc(w.steps, func(x ippo.Step) bool { return x.Key == s.Key }) {
				w.steps = append(w.steps, s)
			}
		}
		for _, n := range e.Emails {
			if slices.ContainsFunc(w.notices, func(x activities.Notice) bool { return x.Key == n.Key }) {
				return fmt.Errorf("email %s asked for twice", n.Key)
			}
		}
		w.notices = append(w.notices, e.Emails...)
		w.effects = append(w.effects, e)
		return nil
	})
	reg("RecordTaskStep", func(_ context.Context, s ippo.TaskStep) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.addTaskSteps(s)
		return nil
	})
	reg("RecordTaskEffects", func(_ context.Context, e activities.TaskEffects) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, n := range e.Emails {
			if slices.ContainsFunc(w.notices, func(x activities.Notice) bool { return x.Key == n.Key }) {
				return fmt.Errorf("email %s asked for twice", n.Key)
			}
		}
		for _, t := range e.Todos {
			if slices.ContainsFunc(w.todos, func(x activities.StaffTodo) bool { return x.Key == t.Key }) {
				return fmt.Errorf("to-do %s asked for twice", t.Key)
			}
		}
		w.addTaskSteps(e.Steps...)
		w.notices = append(w.notices, e.Emails...)
		w.todos = append(w.todos, e.Todos...)
		w.taskEffects = append(w.taskEffects, e)
		return nil
	})
	reg("ClaimPlace", func(_ context.Context, r activities.PlaceRequest) (activities.PlaceResult, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.claims = append(w.claims, r)
		return w.claim, nil
	})
	reg("ReleasePlace", func(_ context.Context, r activities.PlaceRequest) ([]string, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.releases = append(w.releases, r)
		return w.promote, nil
	})
	reg("AcceptAssessment", func(_ context.Context, r activities.AssessmentAcceptance) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		if !slices.Contains(w.accepted, r.AssessmentID) {
			w.accepted = append(w.accepted, r.AssessmentID)
		}
		return nil
	})
	reg("ProvideHandoff", func(_ context.Context, p activities.HandoffProvision) (activities.HandoffOutcome, error) {
		if w.onProvide != nil {
			w.onProvide(p)
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if h, ok := w.handoffs[p.ID]; ok {
			return *h, nil
		}
		w.provided = append(w.provided, p)
		c := w.consents[p.ConsentID]
		out := activities.HandoffOutcome{Status: ippo.HandoffSent}
		switch {
		case c == nil:
			out = activities.HandoffOutcome{Status: ippo.HandoffCancelled, Reason: "no_consent"}
		case c.withdrawn:
			out = activities.HandoffOutcome{Status: ippo.HandoffCancelled, Reason: "consent_withdrawn"}
		default:
			out.Items = c.items
		}
		w.handoffs[p.ID] = &out
		return out, nil
	})
	reg("ChangeHandoff", func(_ context.Context, c activities.HandoffChange) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.changes = append(w.changes, c)
		return nil
	})
	reg("CreateStaffTodo", func(_ context.Context, t activities.StaffTodo) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		if slices.ContainsFunc(w.todos, func(x activities.StaffTodo) bool { return x.Key == t.Key }) {
			return fmt.Errorf("to-do %s asked for twice", t.Key)
		}
		w.todos = append(w.todos, t)
		return nil
	})
	reg("DeleteProvision", func(_ context.Context, d activities.ProvisionDeletion) (bool, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.deletions = append(w.deletions, d)
		_, ok := w.handoffs[d.HandoffID]
		delete(w.handoffs, d.HandoffID)
		return ok, nil
	})
}

// addTaskSteps keeps each task step once (by key), as PostgreSQL does.
func (w *world) addTaskSteps(steps ...ippo.TaskStep) {
	for _, s := range steps {
		if !slices.ContainsFunc(w.taskSteps, func(x ippo.TaskStep) bool { return x.Key == s.Key }) {
			w.taskSteps = append(w.taskSteps, s)
		}
	}
}

// newEnv is the test environment every workflow test here runs in: patient
// (see patient), starting at start, with workflow wf registered under name
// and the world's activities and mocks.
func (w *world) newEnv(suite *testsuite.WorkflowTestSuite, start time.Time, name string, wf any) *testsuite.TestWorkflowEnvironment {
	env := patient(suite.NewTestWorkflowEnvironment())
	env.SetStartTime(start)
	env.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: name})
	w.register(env)
	return env
}

// consent records a consent in the fake PostgreSQL and returns its id.
func (w *world) consent(id string, items ...ippo.ShareItem) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.consents[id] = &fakeConsent{items: items}
	return id
}

// withdraw records a consent's withdrawal in the fake PostgreSQL.
func (w *world) withdraw(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.consents[id].withdrawn = true
}

func (w *world) stepKinds() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, s := range w.steps {
		out = append(out, s.Kind)
	}
	return out
}

func (w *world) emails() []activities.Email {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []activities.Email
	for _, n := range w.notices {
		out = append(out, n.Email)
	}
	return out
}

func (w *world) noticesOf(e activities.Email) []activities.Notice {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []activities.Notice
	for _, n := range w.notices {
		if n.Email == e {
			out = append(out, n)
		}
	}
	return out
}

func (w *world) stepsOf(kind string) []ippo.Step {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []ippo.Step
	for _, s := range w.steps {
		if s.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

// scenario drives one lifecycle through as many runs (continue-as-new) as
// it takes, with staff steps at given program times.
type scenario struct {
	t       *testing.T
	suite   testsuite.WorkflowTestSuite
	world   *world
	start   time.Time
	actions []*action
	runs    int
	state   workflows.LifecycleState
	err     error
	// imported starts the lifecycle as an imported worker's (ippo import).
	imported *workflows.ImportedContract
}

type action struct {
	at   time.Time
	do   func(env *testsuite.TestWorkflowEnvironment)
	done bool
}

// outcome is what an update answered.
type outcome struct {
	ran    bool
	result workflows.StepResult
	value  any // the update's own result (AssessmentResult, GraduationResult, …)
	err    error
}

// Refused returns the domain error of a refused update.
func (o *outcome) Refused(t *testing.T) *ippo.Error {
	t.Helper()
	require.True(t, o.ran, "the update never ran")
	require.Error(t, o.err, "want a refusal, got %+v", o.result)
	var e ippo.Error
	var app interface{ Details(...any) error }
	require.True(t, errors.As(o.err, &app), "want an application error, got %v", o.err)
	require.NoError(t, app.Details(&e))
	return &e
}

func (o *outcome) OK(t *testing.T) workflows.StepResult {
	t.Helper()
	require.True(t, o.ran, "the update never ran")
	require.NoError(t, o.err)
	return o.result
}

const workerID = "0d5f3c2e-8b9a-4f1e-9c3d-2a7b6e5f4d3c"

func newScenario(t *testing.T, applied string) *scenario {
	s := &scenario{t: t, world: newWorld(), start: day(applied).Start().Add(10 * time.Hour)}
	s.suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	return s
}

func day(s string) ippo.Date {
	d, err := ippo.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// at schedules fn at 10:00 (Asia/Tokyo) on date.
func (s *scenario) at(date string, fn func(env *testsuite.TestWorkflowEnvironment)) {
	s.atTime(day(date).Start().Add(10*time.Hour), fn)
}

func (s *scenario) atTime(t time.Time, fn func(env *testsuite.TestWorkflowEnvironment)) {
	s.actions = append(s.actions, &action{at: t, do: fn})
}

// update sends a staff step on date and returns its outcome once run.
func (s *scenario) update(date, name string, arg any) *outcome {
	return s.updateAs(date, name, fmt.Sprintf("u%d", len(s.actions)), arg)
}

// updateAs sends a staff step with update ID id (a retried request sends
// its ID again).
func (s *scenario) updateAs(date, name, id string, arg any) *outcome {
	return s.updateAt(day(date).Start().Add(10*time.Hour), name, id, arg)
}

// updateAt sends a staff step with update ID id at instant at.
func (s *scenario) updateAt(at time.Time, name, id string, arg any) *outcome {
	o := &outcome{}
	s.atTime(at, func(env *testsuite.TestWorkflowEnvironment) {
		env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { o.ran, o.err = true, err },
			OnComplete: func(v any, err error) {
				o.ran, o.err, o.value = true, err, v
				if r, ok := v.(workflows.StepResult); ok && err == nil {
					o.result = r
				}
			},
		}, arg)
	})
	return o
}

func (s *scenario) signal(date, name string) {
	s.at(date, func(env *testsuite.TestWorkflowEnvironment) { env.SignalWorkflow(name, nil) })
}

// signalWith sends a signal with a payload on date.
func (s *scenario) signalWith(date, name string, arg any) {
	s.at(date, func(env *testsuite.TestWorkflowEnvironment) { env.SignalWorkflow(name, arg) })
}

// valueOf returns an accepted update's own result.
func valueOf[T any](t *testing.T, o *outcome) T {
	t.Helper()
	require.True(t, o.ran, "the update never ran")
	require.NoError(t, o.err)
	v, ok := o.value.(T)
	require.True(t, ok, "the update answered %T", o.value)
	return v
}

// run executes the lifecycle to its end (or until after the last action),
// following continue-as-new.
func (s *scenario) run() {
	s.t.Helper()
	in := workflows.LifecycleInput{WorkerID: workerID, Actor: "staff:test", Imported: s.imported}
	start := s.start
	for s.runs = 1; s.runs <= 200; s.runs++ {
		env := s.world.newEnv(&s.suite, start, workflows.LifecycleWorkflow, workflows.Lifecycle)
		pending := 0
		for _, a := range s.actions {
			if a.done {
				continue
			}
			pending++
			a := a
			env.RegisterDelayedCallback(func() { a.done = true; a.do(env) }, max(a.at.Sub(start), 0))
		}
		if pending == 0 {
			// Nothing left to do: let the lifecycle run until it waits with no timer.
			env.SetTestTimeout(2 * time.Second)
		}
		env.ExecuteWorkflow(workflows.LifecycleWorkflow, in)
		require.True(s.t, env.IsWorkflowCompleted())
		err := env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			var next workflows.LifecycleInput
			require.NoError(s.t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
			require.NotNil(s.t, next.State)
			in, s.state, start = next, *next.State, env.Now()
			continue
		}
		s.err = err
		if v, qerr := env.QueryWorkflow(workflows.QueryState); qerr == nil {
			require.NoError(s.t, v.Get(&s.state))
		}
		return
	}
	s.t.Fatal("more than 200 runs")
}

// patient lets a workflow task take as long as a loaded machine needs. The
// SDK calls a task that runs over a second a deadlock; on two cores under
// -race with other builds running, a time-skipped task of years of history
// can take that long without any deadlock, so the test would measure the
// machine, not the workflow.
func patient(env *testsuite.TestWorkflowEnvironment) *testsuite.TestWorkflowEnvironment {
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	return env
}
