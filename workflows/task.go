package workflows

import (
	"fmt"
	"slices"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"
)

// The client task workflow's contract (issue 14).
//
// Task queue: the lifecycle's.
// Workflow ID: ClientTaskWorkflowID(taskID), "task/<uuid>": the task's ID,
// never a name.
// Input: ClientTaskInput (IDs, dates and the clock; State when continued).
// Updates (each has a validator; a refused step changes nothing):
//   - UpdateRequestTask (RequestTask) → TaskResult: staff ask one or more
//     workers; each gets the request email with a signed accept/decline link.
//   - UpdateAnswerTask (AnswerTask) → TaskResult: a worker accepts or
//     declines (through the link), or staff choose one who was asked
//     (Accept with a staff Actor). The first acceptance assigns the task;
//     everyone else still waiting is told kindly it has been taken.
//   - UpdateDeliverTask (DeliverTask) → TaskResult: staff record the output
//     amount and quality (1–5); the history the next ranking reads.
//   - UpdateCloseTask, UpdateCancelTask (TaskStepBy) → TaskResult.
//
// Query: QueryTaskState → ClientTaskState.
//
// Timers, from absolute program instants in state: a request not answered
// within the policy's matching.answer_days gives staff a to-do naming the
// next suggestion; the assignee is reminded the day before the due date;
// staff get a to-do the day after it if nothing was delivered.
//
// Payloads carry IDs, dates, numbers and decisions only: a decline's
// reason is stored as a note first and only its ID travels.
const (
	ClientTaskWorkflow = "ClientTask"
	UpdateRequestTask  = "request-task"
	UpdateAnswerTask   = "answer-task"
	UpdateDeliverTask  = "deliver-task"
	UpdateCloseTask    = "close-task"
	UpdateCancelTask   = "cancel-task"
	QueryTaskState     = "task-state"
)

// ClientTaskWorkflowID is the task workflow's ID for a client task.
func ClientTaskWorkflowID(taskID string) string { return "task/" + taskID }

// ClientTaskInput starts a task's workflow, or continues one (State set).
type ClientTaskInput struct {
	TaskID string
	Due    ippo.Date
	Clock  ippo.Clock
	State  *ClientTaskState `json:",omitempty"`
}

// ClientTaskState is everything the task workflow knows.
type ClientTaskState struct {
	TaskID   string
	Clock    ippo.Clock
	Status   ippo.TaskStatus
	Due      ippo.Date
	Requests []TaskRequestState
	Assignee string `json:",omitempty"`
	// Seq counts recorded steps; it keys timeline entries and emails.
	Seq      int64
	Reminded bool `json:",omitempty"`
	Overdue  bool `json:",omitempty"`
	Run      int  `json:",omitempty"`
}

// TaskRequestState is one request: whom, until when an answer is awaited
// (program time), and the answer so far ("waiting", "accepted",
// "declined", "taken", "unanswered", "withdrawn").
type TaskRequestState struct {
	WorkerID string
	AnswerBy time.Time
	Answer   string
}

// RequestTask asks workers to take the task.
type RequestTask struct {
	WorkerIDs []string
	Actor     string
}

// AnswerTask is a worker's answer (Actor "worker") or staff's choice.
type AnswerTask struct {
	WorkerID string
	Accept   bool
	NoteID   string // an optional reason for a decline
	Actor    string
}

// DeliverTask records what was delivered.
type DeliverTask struct {
	Output  int
	Quality int
	Actor   string
}

// TaskStepBy is a step that needs nothing but who took it.
type TaskStepBy struct{ Actor string }

// TaskResult answers a step with how the task stands after it.
type TaskResult struct {
	Status   ippo.TaskStatus `json:"status"`
	Assignee string          `json:"assignee,omitempty"`
	// Taken is true when an acceptance came after someone else's.
	Taken bool `json:"taken,omitempty"`
}

// Staff to-do kinds of the task workflow.
const (
	TodoTaskUnanswered = activities.TodoTaskUnanswered
	TodoTaskOverdue    = activities.TodoTaskOverdue
)

type clientTask struct {
	s     *ClientTaskState
	mu    workflow.Mutex
	dirty bool
	log   log.Logger
	// effects: decisions are recorded as the lifecycle's are
	// (changeTaskEffects); pending collects them under the lock, last is
	// the write before, writes those not known finished.
	effects bool
	pending *activities.TaskEffects
	writes  effectWrites
}

// ClientTask is one client task's workflow, from its first request to
// closed or cancelled.
func ClientTask(ctx workflow.Context, in ClientTaskInput) error {
	t := &clientTask{s: in.State, mu: workflow.NewMutex(ctx), log: workflow.GetLogger(ctx)}
	t.effects = workflow.GetVersion(ctx, changeTaskEffects, workflow.DefaultVersion, 1) >= 1
	t.writes.durable = t.effects && workflow.GetVersion(ctx, changeDurableEffects, workflow.DefaultVersion, 1) >= 1
	if t.s == nil {
		t.s = &ClientTaskState{TaskID: in.TaskID, Clock: in.Clock, Status: ippo.TaskOpen, Due: in.Due}
	} else {
		t.s.Run++
	}
	if err := t.register(ctx); err != nil {
		return err
	}
	for !t.finished() {
		wake := t.nextWake()
		changed := func() bool { return t.dirty || t.finished() }
		if wake.IsZero() {
			if err := workflow.Await(ctx, changed); err != nil {
				return err
			}
		} else if _, err := workflow.AwaitWithTimeout(ctx, t.s.Clock.Wait(workflow.Now(ctx), wake), changed); err != nil {
			return err
		}
		t.mu.Lock(ctx)
		t.dirty = false
		t.onTime(ctx)
		t.unlock(ctx)
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() && !t.finished() {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && t.written() }); err != nil {
				return err
			}
			if t.dirty {
				continue
			}
			return workflow.NewContinueAsNewError(ctx, ClientTaskWorkflow, ClientTaskInput{
				TaskID: t.s.TaskID, Due: t.s.Due, Clock: t.s.Clock, State: t.s,
			})
		}
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && t.written() })
}

func (t *clientTask) finished() bool {
	return t.s.Status == ippo.TaskClosed || t.s.Status == ippo.TaskCancelled
}

func (t *clientTask) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryTaskState, func() (ClientTaskState, error) { return *t.s, nil }); err != nil {
		return err
	}
	updates := []struct {
		name               string
		handler, validator any
	}{
		{UpdateRequestTask, t.request, t.validateRequest},
		{UpdateAnswerTask, t.answer, t.validateAnswer},
		{UpdateDeliverTask, t.deliver, t.validateDeliver},
		{UpdateCloseTask, t.close, t.validateClose},
		{UpdateCancelTask, t.cancel, t.validateCancel},
	}
	for _, u := range updates {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler,
			workflow.UpdateHandlerOptions{Validator: u.validator}); err != nil {
			return fmt.Errorf("register %s: %w", u.name, err)
		}
	}
	return nil
}

func (t *clientTask) now(ctx workflow.Context) time.Time { return t.s.Clock.Program(workflow.Now(ctx)) }
func (t *clientTask) today(ctx workflow.Context) ippo.Date {
	return t.s.Clock.Today(workflow.Now(ctx))
}

func (t *clientTask) result() TaskResult {
	return TaskResult{Status: t.s.Status, Assignee: t.s.Assignee}
}

func (t *clientTask) requestOf(workerID string) *TaskRequestState {
	for i := range t.s.Requests {
		if t.s.Requests[i].WorkerID == workerID {
			return &t.s.Requests[i]
		}
	}
	return nil
}

func (t *clientTask) conflict(format string, args ...any) error {
	return refuse(&ippo.Error{Code: ippo.ECONFLICT, Message: fmt.Sprintf(format, args...)})
}

func (t *clientTask) validateRequest(ctx workflow.Context, r RequestTask) error {
	if t.s.Status != ippo.TaskOpen && t.s.Status != ippo.TaskRequested {
		return t.conflict("the task is %s; requests are sent while it is open or requested", t.s.Status)
	}
	var f ippo.Fields
	if len(r.WorkerIDs) == 0 {
		f.Add("worker_ids", "name at least one worker to ask")
	}
	for i, id := range r.WorkerIDs {
		if id == "" {
			f.Add(fmt.Sprintf("worker_ids[%d]", i), "is required")
		} else if t.requestOf(id) != nil {
			f.Add(fmt.Sprintf("worker_ids[%d]", i), "%s has already been asked for this task", id)
		} else if slices.Index(r.WorkerIDs, id) != i {
			f.Add(fmt.Sprintf("worker_ids[%d]", i), "is named twice")
		}
	}
	return refuse(f.Err())
}

// request records each request, then emails each worker. The answer
// deadline comes from the policy in force today.
func (t *clientTask) request(ctx workflow.Context, r RequestTask) (TaskResult, error) {
	t.mu.Lock(ctx)
	defer t.release(ctx)
	if err := t.validateRequest(ctx, r); err != nil { // state may have moved while waiting for the lock
		return t.result(), err
	}
	var p ippo.Policy
	if err := t.exec(ctx, a.PolicyAt, t.today(ctx)).Get(ctx, &p); err != nil {
		return t.result(), err
	}
	answerBy := t.today(ctx).AddDays(p.MatchPolicy().AnswerDays + 1).Start()
	t.s.Status = ippo.TaskRequested
	for _, id := range r.WorkerIDs {
		t.s.Requests = append(t.s.Requests, TaskRequestState{WorkerID: id, AnswerBy: answerBy, Answer: "waiting"})
		t.step(ctx, ippo.TaskStepRequested, id, r.Actor, ippo.TaskStep{})
		// The link works until the due date: a late answer still counts
		// while nobody has taken the task.
		t.notify(ctx, activities.EmailTaskRequest, id, activities.Facts{
			On: t.today(ctx), DueOn: t.s.Due, LinkExpires: t.linkUntil(ctx), AnswerBy: ippo.DateOf(answerBy).AddDays(-1),
		})
	}
	t.dirty = true
	return t.result(), nil
}

// linkUntil is the last day an answer link works: the due date, or 30
// days from today for a task without one.
func (t *clientTask) linkUntil(ctx workflow.Context) ippo.Date {
	if !t.s.Due.IsZero() && !t.s.Due.Before(t.today(ctx)) {
		return t.s.Due
	}
	return t.today(ctx).AddDays(30)
}

func (t *clientTask) validateAnswer(ctx workflow.Context, r AnswerTask) error {
	req := t.requestOf(r.WorkerID)
	if req == nil {
		return refuse(ippo.Invalid([]ippo.FieldError{{Field: "worker_id", Message: "was not asked for this task"}}))
	}
	switch {
	case t.finished():
		return t.conflict("the task is %s; it takes no more answers", t.s.Status)
	case t.s.Status == ippo.TaskDelivered:
		return t.conflict("the task has been delivered; it takes no more answers")
	case !r.Accept && req.Answer != "waiting" && req.Answer != "unanswered":
		return t.conflict("the answer has already been given (%s)", req.Answer)
	case r.Accept && (req.Answer == "accepted" || req.Answer == "taken" || req.Answer == "withdrawn"):
		return t.conflict("the answer has already been given (%s)", req.Answer)
	}
	return nil
}

// answer records an acceptance or a decline. The first acceptance (or the
// worker staff choose) assigns the task and tells everyone still waiting
// that it has been taken; a later acceptance is answered Taken, kindly,
// and changes nothing else.
func (t *clientTask) answer(ctx workflow.Context, r AnswerTask) (TaskResult, error) {
	t.mu.Lock(ctx)
	defer t.release(ctx)
	if err := t.validateAnswer(ctx, r); err != nil {
		return t.result(), err
	}
	req := t.requestOf(r.WorkerID)
	if !r.Accept {
		req.Answer = "declined"
		t.step(ctx, ippo.TaskStepDeclined, r.WorkerID, r.Actor, ippo.TaskStep{NoteID: r.NoteID})
		t.dirty = true
		return t.result(), nil
	}
	if t.s.Assignee != "" {
		res := t.result()
		res.Taken = true
		return res, nil
	}
	req.Answer = "accepted"
	t.s.Assignee, t.s.Status = r.WorkerID, ippo.TaskAssigned
	t.step(ctx, ippo.TaskStepAssigned, r.WorkerID, r.Actor, ippo.TaskStep{})
	for i := range t.s.Requests {
		other := &t.s.Requests[i]
		if other.WorkerID == r.WorkerID || (other.Answer != "waiting" && other.Answer != "unanswered") {
			continue
		}
		other.Answer = "taken"
		t.step(ctx, ippo.TaskStepTaken, other.WorkerID, ippo.ActorSystem, ippo.TaskStep{})
		t.notify(ctx, activities.EmailTaskTaken, other.WorkerID, activities.Facts{})
	}
	t.dirty = true
	return t.result(), nil
}

func (t *clientTask) validateDeliver(ctx workflow.Context, d DeliverTask) error {
	if t.s.Status != ippo.TaskAssigned {
		return t.conflict("the task is %s; a delivery is recorded once it is assigned", t.s.Status)
	}
	var f ippo.Fields
	if d.Output < 0 || d.Output > 1_000_000 {
		f.Add("output", "must be between 0 and 1000000")
	}
	if d.Quality < 1 || d.Quality > 5 {
		f.Add("quality", "must be between 1 and 5")
	}
	return refuse(f.Err())
}

func (t *clientTask) deliver(ctx workflow.Context, d DeliverTask) (TaskResult, error) {
	t.mu.Lock(ctx)
	defer t.release(ctx)
	if err := t.validateDeliver(ctx, d); err != nil {
		return t.result(), err
	}
	t.s.Status = ippo.TaskDelivered
	t.step(ctx, ippo.TaskStepDelivered, t.s.Assignee, d.Actor, ippo.TaskStep{Output: d.Output, Quality: d.Quality})
	t.dirty = true
	return t.result(), nil
}

func (t *clientTask) validateClose(ctx workflow.Context, _ TaskStepBy) error {
	if t.s.Status != ippo.TaskDelivered {
		return t.conflict("the task is %s; it is closed after its delivery", t.s.Status)
	}
	return nil
}

func (t *clientTask) close(ctx workflow.Context, by TaskStepBy) (TaskResult, error) {
	t.mu.Lock(ctx)
	defer t.release(ctx)
	if err := t.validateClose(ctx, by); err != nil {
		return t.result(), err
	}
	t.s.Status = ippo.TaskClosed
	t.step(ctx, ippo.TaskStepClosed, "", by.Actor, ippo.TaskStep{})
	return t.result(), nil
}

func (t *clientTask) validateCancel(ctx workflow.Context, _ TaskStepBy) error {
	if t.finished() || t.s.Status == ippo.TaskDelivered {
		return t.conflict("the task is %s; only a task not yet delivered can be cancelled", t.s.Status)
	}
	return nil
}

// cancel ends the task. Requests still waiting are withdrawn, and every
// worker still asked (waiting, or silent past the answer days) is told
// kindly that the task was called off, so nobody keeps time free for it.
func (t *clientTask) cancel(ctx workflow.Context, by TaskStepBy) (TaskResult, error) {
	t.mu.Lock(ctx)
	defer t.release(ctx)
	if err := t.validateCancel(ctx, by); err != nil {
		return t.result(), err
	}
	tell := workflow.GetVersion(ctx, changeCancelTells, workflow.DefaultVersion, 1) >= 1
	var asked []string
	for i := range t.s.Requests {
		r := &t.s.Requests[i]
		if r.Answer == "waiting" || r.Answer == "unanswered" {
			asked = append(asked, r.WorkerID)
		}
		if r.Answer == "waiting" {
			r.Answer = "withdrawn"
		}
	}
	t.s.Status = ippo.TaskCancelled
	t.step(ctx, ippo.TaskStepCancelled, t.s.Assignee, by.Actor, ippo.TaskStep{})
	if tell {
		for _, w := range asked {
			t.step(ctx, ippo.TaskStepWithdrawn, w, ippo.ActorSystem, ippo.TaskStep{})
			t.notify(ctx, activities.EmailTaskWithdrawn, w, activities.Facts{})
		}
	}
	return t.result(), nil
}

// nextWake is the earliest program instant something comes due.
func (t *clientTask) nextWake() time.Time {
	var at time.Time
	consider := func(x time.Time) {
		if !x.IsZero() && (at.IsZero() || x.Before(at)) {
			at = x
		}
	}
	if t.s.Status == ippo.TaskRequested {
		for _, r := range t.s.Requests {
			if r.Answer == "waiting" {
				consider(r.AnswerBy)
			}
		}
	}
	if t.s.Status == ippo.TaskAssigned && !t.s.Due.IsZero() {
		if !t.s.Reminded {
			consider(t.s.Due.AddDays(-1).Start())
		}
		if !t.s.Overdue {
			consider(t.s.Due.AddDays(1).Start())
		}
	}
	return at
}

// onTime handles what has come due: unanswered requests (a staff to-do
// each, naming the next suggestion), the due-date reminder and the overdue
// to-do. Decisions first, in state; then the recorded effects.
func (t *clientTask) onTime(ctx workflow.Context) {
	now := t.now(ctx)
	if t.s.Status == ippo.TaskRequested {
		for i := range t.s.Requests {
			r := &t.s.Requests[i]
			if r.Answer != "waiting" || now.Before(r.AnswerBy) {
				continue
			}
			r.Answer = "unanswered"
			t.step(ctx, ippo.TaskStepUnanswered, r.WorkerID, ippo.ActorSystem, ippo.TaskStep{})
			t.todo(ctx, activities.StaffTodo{Kind: TodoTaskUnanswered, WorkerID: r.WorkerID, TaskID: t.s.TaskID})
		}
	}
	if t.s.Status != ippo.TaskAssigned || t.s.Due.IsZero() {
		return
	}
	if !t.s.Reminded && !now.Before(t.s.Due.AddDays(-1).Start()) {
		t.s.Reminded = true
		t.s.Seq++
		t.notify(ctx, activities.EmailTaskDueReminder, t.s.Assignee, activities.Facts{DueOn: t.s.Due})
	}
	if !t.s.Overdue && !now.Before(t.s.Due.AddDays(1).Start()) {
		t.s.Overdue = true
		t.s.Seq++
		t.todo(ctx, activities.StaffTodo{Kind: TodoTaskOverdue, WorkerID: t.s.Assignee, TaskID: t.s.TaskID, DueOn: t.s.Due})
	}
}

func (t *clientTask) key() string {
	return fmt.Sprintf("%s/step/%d", ClientTaskWorkflowID(t.s.TaskID), t.s.Seq)
}

// step records one step on the task's timeline (and the worker's). Called
// with the mutex held, after the decision is in state.
func (t *clientTask) step(ctx workflow.Context, kind, workerID, actor string, s ippo.TaskStep) {
	t.s.Seq++
	if actor == "" {
		actor = ippo.ActorSystem
	}
	s.Key, s.TaskID, s.WorkerID, s.Kind, s.Actor = t.key(), t.s.TaskID, workerID, kind, actor
	s.At, s.ProgramAt = workflow.Now(ctx), t.now(ctx)
	if t.effects {
		t.effect().Steps = append(t.effect().Steps, s)
		return
	}
	if err := execute(ctx, a.RecordTaskStep, s).Get(ctx, nil); err != nil {
		t.log.Error("record task step failed", "kind", kind, "error", err)
	}
}

// notify sends an email keyed on the current step and its recipient.
func (t *clientTask) notify(ctx workflow.Context, email activities.Email, workerID string, f activities.Facts) {
	f.TaskID = t.s.TaskID
	n := activities.Notice{Key: fmt.Sprintf("%s/%s/%s", t.key(), email, workerID), Email: email, WorkerID: workerID, Facts: f}
	if t.effects {
		t.effect().Emails = append(t.effect().Emails, n)
		return
	}
	if err := execute(ctx, a.Notify, n).Get(ctx, nil); err != nil {
		t.log.Error("email failed", "email", email, "error", err)
	}
}

func (t *clientTask) todo(ctx workflow.Context, d activities.StaffTodo) {
	d.Key = t.key() + "/todo"
	if t.effects {
		t.effect().Todos = append(t.effect().Todos, d)
		return
	}
	if err := execute(ctx, a.CreateStaffTodo, d).Get(ctx, nil); err != nil {
		t.log.Error("staff to-do failed", "kind", d.Kind, "error", err)
	}
}

// effect returns the effects collected since the lock was taken.
func (t *clientTask) effect() *activities.TaskEffects {
	if t.pending == nil {
		t.pending = &activities.TaskEffects{}
	}
	return t.pending
}

// unlock releases the lock and writes what the decisions taken under it
// recorded, in one write that nothing holding the lock waits for (the
// lifecycle's unlock, for a task): the decisions are final in state,
// writes land in the order of their decisions, and each is keyed so a
// retry writes nothing twice. Before changeTaskEffects nothing is pending
// and it only unlocks.
func (t *clientTask) unlock(ctx workflow.Context) workflow.Future {
	e := t.pending
	t.pending = nil
	t.mu.Unlock()
	if e == nil {
		return ready(ctx)
	}
	return t.writes.add(ctx, t.s.Clock, a.RecordTaskEffects, *e)
}

// release ends an update handler: it releases the lock and waits until the
// step's effects are written, so staff who read the task next see it. A
// failed write (only a cancellation can fail: retries are unlimited) is
// logged; the decision stands in state either way.
func (t *clientTask) release(ctx workflow.Context) {
	if err := t.unlock(ctx).Get(ctx, nil); err != nil {
		t.log.Error("write task effects failed", "error", err)
	}
}

// written reports whether every write has finished.
func (t *clientTask) written() bool { return t.writes.done() }

// exec runs a short PostgreSQL read: a local activity from
// changeTaskEffects on, an activity before.
func (t *clientTask) exec(ctx workflow.Context, activity any, args ...any) workflow.Future {
	return execShort(ctx, t.effects, t.s.Clock, activity, args...)
}
