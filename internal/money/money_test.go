package money

import (
	"database/sql"
	"database/sql/driver"
	"math"
	"math/big"
	"strings"
	"testing"
	"unicode"

	"github.com/jackc/pgx/v5/pgtype"
)

func amt(t *testing.T, s string) Decimal {
	t.Helper()
	d, err := ParseAmount(s)
	if err != nil {
		t.Fatalf("ParseAmount(%q): %v", s, err)
	}
	return d
}

func amtPtr(t *testing.T, s string) *Decimal {
	t.Helper()
	d := amt(t, s)
	return &d
}

func TestParseAmountValid(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1250000.50", "1250000.5"},
		{"0", "0"},
		{"0.0", "0"},
		{"0.0000", "0"},
		{"100", "100"},
		{"100.00", "100"},
		{"0.3", "0.3"},
		{"0.0001", "0.0001"},
		{"1.2340", "1.234"},
		{"007.50", "7.5"},
		{"12345678901234567890.1234", "12345678901234567890.1234"},
		{"1.1234", "1.1234"}, // exactly 4 decimal places
		{strings.Repeat("9", 28), strings.Repeat("9", 28)},                     // exactly 28 integer digits
		{strings.Repeat("9", 28) + ".9999", strings.Repeat("9", 28) + ".9999"}, // both limits at once
		{"000" + strings.Repeat("1", 28), strings.Repeat("1", 28)},             // leading zeros do not count
	}
	for _, tc := range tests {
		d, err := ParseAmount(tc.in)
		if err != nil {
			t.Errorf("ParseAmount(%q): unexpected error %v", tc.in, err)
			continue
		}
		if got := d.String(); got != tc.want {
			t.Errorf("ParseAmount(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseAmountInvalid(t *testing.T) {
	tests := []struct{ in, mention string }{
		{"", "empty"},
		{" 1", "spaces"},
		{"1 ", "spaces"},
		{"1 000", "spaces"},
		{"1\t", "spaces"},
		{"1\u00a0000", "spaces"},
		{"-1", "negative"},
		{"-0", "negative"},
		{"-0.01", "negative"},
		{"+1", "sign"},
		{"1e3", "exponent"},
		{"1E3", "exponent"},
		{"1.5e-2", "exponent"},
		{"1e+2", "exponent"},
		{"NaN", "finite"},
		{"nan", "finite"},
		{"Inf", "finite"},
		{"+Inf", "finite"},
		{"Infinity", "finite"},
		{"1.", "both sides"},
		{".5", "both sides"},
		{".", "both sides"},
		{"1.2.3", "plain decimal"},
		{"1,5", "plain decimal"},
		{"1_000", "plain decimal"},
		{"0x10", "plain decimal"},
		{"１", "plain decimal"}, // full-width digit
		{"abc", "plain decimal"},
		{"1.23456", "5 decimal places"},
		{"0.00001", "5 decimal places"},
		{strings.Repeat("9", 29), "29 digits before the decimal point"},
		{"1" + strings.Repeat("0", 28) + ".5", "29 digits before the decimal point"},
	}
	for _, tc := range tests {
		d, err := ParseAmount(tc.in)
		if err == nil {
			t.Errorf("ParseAmount(%q) = %s, want an error", tc.in, d)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.mention) {
			t.Errorf("ParseAmount(%q) error %q, want it to mention %q", tc.in, msg, tc.mention)
		}
		// A clear English sentence: capitalised, ends with a full stop.
		if r := []rune(msg)[0]; !unicode.IsUpper(r) || !strings.HasSuffix(msg, ".") {
			t.Errorf("ParseAmount(%q) error %q is not a sentence", tc.in, msg)
		}
	}
}

func TestMustParseAmountPanics(t *testing.T) {
	if got := MustParseAmount("2.5").String(); got != "2.5" {
		t.Errorf("MustParseAmount(2.5) = %s", got)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("MustParseAmount(-1) did not panic")
		}
	}()
	MustParseAmount("-1")
}

func TestDecimalZeroValue(t *testing.T) {
	var d Decimal
	if !d.IsZero() || d.String() != "0" || d.Sign() != 0 {
		t.Errorf("zero Decimal: IsZero=%v String=%q Sign=%d", d.IsZero(), d.String(), d.Sign())
	}
	if !Zero().IsZero() || Zero().Cmp(amt(t, "0.00")) != 0 {
		t.Errorf("Zero() is not 0")
	}
	if amt(t, "0.0001").IsZero() {
		t.Errorf("0.0001 IsZero")
	}
}

func TestDecimalArithmetic(t *testing.T) {
	tests := []struct {
		name string
		got  Decimal
		want string
	}{
		{"0.1 + 0.2", amt(t, "0.1").Add(amt(t, "0.2")), "0.3"},
		{"0.7 + 0.1", amt(t, "0.7").Add(amt(t, "0.1")), "0.8"},
		{"1250000.50 + 0.50", amt(t, "1250000.50").Add(amt(t, "0.50")), "1250001"},
		{"20-digit carry", amt(t, "99999999999999999999.9999").Add(amt(t, "0.0001")), "100000000000000000000"},
		{"two 20-digit amounts", amt(t, "12345678901234567890.1234").Add(amt(t, "98765432109876543210.8766")), "111111111011111111101"},
		{"sum of two maximal amounts has 29 digits, exactly", amt(t, strings.Repeat("9", 28)+".9999").Add(amt(t, strings.Repeat("9", 28)+".9999")), "1" + strings.Repeat("9", 28) + ".9998"},
		{"1 - 0.0001", amt(t, "1").Sub(amt(t, "0.0001")), "0.9999"},
		{"negative difference", amt(t, "1").Sub(amt(t, "1.5")), "-0.5"},
		{"difference to zero", amt(t, "2.50").Sub(amt(t, "2.5")), "0"},
		{"20-digit difference", amt(t, "100000000000000000000").Sub(amt(t, "0.0001")), "99999999999999999999.9999"},
		{"Max0 of negative", amt(t, "1").Sub(amt(t, "3")).Max0(), "0"},
		{"Max0 of positive", amt(t, "3.25").Max0(), "3.25"},
		{"Max0 of zero", Zero().Max0(), "0"},
	}
	for _, tc := range tests {
		if s := tc.got.String(); s != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, s, tc.want)
		}
	}

	// Summing many small amounts stays exact where float64 drifts.
	sum := Zero()
	for i := 0; i < 1000; i++ {
		sum = sum.Add(amt(t, "0.1"))
	}
	if sum.String() != "100" {
		t.Errorf("1000 x 0.1 = %s, want 100", sum)
	}

	// Operands are not changed by operations.
	a, b := amt(t, "5"), amt(t, "3")
	_ = a.Add(b)
	_ = a.Sub(b)
	if a.String() != "5" || b.String() != "3" {
		t.Errorf("operands changed: a=%s b=%s", a, b)
	}
	// Large values, whose coefficient is held in a big.Int, are not shared
	// between a copy and a result.
	big1 := amt(t, "12345678901234567890123456.7891")
	copy1 := big1
	_ = copy1.Add(amt(t, "1"))
	if big1.String() != "12345678901234567890123456.7891" {
		t.Errorf("large operand changed: %s", big1)
	}
}

func TestDecimalCmpAndSign(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.50", "1.5", 0},
		{"1.5", "1.5001", -1},
		{"1.5001", "1.5", 1},
		{"100", "99.9999", 1},
		{"0", "0.0000", 0},
		{"99999999999999999999.9999", "100000000000000000000", -1},
	}
	for _, tc := range tests {
		if got := amt(t, tc.a).Cmp(amt(t, tc.b)); got != tc.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if s := amt(t, "1").Sub(amt(t, "2")).Sign(); s != -1 {
		t.Errorf("Sign(-1) = %d", s)
	}
	if s := amt(t, "0.0001").Sign(); s != 1 {
		t.Errorf("Sign(0.0001) = %d", s)
	}
}

func TestDecimalValuer(t *testing.T) {
	var _ driver.Valuer = Decimal{}
	var _ sql.Scanner = (*Decimal)(nil)
	v, err := amt(t, "1250000.50").Value()
	if err != nil || v != "1250000.5" {
		t.Errorf("Value() = %#v, %v; want \"1250000.5\"", v, err)
	}
	v, err = Zero().Value()
	if err != nil || v != "0" {
		t.Errorf("Zero().Value() = %#v, %v; want \"0\"", v, err)
	}
}

func TestDecimalScan(t *testing.T) {
	tests := []struct {
		name    string
		src     any
		want    string // "" means an error is expected
		wantErr string
	}{
		{name: "string", src: "1250000.50", want: "1250000.5"},
		{name: "bytes from NUMERIC", src: []byte("1250000.5000"), want: "1250000.5"},
		{name: "negative string", src: "-3.5", want: "-3.5"},
		{name: "negative zero", src: "-0.00", want: "0"},
		{name: "zero with scale", src: "0.0000", want: "0"},
		{name: "long string", src: "123456789012345678901234567890.123456", want: "123456789012345678901234567890.123456"},
		{name: "int64", src: int64(42), want: "42"},
		{name: "negative int64", src: int64(-7), want: "-7"},
		{name: "exact float", src: 0.5, want: "0.5"},
		{name: "exact float with 4 places", src: 1234.0625, want: "1234.0625"},
		{name: "integral float", src: float64(900000000000), want: "900000000000"},
		{name: "inexact float", src: 0.1, wantErr: "exactly"},
		{name: "float beyond 2^53/10^4", src: 1e12, wantErr: "exactly"},
		{name: "float with 5 binary places", src: 0.03125, wantErr: "exactly"},
		{name: "NaN float", src: math.NaN(), wantErr: "exactly"},
		{name: "infinite float", src: math.Inf(1), wantErr: "exactly"},
		{name: "nil", src: nil, wantErr: "NULL"},
		{name: "bool", src: true, wantErr: "bool"},
		{name: "exponent string", src: "1e3", wantErr: "plain decimal"},
		{name: "NaN string", src: "NaN", wantErr: "plain decimal"},
		{name: "empty string", src: "", wantErr: "plain decimal"},
		{name: "dangling point", src: "1.", wantErr: "plain decimal"},
		{name: "double minus", src: "--1", wantErr: "plain decimal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := amt(t, "77") // a previous value, kept on error
			err := d.Scan(tc.src)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("Scan(%#v) = %s, want an error", tc.src, d)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("Scan(%#v) error %q, want it to mention %q", tc.src, err, tc.wantErr)
				}
				if d.String() != "77" {
					t.Errorf("failed Scan changed the value to %s", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("Scan(%#v): %v", tc.src, err)
			}
			if d.String() != tc.want {
				t.Errorf("Scan(%#v) = %s, want %s", tc.src, d, tc.want)
			}
		})
	}
}

func TestDecimalValueScanRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "0.3", "1250000.5", "12345678901234567890.1234", strings.Repeat("9", 28) + ".9999"} {
		v, err := amt(t, s).Value()
		if err != nil {
			t.Fatal(err)
		}
		var back Decimal
		if err := back.Scan(v); err != nil {
			t.Fatalf("Scan(Value(%s)): %v", s, err)
		}
		if back.String() != s {
			t.Errorf("round trip of %s gave %s", s, back)
		}
	}
	// A negative difference round-trips as well.
	neg := amt(t, "1").Sub(amt(t, "2.25"))
	v, _ := neg.Value()
	var back Decimal
	if err := back.Scan(v); err != nil || back.Cmp(neg) != 0 {
		t.Errorf("round trip of %s gave %s, %v", neg, back, err)
	}
	// sql.Null[Decimal] handles NULL and values through Scan.
	var n sql.Null[Decimal]
	if err := n.Scan(nil); err != nil || n.Valid {
		t.Errorf("Null.Scan(nil) = %v, valid %v", err, n.Valid)
	}
	if err := n.Scan("2.50"); err != nil || !n.Valid || n.V.String() != "2.5" {
		t.Errorf("Null.Scan(2.50) = %v, %v, %s", err, n.Valid, n.V)
	}
}

func TestTotals(t *testing.T) {
	lines := []MoneyLine{
		{Currency: "XOF", Required: amt(t, "5000000"), Secured: amtPtr(t, "1000000")},
		{Currency: "USD", Required: amt(t, "100"), Secured: amtPtr(t, "150")}, // over-secured by 50
		{Currency: "EUR", Required: amt(t, "0.1")},                            // nothing secured
		{Currency: "USD", Required: amt(t, "100")},                            // nothing secured
		{Currency: "EUR", Required: amt(t, "0.2"), Secured: amtPtr(t, "0.2")},
		{Currency: "CHF", Required: amt(t, "12345678901234567890.1234"), Secured: amtPtr(t, "0.1234")},
		{Currency: "CHF", Required: amt(t, "98765432109876543210.8766"), Secured: amtPtr(t, "0")},
	}
	got := Totals(lines)
	want := []struct{ currency, required, secured, gap string }{
		{"CHF", "111111111011111111101", "0.1234", "111111111011111111100.8766"},
		{"EUR", "0.3", "0.2", "0.1"},
		{"USD", "200", "150", "100"}, // not 50: the surplus on one line does not cover another
		{"XOF", "5000000", "1000000", "4000000"},
	}
	if len(got) != len(want) {
		t.Fatalf("Totals gave %d currencies, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Currency != w.currency || g.Required.String() != w.required || g.Secured.String() != w.secured || g.Gap.String() != w.gap {
			t.Errorf("Totals[%d] = {%s required %s secured %s gap %s}, want {%s required %s secured %s gap %s}",
				i, g.Currency, g.Required, g.Secured, g.Gap, w.currency, w.required, w.secured, w.gap)
		}
	}
}

func TestTotalsOverSecuredAlone(t *testing.T) {
	got := Totals([]MoneyLine{{Currency: "GBP", Required: amt(t, "10"), Secured: amtPtr(t, "25")}})
	if len(got) != 1 || got[0].Gap.String() != "0" || got[0].Secured.String() != "25" {
		t.Errorf("over-secured alone: %+v, want gap 0 and secured 25", got)
	}
}

func TestTotalsEmpty(t *testing.T) {
	for _, lines := range [][]MoneyLine{nil, {}} {
		got := Totals(lines)
		if got == nil || len(got) != 0 {
			t.Errorf("Totals(%v) = %#v, want an empty, non-nil slice", lines, got)
		}
	}
}

func TestValidCurrency(t *testing.T) {
	for _, c := range []string{"XOF", "XAF", "EUR", "USD", "CHF", "GBP", "JPY", "CAD", "NGN", "GHS", "KES", "ZAR", "SLE", "VES", "ZWG", "XCG", "STN", "MRU", "SSP", "XDR", "CHE", "USN"} {
		if !ValidCurrency(c) {
			t.Errorf("ValidCurrency(%q) = false, want true", c)
		}
	}
	for _, c := range []string{"", "usd", "Eur", "US", "USDD", " EUR", "EUR ", "ABC", "XYZ", "XXX", "XTS", "HRK", "DEM", "FRF", "BGN", "ZWL", "U$D", "123"} {
		if ValidCurrency(c) {
			t.Errorf("ValidCurrency(%q) = true, want false", c)
		}
	}
}

func TestCurrencyCodes(t *testing.T) {
	codes := CurrencyCodes()
	if len(codes) < 170 || len(codes) > 185 {
		t.Errorf("%d currency codes, want about 180", len(codes))
	}
	for i, c := range codes {
		if len(c) != 3 || strings.ToUpper(c) != c || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			t.Errorf("code %q is not three upper-case letters", c)
		}
		if i > 0 && codes[i-1] >= c {
			t.Errorf("codes not sorted and unique at %q, %q", codes[i-1], c)
		}
		if !ValidCurrency(c) {
			t.Errorf("ValidCurrency(%q) = false for a listed code", c)
		}
	}
}

// A NUMERIC as pgx decodes it reads as the same amount as its text.
func TestScanNumeric(t *testing.T) {
	for _, c := range []struct {
		coeff int64
		exp   int32
		want  string
	}{{1250, -2, "12.5"}, {0, 0, "0"}, {-31, -1, "-3.1"}, {12345678, -4, "1234.5678"}, {5, 3, "5000"}} {
		var d Decimal
		if err := d.ScanNumeric(pgtype.Numeric{Int: big.NewInt(c.coeff), Exp: c.exp, Valid: true}); err != nil {
			t.Fatalf("%de%d: %v", c.coeff, c.exp, err)
		}
		var text Decimal
		if err := text.Scan(c.want); err != nil {
			t.Fatal(err)
		}
		if d.String() != c.want || d.Cmp(text) != 0 {
			t.Fatalf("%de%d read as %s, want %s", c.coeff, c.exp, d, c.want)
		}
	}
	large, _ := new(big.Int).SetString("123456789012345678901234", 10)
	var d Decimal
	if err := d.ScanNumeric(pgtype.Numeric{Int: large, Exp: -4, Valid: true}); err != nil || d.String() != "12345678901234567890.1234" {
		t.Fatalf("large: %s, %v", d, err)
	}
	for _, n := range []pgtype.Numeric{{}, {NaN: true, Valid: true}, {InfinityModifier: pgtype.Infinity, Valid: true}} {
		if err := d.ScanNumeric(n); err == nil {
			t.Fatalf("%+v was read", n)
		}
	}
}
