// Package e2e_test runs the real ippo binary against the real Temporal dev
// server and PostgreSQL and drives it over HTTP, as staff would.
package e2e_test
