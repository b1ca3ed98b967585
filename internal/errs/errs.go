// Package errs holds the error kinds the services return and the API maps
// once, at the edge: input and state problems as user errors (data, never
// GraphQL errors) and access problems as coded GraphQL errors.
package errs

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gendertrack/gendertrack/internal/i18n"
)

// Code is a user error code of the contract.
type Code string

// User error codes.
const (
	Invalid      Code = "INVALID"
	NotFound     Code = "NOT_FOUND"
	Conflict     Code = "CONFLICT"
	InvalidState Code = "INVALID_STATE"
	Duplicate    Code = "DUPLICATE"
)

// UserError is one problem with a mutation's input or with the state of what
// it touches. Field is the path to the input field at fault.
//
// Message names the text in the message catalog (internal/i18n) and Args
// the values it takes; Text gives it in a language. A Message that is not
// a catalog ID is shown as it is.
type UserError struct {
	Field   []string
	Message string
	Code    Code
	Args    map[string]any
}

// Text returns the error's message in lang.
func (u UserError) Text(lang string) string {
	if i18n.Has(lang, u.Message) {
		return i18n.T(lang, u.Message, u.Args)
	}
	return u.Message
}

// UserErrors is a list of user errors; as an error it means "nothing was
// changed because of these".
type UserErrors []UserError

func (e UserErrors) Error() string {
	parts := make([]string, len(e))
	for i, u := range e {
		parts[i] = fmt.Sprintf("%s at %s: %s", u.Code, strings.Join(u.Field, "."), u.Message)
	}
	return strings.Join(parts, "; ")
}

// New returns a single user error as an error.
func New(code Code, message string, field ...string) error {
	return UserErrors{{Field: field, Message: message, Code: code}}
}

// Newf is New with a formatted message.
func Newf(code Code, field []string, format string, a ...any) error {
	return UserErrors{{Field: field, Message: fmt.Sprintf(format, a...), Code: code}}
}

// AsUser extracts user errors from err.
func AsUser(err error) (UserErrors, bool) {
	var u UserErrors
	if errors.As(err, &u) {
		return u, true
	}
	return nil, false
}

// List collects user errors while input is validated.
type List struct{ UserErrors }

// Add records a problem.
func (l *List) Add(code Code, message string, field ...string) {
	l.UserErrors = append(l.UserErrors, UserError{Field: field, Message: message, Code: code})
}

// Addf records a problem with a formatted message.
func (l *List) Addf(code Code, field []string, format string, a ...any) {
	l.Add(code, fmt.Sprintf(format, a...), field...)
}

// Err returns the collected problems as an error, or nil when there are none.
func (l *List) Err() error {
	if len(l.UserErrors) == 0 {
		return nil
	}
	return l.UserErrors
}

// Access errors, mapped to extensions.code by the API.
var (
	// ErrUnauthenticated: sign-in is needed, or the credential is unknown,
	// expired or revoked.
	ErrUnauthenticated = errors.New("sign-in required")
	// ErrForbidden: the caller may read the object but not do this.
	ErrForbidden = errors.New("your role does not allow this operation")
	// ErrBadInput: a query argument is out of range (e.g. first > 500).
	ErrBadInput = errors.New("bad input")
)

// BadInput is a query argument problem (extensions.code BAD_USER_INPUT).
type BadInput struct{ Message string }

func (e BadInput) Error() string        { return e.Message }
func (e BadInput) Is(target error) bool { return target == ErrBadInput }

// Text trims *v in place and checks that it is present (when required), not
// blank, and at most max characters long.
func (l *List) Text(v *string, max int, required bool, field ...string) {
	if v == nil {
		if required {
			l.Add(Invalid, "This field is required.", field...)
		}
		return
	}
	*v = strings.TrimSpace(*v)
	switch {
	case *v == "" && required:
		l.Add(Invalid, "This field may not be blank.", field...)
	case len([]rune(*v)) > max:
		l.Addf(Invalid, field, "At most %d characters.", max)
	}
}

// NotNull records INVALID at field when null is true: an update gave an
// explicit null to a field whose stored value is required (RULES.md
// section 2 clears only nullable fields).
func (l *List) NotNull(null bool, field ...string) {
	if null {
		l.Add(Invalid, "This field is required; it cannot be cleared.", field...)
	}
}

// BlankNil returns nil for a nil or blank string, else the trimmed string.
func BlankNil(v *string) *string {
	if v == nil || strings.TrimSpace(*v) == "" {
		return nil
	}
	t := strings.TrimSpace(*v)
	return &t
}

// NotFoundIf turns a "no rows" error into a NOT_FOUND user error at field.
func NotFoundIf(err error, what string, field ...string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return Newf(NotFound, field, "No such %s.", what)
	}
	return err
}

// Stale is the CONFLICT answer to an update whose expectedVersion is not the
// stored one.
func Stale(stored int) error {
	return Newf(Conflict, []string{"input", "expectedVersion"},
		"The record was changed by someone else (it is now at version %d); reload it and try again.", stored)
}
