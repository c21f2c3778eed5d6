package ippo

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. The API maps each to one HTTP status in one table.
const (
	EINVALID      = "invalid"      // the request breaks a rule; Fields say which
	ECONFLICT     = "conflict"     // the step does not fit the worker's phase or state
	ENOTFOUND     = "not_found"    // no such resource
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EFORBIDDEN    = "forbidden"    // valid credentials, not allowed
	EINTERNAL     = "internal"     // a fault of ours; never shown in detail
)

// Error is a domain error: a code, a message meant for the person who made
// the request, and for EINVALID the fields at fault.
type Error struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Fields  []FieldError `json:"fields,omitempty"`
	// Phase is the worker's phase when a step was refused as out of phase.
	Phase Phase `json:"phase,omitempty"`
	// Allowed lists the steps that would fit instead (ECONFLICT).
	Allowed []string `json:"allowed,omitempty"`
	// Details carries facts that help the requester try again, such as the
	// earliest possible end date of a contract.
	Details map[string]string `json:"details,omitempty"`
}

// FieldError names one field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error for the given fields, or nil if there are none.
func Invalid(fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "the request breaks one or more rules", Fields: fields}
}

// WrongPhase returns an ECONFLICT error for a step the phase does not allow.
func WrongPhase(step string, phase Phase, allowed ...string) *Error {
	return &Error{
		Code:    ECONFLICT,
		Message: fmt.Sprintf("%s is not possible while the worker is %s", step, phase),
		Phase:   phase,
		Allowed: allowed,
	}
}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Fields collects field errors as a check goes.
type Fields []FieldError

func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (f Fields) Err() error { return Invalid(f) }
