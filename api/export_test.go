package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"
)

// IdempotencyRecordKey is the digest a request's Idempotency-Key is stored
// under, for tests that read the stored record.
func IdempotencyRecordKey(actorID, rawKey string) string {
	key, _ := idempotencyKeys(actorID, rawKey)
	return key
}

var (
	contractOnce   sync.Once
	contractRouter routers.Router
)

// CheckResponse holds an answer of the API to its OpenAPI document: a
// status the operation documents (an error status by its own entry, not
// only "default", which is left to 500), and a body and headers its schema
// allows. Every API test harness calls it on every answer; requests outside
// the document (health, link pages, unknown paths) are not checked.
func CheckResponse(t testing.TB, req *http.Request, sent []byte, status int, header http.Header, body []byte) {
	t.Helper()
	contractOnce.Do(func() {
		doc, err := GetSwagger()
		require.NoError(t, err)
		contractRouter, err = gorillamux.NewRouter(doc)
		require.NoError(t, err)
	})
	probe := req.Clone(context.Background())
	probe.Body = io.NopCloser(bytes.NewReader(sent))
	route, params, err := contractRouter.FindRoute(probe)
	if err != nil {
		return
	}
	if status != http.StatusInternalServerError && route.Operation.Responses.Status(status) == nil {
		t.Errorf("%s %s answered %d, which %s does not document: %s", req.Method, req.URL.Path, status, route.Operation.OperationID, body)
		return
	}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
	if err != nil {
		t.Errorf("%s %s answered %d against %s's document: %v", req.Method, req.URL.Path, status, route.Operation.OperationID, err)
	}
}
