// Package api is Ippo's staff API: Gin handlers, one file per resource,
// routes in one place (server.go), middleware one per file.
//
// openapi.yaml is the source of truth. `go generate` turns it into the
// types and the Gin routing in openapi.gen.go (oapi-codegen); the request
// validator checks every request against it before a handler runs; the
// document is served at /api/v1/openapi.json with a readable page at
// /api/v1/docs.
//
// Errors leave through one table (errors.go) as RFC 9457 problem+json.
package api
