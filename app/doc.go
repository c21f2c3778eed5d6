// Package app is Ippo's application layer: what each step does, once.
//
// The faces — the staff API (api/), the staff console (console/) and the
// signed-link pages for workers and agencies — parse, authorize and render;
// everything a step does (validate, store free text as notes, send the
// Temporal Update with its retries, map the answer to a domain error) lives
// here, so a rule is written once and both faces keep it. Methods take the
// acting staff member (Actor) and plain inputs, and return the
// application's own result types, never workflow state structs or store
// rows. Errors are *ippo.Error where a person can act on them, and wrap
// ErrUnavailable when PostgreSQL or Temporal is out of reach.
//
// Layout:
//
//	app.go         App (store, Temporal client, task queue, clock), Actor, Role
//	lifecycle.go   lifecycle steps as Temporal Updates: eligibility, contract,
//	               non-renewal, withdrawal, the worker's opt-out; Standing;
//	               StepsFitting (ippo.Transitions) for a face to offer steps
//	intake.go      Apply: a new applicant and the start of their lifecycle
//	assessment.go  assessments (staff and self) and their history
//	graduation.go  graduation, handoffs and their acknowledgement
//	records.go     reads of workers and timelines; schedules, other services,
//	               absences, work logs and consents (records in PostgreSQL,
//	               not lifecycle steps)
//	catalog.go     client tasks, staff to-dos, agencies, policy, tokens
//	close.go       monthly closes, statements, the city's monthly report
//
// Idempotency: every lifecycle step takes a step ID from its face (the
// API's Idempotency-Key through StepKey, the console's form token, a
// link's "link/" + its ID); Temporal answers a repeated ID with the first
// step's result, so a retried request is one step.
//
// Words: a client task (案件, ippo.ClientTask) is paid work a worker is
// assigned to; a staff to-do (ippo.StaffTodo) is something the lifecycle
// asks staff to look at; a Temporal task is the server's unit of work for
// a worker process and never appears here.
package app
