// Package model holds the GraphQL-side types: generated payloads and inputs,
// and the custom scalars.
package model

import (
	"fmt"
	"io"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gendertrack/gendertrack/internal/store"
)

// Node is any object with a global ID. The generated code resolves the
// concrete type with a type switch.
type Node interface{}

// Date is a calendar date, YYYY-MM-DD. It lives in the store so that the
// stored models can hand it to the API through plain methods.
type Date = store.Date

// Decimal is an exact decimal number sent as a string, e.g. "1250000.50".
// Its range and precision are checked by the service that stores it.
type Decimal string

// UnmarshalGQL accepts a string (or an integer literal) holding a decimal.
func (d *Decimal) UnmarshalGQL(v any) error {
	switch x := v.(type) {
	case string:
		*d = Decimal(x)
	case int64:
		*d = Decimal(strconv.FormatInt(x, 10))
	case int:
		*d = Decimal(strconv.Itoa(x))
	default:
		return fmt.Errorf("a Decimal must be sent as a string such as \"1250000.50\"")
	}
	return nil
}

// MarshalGQL writes the decimal as a JSON string.
func (d Decimal) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(d))) }

var _ graphql.Marshaler = Date("")
