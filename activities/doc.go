// Package activities holds every side effect of Ippo's workflows: reads and
// writes in PostgreSQL and emails. Each is a method on Activities, which
// holds its dependencies; workflows refer to them through a typed nil
// (var a *activities.Activities).
//
// Activities are idempotent: each write is keyed on the workflow step that
// asked for it, so a retry, or a replay after a crash, changes nothing more.
// They do not read the clock: the workflow passes the dates they need.
// Personal facts (names, addresses, health) are read here, from PostgreSQL,
// and never returned to a workflow.
package activities
