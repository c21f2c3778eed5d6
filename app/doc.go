// Package app is Ippo's application layer: what each step does, once.
//
// The faces — the staff API (api/), the staff console (console/) and the
// signed-link pages for workers and agencies — parse, authorize and render;
// everything a step does (validate, store free text as notes, send the
// Temporal Update with its retries, map the answer to a domain error) lives
// here, so a rule is written once and both faces keep it. Methods take the
// acting staff member (Actor) and plain inputs, and return the
// application's own result types, never workflow state structs or store
// rows. Errors are *ippo.Error where a person can act on them.
package app
