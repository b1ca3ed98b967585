package money

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gendertrack/gendertrack/internal/errs"
)

// TestDecimalText: a Decimal sent as a JSON number is read from its text,
// exactly; exponent notation is written out when it stays short.
func TestDecimalText(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{"1250000.50", "1250000.50"},
		{"garbage stays for ParseAmount", "garbage stays for ParseAmount"},
		{json.Number("1250000.50"), "1250000.50"},
		{json.Number("12345678901234567890.1234"), "12345678901234567890.1234"}, // beyond float64
		{json.Number("0"), "0"},
		{json.Number("-5"), "-5"}, // ParseAmount refuses it with its own message
		{json.Number("1.5e3"), "1500"},
		{json.Number("1.5E+3"), "1500"},
		{json.Number("15e-1"), "1.5"},
		{json.Number("1e-2"), "0.01"},
		{json.Number("1.25e-5"), "0.0000125"},
		{json.Number("-2.5e1"), "-25"},
		{json.Number("0e10"), "0"},
		{json.Number("1e28"), "1" + strings.Repeat("0", 28)},
		{int64(42), "42"},
		{7, "7"},
		{1250000.5, "1250000.5"},
		{0.1, "0.1"},
	} {
		got, err := DecimalText(c.in)
		if err != nil || got != c.want {
			t.Errorf("DecimalText(%#v) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []any{
		json.Number("1e400"), json.Number("1e-400"), json.Number("1e99999999999999999999"),
		json.Number(strings.Repeat("9", MaxNumberText+1)), json.Number("1e"), json.Number("e5"), json.Number("1e+-5"),
		math.Inf(1), math.NaN(), true, nil, []any{"1"}, map[string]any{},
	} {
		if got, err := DecimalText(bad); err == nil {
			t.Errorf("DecimalText(%#v) = %q; want an error", bad, got)
		}
	}
}

func TestDecimalUnmarshalGQL(t *testing.T) {
	var d Decimal
	if err := d.UnmarshalGQL(json.Number("1.5e3")); err != nil || d.String() != "1500" {
		t.Errorf("UnmarshalGQL(1.5e3) = %s, %v", d, err)
	}
	for _, bad := range []any{json.Number("1e400"), "NaN", "1e5", "0.00001", strings.Repeat("9", 29), true} {
		if err := d.UnmarshalGQL(bad); !errors.Is(err, errs.ErrBadInput) {
			t.Errorf("UnmarshalGQL(%#v) = %v; want a BadInput error", bad, err)
		}
	}
}
