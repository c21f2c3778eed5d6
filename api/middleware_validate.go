package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
)

// validateRequests checks every request against the OpenAPI document before
// its handler runs: parameters, and bodies by their schema (types, required
// fields, enums, lengths, no unknown fields). It answers 400 for a body that
// is not JSON and 422 naming each field otherwise.
func validateRequests(router routers.Router) gin.HandlerFunc {
	opts := &openapi3filter.Options{
		MultiError:         true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, // authorize() has already run
	}
	return func(c *gin.Context) {
		route, params, err := router.FindRoute(c.Request)
		if err != nil {
			c.Next() // not an API route of the document (the router answers 404/405)
			return
		}
		err = openapi3filter.ValidateRequest(c.Request.Context(), &openapi3filter.RequestValidationInput{
			Request: c.Request, PathParams: params, Route: route, Options: opts,
		})
		if err == nil {
			c.Next()
			return
		}
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			problemf(c, codeTooLarge, "the body is over the limit of %d bytes", tooLarge.Limit)
			return
		}
		fields, malformed := fieldErrors(err)
		if malformed != "" {
			problemf(c, codeMalformed, "%s", malformed)
			return
		}
		fail(c, ippo.Invalid(fields))
	}
}

// fieldErrors flattens kin-openapi's errors into named fields. malformed is
// set when the body could not be parsed at all.
func fieldErrors(err error) (fields []ippo.FieldError, malformed string) {
	var walk func(error, string)
	walk = func(err error, prefix string) {
		var (
			multi  openapi3.MultiError
			reqErr *openapi3filter.RequestError
			schema *openapi3.SchemaError
			parse  *openapi3filter.ParseError
		)
		switch {
		case isMulti(err, &multi): // not errors.As: a RequestError unwraps to a MultiError, and would lose its parameter's name
			for _, e := range multi {
				walk(e, prefix)
			}
		case errors.As(err, &reqErr) && reqErr.Parameter != nil:
			name := reqErr.Parameter.Name
			if reqErr.Err == nil {
				fields = append(fields, ippo.FieldError{Field: name, Message: reqErr.Reason})
				return
			}
			var inner openapi3.MultiError
			if errors.As(reqErr.Err, &inner) || errors.As(reqErr.Err, &schema) {
				walk(reqErr.Err, name)
				return
			}
			fields = append(fields, ippo.FieldError{Field: name, Message: plainReason(reqErr.Err.Error())})
		case errors.As(err, &reqErr) && reqErr.RequestBody != nil:
			switch {
			case reqErr.Err == nil:
				fields = append(fields, ippo.FieldError{Field: "body", Message: reqErr.Reason})
			case errors.As(reqErr.Err, &parse):
				malformed = "the body is not valid JSON: " + plainReason(parse.Error())
			default:
				walk(reqErr.Err, prefix)
			}
		case errors.As(err, &schema):
			fields = append(fields, schemaField(schema, prefix))
		case errors.As(err, &parse):
			malformed = "the body is not valid JSON"
		case errors.As(err, &reqErr):
			fields = append(fields, ippo.FieldError{Field: "request", Message: reqErr.Error()})
		default:
			fields = append(fields, ippo.FieldError{Field: "request", Message: plainReason(err.Error())})
		}
	}
	walk(err, "")
	slices.SortStableFunc(fields, func(a, b ippo.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return slices.Compact(fields), malformed
}

// isMulti reports whether err itself is a MultiError.
func isMulti(err error, m *openapi3.MultiError) bool {
	v, ok := err.(openapi3.MultiError)
	*m = v
	return ok
}

// schemaField names the field a schema error is about, as a dotted path
// (consent.given_on, disability_types[0]).
func schemaField(e *openapi3.SchemaError, prefix string) ippo.FieldError {
	var parts []string
	if prefix != "" {
		parts = append(parts, prefix)
	}
	path := ""
	for _, p := range e.JSONPointer() {
		if isIndex(p) {
			path += "[" + p + "]"
			continue
		}
		if path != "" {
			path += "."
		}
		path += p
	}
	if path != "" {
		parts = append(parts, path)
	}
	// allOf and friends wrap the error that says what is wrong.
	inner := e
	for {
		var next *openapi3.SchemaError
		if !errors.As(inner.Origin, &next) || next == inner {
			break
		}
		inner = next
	}
	msg := inner.Reason
	switch inner.SchemaField {
	case "required":
		msg = "is required" // the pointer already ends with the missing field
	case "properties", "additionalProperties":
		if _, rest, ok := strings.Cut(inner.Reason, `property "`); ok {
			if name, _, ok := strings.Cut(rest, `"`); ok {
				parts = append(parts, name)
				msg = "is not a known field"
			}
		}
	case "type":
		msg = "must be " + article(inner.Schema.Type.Slice())
	case "enum":
		msg = "must be one of " + enumList(inner.Schema.Enum)
	case "format", "pattern":
		switch inner.Schema.Format {
		case "date":
			msg = "must be a date in the form YYYY-MM-DD"
		case "uuid":
			msg = "must be a UUID"
		case "date-time":
			msg = "must be a date and time in RFC 3339 form"
		}
	}
	field := strings.Join(parts, ".")
	if field == "" {
		field = "body"
	}
	return ippo.FieldError{Field: field, Message: msg}
}

func isIndex(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func article(types []string) string {
	if len(types) == 0 {
		return "of another type"
	}
	switch t := types[0]; t {
	case "object", "array", "integer":
		return "an " + t
	default:
		return "a " + t
	}
}

func enumList(values []any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}

// plainReason drops kin-openapi's wrapping ("request body has an error: ").
func plainReason(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}
