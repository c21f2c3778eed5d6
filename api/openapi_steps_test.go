package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ippo-center/ippo/api"
	"github.com/stretchr/testify/require"
)

// stepOperations finds, in the api package's source, the operations whose
// handler sends a lifecycle or task step as a Temporal Update: every such
// handler derives the Update's id with stepKey. (Read from the code, not a
// list kept by hand, so a new step route is covered without anyone
// remembering it.)
func stepOperations(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	var ops []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, ".gen.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Body == nil || !fn.Name.IsExported() {
				continue
			}
			uses := false
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "stepKey" {
						uses = true
					}
				}
				return !uses
			})
			if uses {
				ops = append(ops, fn.Name.Name)
			}
		}
	}
	slices.Sort(ops)
	return ops
}

// TestStepOperationsDocumentTheir503: a step whose Update does not answer
// in time is a 503 with Retry-After (the same request with the same
// Idempotency-Key then gets the step's answer); every step operation says
// so in the OpenAPI document.
func TestStepOperationsDocumentTheir503(t *testing.T) {
	ops := stepOperations(t)
	require.GreaterOrEqual(t, len(ops), 10, "the step handlers were found: %v", ops)
	doc, err := api.GetSwagger()
	require.NoError(t, err)
	found := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			// The handlers are the operations' ids in Go's spelling.
			name := strings.ToUpper(op.OperationID[:1]) + op.OperationID[1:]
			if !slices.Contains(ops, name) {
				continue
			}
			found[name] = true
			r := op.Responses.Status(503)
			require.NotNil(t, r, "%s %s (%s) may answer 503 when its step times out: document it", method, path, op.OperationID)
			require.NotNil(t, r.Value, "%s %s: the 503 response resolves", method, path)
			require.Contains(t, r.Value.Headers, "Retry-After", "%s %s: the 503 says when to try again", method, path)
			require.Contains(t, *r.Value.Description, "Idempotency-Key", "%s %s: the 503 says how to get the step's answer", method, path)
		}
	}
	for _, op := range ops {
		require.True(t, found[op], "handler %s is an operation of the document", op)
	}
}
