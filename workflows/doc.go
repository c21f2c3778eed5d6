// Package workflows holds Ippo's Temporal workflows: deterministic
// orchestration only. Every side effect is an activity (package activities).
//
// One entity workflow runs per worker (lifecycle.go): intake and eligibility,
// the contract and its automatic extensions (contract.go), assessments and
// step-up recommendations (assessment.go), graduation with its handoffs to
// partner agencies and follow-ups (graduation.go). Each provision record
// is deleted when its retention ends by its own ProvisionRetention workflow
// (retention.go), which outlives the lifecycle. The lifecycle's ID is
// WorkerWorkflowID(id), "worker/<uuid>": never a name or an email. Its
// inputs, state and history carry IDs, phases, dates and decisions; names,
// contact details, health facts and free text stay in PostgreSQL.
//
// Changing code that running workflows execute: wrap the change in
// workflow.GetVersion with a change ID listed in versions.go, keep the old
// branch, record a new history under testdata/, and let the replay test
// prove old histories still replay.
package workflows
