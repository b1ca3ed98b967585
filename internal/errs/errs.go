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

// Text returns the error's message in lang. A value of Args that is
// itself a message (a Msg) is given in lang too; a "Count" value picks the
// plural form of a plural message.
func (u UserError) Text(lang string) string {
	if !i18n.Has(lang, u.Message) {
		return u.Message
	}
	args := u.Args
	for _, v := range u.Args {
		if _, ok := v.(Msg); ok {
			args = make(map[string]any, len(u.Args))
			for k, v := range u.Args {
				if m, ok := v.(Msg); ok {
					v = m.Text(lang)
				}
				args[k] = v
			}
			break
		}
	}
	if n, ok := args["Count"].(int); ok {
		return i18n.N(lang, u.Message, n, args)
	}
	return i18n.T(lang, u.Message, args)
}

// UserErrors is a list of user errors; as an error it means "nothing was
// changed because of these".
type UserErrors []UserError

func (e UserErrors) Error() string {
	parts := make([]string, len(e))
	for i, u := range e {
		parts[i] = fmt.Sprintf("%s at %s: %s", u.Code, strings.Join(u.Field, "."), u.Text(i18n.EN))
	}
	return strings.Join(parts, "; ")
}

// New returns a single user error as an error; id is a catalog message ID
// ("error.…") that takes no values.
func New(code Code, id string, field ...string) error {
	return UserErrors{{Field: field, Message: id, Code: code}}
}

// Newf is New with a message that takes values (args, i18n.Data).
func Newf(code Code, field []string, id string, args map[string]any) error {
	return UserErrors{{Field: field, Message: id, Code: code, Args: args}}
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

// Add records a problem; id is a catalog message ID that takes no values.
func (l *List) Add(code Code, id string, field ...string) {
	l.UserErrors = append(l.UserErrors, UserError{Field: field, Message: id, Code: code})
}

// Addf records a problem whose message takes values (args, i18n.Data).
func (l *List) Addf(code Code, field []string, id string, args map[string]any) {
	l.UserErrors = append(l.UserErrors, UserError{Field: field, Message: id, Code: code, Args: args})
}

// AddErr records err, the problem a parsing helper found (a Msg), at
// field; an error that is not a Msg is recorded as error.invalidValue.
func (l *List) AddErr(code Code, err error, field ...string) {
	var m Msg
	if errors.As(err, &m) {
		l.Addf(code, field, m.ID, m.Args)
		return
	}
	l.Add(code, "error.invalidValue", field...)
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
// Message is a catalog message ID and Args its values, as in UserError.
type BadInput struct {
	Message string
	Args    map[string]any
}

func (e BadInput) Error() string        { return e.Text(i18n.EN) }
func (e BadInput) Is(target error) bool { return target == ErrBadInput }

// Text returns the message in lang.
func (e BadInput) Text(lang string) string {
	return UserError{Message: e.Message, Args: e.Args}.Text(lang)
}

// BadInputOf is the BadInput answer to err, the problem a parsing helper
// found (a Msg); any other error reads error.invalidValue.
func BadInputOf(err error) BadInput {
	var m Msg
	if errors.As(err, &m) {
		return BadInput{Message: m.ID, Args: m.Args}
	}
	return BadInput{Message: "error.invalidValue"}
}

// Msg is an error that names a catalog message and its values: what the
// parsing helpers of the services (dates, amounts, progress) return, so
// that their callers answer it as a user error or a BAD_USER_INPUT in the
// request's language. Its Error is the English text.
type Msg struct {
	ID   string
	Args map[string]any
}

func (m Msg) Error() string { return m.Text(i18n.EN) }

// Text returns the message in lang.
func (m Msg) Text(lang string) string { return UserError{Message: m.ID, Args: m.Args}.Text(lang) }

// Text trims *v in place and checks that it is present (when required), not
// blank, and at most max characters long.
func (l *List) Text(v *string, max int, required bool, field ...string) {
	if v == nil {
		if required {
			l.Add(Invalid, "error.required", field...)
		}
		return
	}
	*v = strings.TrimSpace(*v)
	switch {
	case *v == "" && required:
		l.Add(Invalid, "error.blank", field...)
	case len([]rune(*v)) > max:
		l.Addf(Invalid, field, "error.maxLength", i18n.Data{"Max": max})
	}
}

// NotNull records INVALID at field when null is true: an update gave an
// explicit null to a field whose stored value is required (RULES.md
// section 2 clears only nullable fields).
func (l *List) NotNull(null bool, field ...string) {
	if null {
		l.Add(Invalid, "error.notNull", field...)
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

// NotFoundIf turns a "no rows" error into a NOT_FOUND user error at field;
// noSuch is the message ID that says so ("error.noSuch.unit").
func NotFoundIf(err error, noSuch string, field ...string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return New(NotFound, noSuch, field...)
	}
	return err
}

// Stale is the CONFLICT answer to an update whose expectedVersion (sent)
// is not the stored one.
func Stale(stored, sent int) error {
	return Newf(Conflict, []string{"input", "expectedVersion"}, "error.conflict", i18n.Data{"Stored": stored, "Sent": sent})
}
