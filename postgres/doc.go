// Package postgres stores Ippo's data in PostgreSQL through pgx: the
// applicants' facts, the read model of each lifecycle, policy, agencies, the
// email outbox, staff tokens and the audit log.
//
// Queries are hand-written in this one package. Migrations are numbered SQL
// files embedded in the binary and applied by goose (ippo migrate).
// Methods that may be retried by a Temporal activity are idempotent: they
// key their writes on the workflow step that asked for them.
package postgres
