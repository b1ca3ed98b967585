// Package model holds the GraphQL-side types: generated payloads and inputs,
// and the custom scalars.
package model

import (
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/money"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Node is any object with a global ID. The generated code resolves the
// concrete type with a type switch.
type Node interface{}

// Date is a calendar date, YYYY-MM-DD. It lives in the store so that the
// stored models can hand it to the API through plain methods.
type Date = store.Date

// Decimal is an exact decimal number sent as a string, e.g. "1250000.50",
// or as a JSON number, read from its text. Its range and precision are
// checked by the service that stores it (money.ParseAmount), which answers
// a userError at the field.
type Decimal string

// UnmarshalGQL accepts a string, a JSON number of the variables (its exact
// text, exponent notation written out: money.DecimalText) or a number
// literal of the document. Anything else is the client's error
// (errs.BadInput).
func (d *Decimal) UnmarshalGQL(v any) error {
	s, err := money.DecimalText(v)
	if err != nil {
		return errs.BadInputOf(err)
	}
	*d = Decimal(s)
	return nil
}

// MarshalGQL writes the decimal as a JSON string.
func (d Decimal) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(d))) }

var _ graphql.Marshaler = Date("")

// rfc3339 is the form of an RFC 3339 date-time (section 5.6): date "T"
// time, optional fraction of a second (at most nanoseconds), "Z" or a
// numeric offset. time.Parse alone also takes a comma before the fraction.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$`)

// UnmarshalTime reads the Time scalar (RULES.md: DateTime) strictly: an
// RFC 3339 timestamp such as "2026-03-31T14:30:00Z" or
// "2026-03-31T16:30:00.5+02:00" naming a real instant. gqlgen's own
// graphql.UnmarshalTime also takes "" (as the zero time) and
// "2026-03-31 14:30:00"; this one does not. Errors are the client's
// (errs.BadInput). gqlgen.yml can bind Time here (with MarshalTime).
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, errs.BadInput{Message: "error.time.notString"}
	}
	if len(s) > 64 || !rfc3339.MatchString(s) {
		if len(s) > 64 { // not quoted back
			return time.Time{}, errs.BadInput{Message: "error.time.form"}
		}
		return time.Time{}, errs.BadInput{Message: "error.time.notRFC3339", Args: i18n.Data{"Value": s}}
	}
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	if err != nil {
		return time.Time{}, errs.BadInput{Message: "error.time.invalid", Args: i18n.Data{"Value": s}}
	}
	return t, nil
}

// MarshalTime writes a Time as graphql.MarshalTime does: RFC 3339 with
// nanoseconds, null for the zero time.
func MarshalTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// Upload is a file part of a GraphQL multipart request (graph/multipart.go
// puts each one in the variables).
type Upload = graphql.Upload

// UnmarshalUpload reads the Upload scalar: only a file of the multipart
// request is one; any other value (a string sent in JSON, say) is the
// client's mistake (errs.BadInput), not an internal error.
func UnmarshalUpload(v any) (graphql.Upload, error) {
	if u, ok := v.(graphql.Upload); ok {
		return u, nil
	}
	return graphql.Upload{}, errs.BadInput{Message: "error.input.upload"}
}

// MarshalUpload writes an Upload (never done: no field returns one).
func MarshalUpload(u graphql.Upload) graphql.Marshaler { return graphql.MarshalUpload(u) }
