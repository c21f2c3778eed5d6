package workflows

// Change IDs for workflow.GetVersion. Each names one change to code that
// running lifecycles may be executing; keep the ID and the old branch until
// no workflow that started before the change can still be running (a
// lifecycle continues as new at every extension, so one extension period
// after deployment is enough for phases that extend; screening and
// onboarding can last longer). The first histories under testdata/ (v1-*)
// were recorded before any change.

const (
	// changeAppliedFirst: the "applied" step is recorded before any staff
	// step, even one that reaches the lifecycle in its first workflow task.
	changeAppliedFirst = "applied-first"

	// ChangeAssessmentCadence (issue 6) adds the assessment cadence to the
	// active phase: timers that request a self-assessment, remind, and tell
	// staff when a round is overdue. Those timers change the commands an
	// active lifecycle emits, so each run asks once, when it starts
	// (Lifecycle): version 1 runs the cadence, DefaultVersion does not.
	//
	// What a lifecycle that was running before the change does: its
	// current run keeps the old behaviour to its end (assessments may still
	// be recorded and a step-up is still recommended: those are new Updates
	// that no old history contains). Its next run, which begins at the next
	// extension, starts the cadence from that extension's first day, so the
	// first assessment is due before the following extension — not at once
	// for a contract signed long ago, which would flood staff with overdue
	// notices on deployment. A worker still in screening or onboarding when
	// the change is deployed signs in the old run and likewise gets the
	// cadence from their first extension.
	//
	// Graduation, handoffs and follow-ups need no version: they start with
	// an Update no old history contains, and the loop runs exactly as
	// before for every other phase.
	ChangeAssessmentCadence = "assessment-cadence"

	// changeReportCatchUp: the monthly report first sends the reports of
	// closed months that never got one (a schedule firing skipped while an
	// earlier report waited for a late close), and waits for its own
	// month's close for a bounded time. A report already waiting when this
	// is deployed finishes the old way; the next one catches up.
	changeReportCatchUp = "report-catch-up"

	// changeEffects (issue 10, issue 13): a step's decision is final in
	// state first, and everything it records (timeline, read model, the
	// emails it asks for, queued in the outbox) is written afterwards in one
	// transaction by one local activity (activities.RecordEffects), outside
	// the lock, while the worker process's dispatcher delivers the emails.
	// The other short PostgreSQL reads and writes of the lifecycle (policy,
	// places, assessments, handoffs) run as local activities too, and a
	// place-granted signal is not waited for under the lock. Asked once per
	// run, when it starts (Lifecycle): a run that began before the change
	// keeps recording step by step and sending its emails itself until it
	// continues as new (the next extension, or a suggested continue-as-new);
	// its next run records effects.
	changeEffects = "effects-outbox"

	// changeReportWaits (issue 10): the monthly report waits for its own
	// month's close for as long as it takes, never giving up; with the
	// catch-up looking back over every closed month
	// (activities.ReportCatchUpMonths), no report is ever dropped. A report
	// already waiting when this is deployed gives up the old way; the next
	// one catches it up.
	changeReportWaits = "report-waits"

	// changeCloseOutbox (issue 10): the monthly close and the city report
	// record their decision (the statements, the month's report) and only
	// queue their emails in the outbox, for the worker process's
	// dispatcher to deliver (activities.Dispatcher), so neither waits on
	// SendGrid and every such email follows one exactly-once rule. Version
	// 1: ClosePage runs with Dispatch set, and the report runs
	// EnqueueCityReport instead of SendCityReport. Asked once per run,
	// when it starts: a close or report already running keeps sending
	// through its own activities until it ends (a close's next run, after
	// a continue-as-new, queues); an email such a run left queued is handed
	// to the dispatcher when a later run writes the same key.
	changeCloseOutbox = "close-report-outbox"

	// changeTaskEffects (issue 14): the task workflow records each decision
	// as the lifecycle does since changeEffects: final in state first, then
	// its steps (task and worker timelines, requests, status, delivery and
	// history), emails (queued in the outbox for the dispatcher) and staff
	// to-dos written in one transaction by one local activity
	// (activities.RecordTaskEffects) after the lock is released; the policy
	// read is a local activity. Asked once per run, when it starts: a task
	// whose workflow began before keeps recording step by step and sending
	// its emails itself until it ends or continues as new.
	changeTaskEffects = "task-effects"

	// changeCatchUp: a notice (the worker's opt-out, the center's
	// non-renewal) first makes the extension that came due on or before
	// its day if the main loop has not made it yet (lifecycle.extendDueBy),
	// so it is judged on the term current on that day. Asked only when an
	// extension is overdue as a notice is applied; a history without the
	// marker decides as before.
	changeCatchUp = "notice-catch-up"

	// changeCancelTells: cancelling a task tells each worker still asked
	// (waiting, or silent past the answer days) that it has been called
	// off — an email and a step on their timeline — as an acceptance tells
	// the others it has been taken. Asked when a cancellation is decided:
	// a cancellation already in a history lets the requests lapse silently,
	// as it did.
	changeCancelTells = "cancel-tells"

	// changeDurableEffects (issue 10): a decision's effects are written by
	// an activity, which the server schedules only once the workflow task
	// that made the decision is recorded, instead of a local activity,
	// which runs inside that task before it is recorded (effectWrites).
	// TestChaos found what the local write allowed: a notice whose workflow
	// task was lost (ippo killed, Temporal restarted) was on the timeline
	// and in the read model, while the lifecycle, which never had it, went
	// on extending. Asked once per run, when it starts (Lifecycle,
	// ClientTask), after changeEffects; a run that began before keeps its
	// local writes until it continues as new.
	changeDurableEffects = "effects-after-decision"
)
