// Package money holds exact decimal amounts (the API's Decimal scalar),
// their sums per currency and the ISO 4217 currency codes (RULES.md
// section 7, "Money"). It is a package of its own so that the store's
// models and the plan service can both use it.
package money

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/i18n"
)

// Limits on the amounts that ParseAmount accepts (RULES.md 7, "Money").
const (
	// MaxAmountIntegerDigits is the largest number of significant digits
	// before the decimal point of an amount.
	MaxAmountIntegerDigits = 28
	// MaxAmountDecimalPlaces is the largest number of digits after the
	// decimal point of an amount.
	MaxAmountDecimalPlaces = 4
)

// Decimal is an exact decimal number used for money amounts. The zero value
// is 0 and is ready to use.
//
// A Decimal is immutable: every operation returns a new value and never
// changes its operands, so Decimals may be copied and shared freely.
// Arithmetic is exact (no rounding ever happens). Compare values with Cmp,
// not ==: "1.5" and "1.50" are equal amounts with different representations.
//
// Decimal implements driver.Valuer (it is written as its canonical string)
// and sql.Scanner, so it can be stored in a TEXT or NUMERIC column. Use a
// *Decimal (or sql.Null[Decimal]) for a nullable column: scanning NULL into
// a Decimal is an error. A nil *Decimal is written as NULL.
type Decimal struct {
	v apd.Decimal
}

// exactContext never rounds (precision 0) and traps every condition that
// would mean a result is not exact.
var exactContext = func() *apd.Context {
	c := apd.BaseContext
	c.Traps |= apd.Inexact | apd.Rounded
	return &c
}()

// Zero returns the Decimal 0.
func Zero() Decimal { return Decimal{} }

// ParseAmount parses a money amount as clients send it: plain digits with an
// optional decimal point, such as "1250000.50", "0" or
// "12345678901234567890.1234". Leading zeros are allowed ("007.5").
//
// It rejects an empty string, spaces, signs (so negatives), exponents, NaN
// and infinities, a decimal point without digits on both sides, more than
// MaxAmountDecimalPlaces digits after the decimal point and more than
// MaxAmountIntegerDigits significant digits before it. Errors are English
// sentences suitable for a userError message.
func ParseAmount(s string) (Decimal, error) {
	if s == "" {
		return Decimal{}, errs.Msg{ID: "error.amount.empty"}
	}
	if strings.ContainsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' || r == '\v' || r == '\f'
	}) {
		return Decimal{}, errs.Msg{ID: "error.amount.spaces", Args: i18n.Data{"Value": s}}
	}
	if strings.HasPrefix(s, "-") {
		return Decimal{}, errs.Msg{ID: "error.amount.negative", Args: i18n.Data{"Value": s}}
	}
	lower := strings.ToLower(s)
	switch strings.TrimPrefix(lower, "+") {
	case "nan", "snan", "inf", "infinity":
		return Decimal{}, errs.Msg{ID: "error.amount.notFinite", Args: i18n.Data{"Value": s}}
	}
	if strings.HasPrefix(s, "+") {
		return Decimal{}, errs.Msg{ID: "error.amount.sign", Args: i18n.Data{"Value": s}}
	}
	if strings.ContainsAny(lower, "e") && strings.Trim(lower, "0123456789.e+-") == "" {
		return Decimal{}, errs.Msg{ID: "error.amount.exponent", Args: i18n.Data{"Value": s}}
	}
	intPart, fracPart, hasPoint := strings.Cut(s, ".")
	if !allDigits(intPart) || !allDigits(fracPart) {
		return Decimal{}, errs.Msg{ID: "error.amount.notPlain", Args: i18n.Data{"Value": s}}
	}
	if intPart == "" || (hasPoint && fracPart == "") {
		return Decimal{}, errs.Msg{ID: "error.amount.pointDigits", Args: i18n.Data{"Value": s}}
	}
	if len(fracPart) > MaxAmountDecimalPlaces {
		return Decimal{}, errs.Msg{ID: "error.amount.decimals", Args: i18n.Data{"Value": s, "Places": len(fracPart), "Max": MaxAmountDecimalPlaces}}
	}
	if n := len(strings.TrimLeft(intPart, "0")); n > MaxAmountIntegerDigits {
		return Decimal{}, errs.Msg{ID: "error.amount.integerDigits", Args: i18n.Data{"Value": s, "Digits": n, "Max": MaxAmountIntegerDigits}}
	}
	return parsePlainDecimal(s)
}

// MustParseAmount is ParseAmount for constants in code and tests; it panics
// when s is not a valid amount.
func MustParseAmount(s string) Decimal {
	d, err := ParseAmount(s)
	if err != nil {
		panic(err)
	}
	return d
}

// allDigits reports whether s consists of ASCII digits only (true for "").
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parsePlainDecimal parses an already validated "[-]digits[.digits]" string.
func parsePlainDecimal(s string) (Decimal, error) {
	var d Decimal
	if _, _, err := exactContext.SetString(&d.v, s); err != nil {
		return Decimal{}, errs.Msg{ID: "error.amount.unreadable", Args: i18n.Data{"Value": s}}
	}
	return d, nil
}

// MarshalGQL writes the amount in its canonical form as a JSON string: the
// API's Decimal scalar.
func (d Decimal) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(d.String())) }

// UnmarshalGQL reads an amount sent as a string or a number (DecimalText),
// checked as ParseAmount does. Its errors are the client's
// (errs.BadInput).
func (d *Decimal) UnmarshalGQL(v any) error {
	s, err := DecimalText(v)
	if err != nil {
		return errs.BadInputOf(err)
	}
	p, err := ParseAmount(s)
	if err != nil {
		return errs.BadInputOf(err)
	}
	*d = p
	return nil
}

// MaxNumberText bounds the text of a Decimal sent as a JSON number, and the
// plain form of one in exponent notation: "1e400" would be 401 digits.
const MaxNumberText = 100

// DecimalText is the exact text of a Decimal scalar as the GraphQL layer
// hands it over: a string as it is; a JSON number of the variables
// (json.Number, its text as sent) as written, or, in exponent notation,
// with all its digits ("1.5e3" is "1500", "1e-2" is "0.01"); an integer
// literal in decimal digits; a float literal of the document (which the
// parser reads as a float64) in the shortest form that reads back as the
// same float64 — exact only when that is the literal's value, which the
// API checks before it runs. Range and precision are ParseAmount's.
func DecimalText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return numberText(string(x))
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return "", errs.Msg{ID: "error.amount.numberNotFinite"}
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	return "", errs.Msg{ID: "error.amount.type"}
}

// numberText writes a JSON number in plain decimal notation, exactly.
func numberText(s string) (string, error) {
	tooLong := errs.Msg{ID: "error.amount.tooLong", Args: i18n.Data{"Integer": MaxAmountIntegerDigits, "Places": MaxAmountDecimalPlaces}}
	if len(s) > MaxNumberText {
		return "", tooLong
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	if !hasExp {
		return s, nil
	}
	sign := ""
	if strings.HasPrefix(mant, "-") {
		sign, mant = "-", mant[1:]
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	expDigits := strings.TrimLeft(exp, "+-")
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) || expDigits == "" || !allDigits(expDigits) || len(exp)-len(expDigits) > 1 {
		return "", errs.Msg{ID: "error.amount.notDecimal", Args: i18n.Data{"Value": s}}
	}
	e, err := strconv.Atoi(exp)
	if err != nil {
		return "", tooLong // an exponent beyond int
	}
	digits, point := intPart+frac, len(intPart)+e // the decimal point falls before digits[point]
	if point > MaxNumberText || point < -MaxNumberText {
		return "", tooLong
	}
	if point < 0 {
		digits, point = strings.Repeat("0", -point)+digits, 0
	}
	if point > len(digits) {
		digits += strings.Repeat("0", point-len(digits))
	}
	ip, fp := strings.TrimLeft(digits[:point], "0"), digits[point:]
	if ip == "" {
		ip = "0"
	}
	if fp != "" {
		return sign + ip + "." + fp, nil
	}
	return sign + ip, nil
}

// String returns the canonical form: plain digits, no exponent, trailing
// fractional zeros removed, the decimal point only when a fraction remains,
// and a leading "-" only for values below zero. Examples: "0", "0.3",
// "100", "1250000.5", "-2.25".
func (d Decimal) String() string {
	if d.v.Form != apd.Finite {
		return d.v.String()
	}
	digits := d.v.Coeff.String() // the coefficient is never negative
	if digits == "0" {
		return "0"
	}
	var s string
	switch exp := int(d.v.Exponent); {
	case exp >= 0:
		s = digits + strings.Repeat("0", exp)
	default:
		places := -exp
		if len(digits) <= places {
			digits = strings.Repeat("0", places-len(digits)+1) + digits
		}
		point := len(digits) - places
		intPart := digits[:point]
		fracPart := strings.TrimRight(digits[point:], "0")
		s = intPart
		if fracPart != "" {
			s += "." + fracPart
		}
	}
	if d.v.Negative {
		s = "-" + s
	}
	return s
}

// Add returns d + o, exactly.
func (d Decimal) Add(o Decimal) Decimal {
	var r Decimal
	if _, err := exactContext.Add(&r.v, &d.v, &o.v); err != nil {
		panic(fmt.Sprintf("plan: exact decimal addition of %s and %s failed: %v", d, o, err))
	}
	return r
}

// Sub returns d - o, exactly. The result may be negative.
func (d Decimal) Sub(o Decimal) Decimal {
	var r Decimal
	if _, err := exactContext.Sub(&r.v, &d.v, &o.v); err != nil {
		panic(fmt.Sprintf("plan: exact decimal subtraction %s - %s failed: %v", d, o, err))
	}
	return r
}

// Cmp compares d and o by value: -1 if d < o, 0 if d == o, +1 if d > o.
// Representations do not matter: "1.50" and "1.5" compare equal.
func (d Decimal) Cmp(o Decimal) int { return d.v.Cmp(&o.v) }

// Sign returns -1, 0 or +1 as d is below, equal to or above zero.
func (d Decimal) Sign() int { return d.v.Sign() }

// IsZero reports whether d == 0.
func (d Decimal) IsZero() bool { return d.v.IsZero() }

// Max0 returns max(0, d).
func (d Decimal) Max0() Decimal {
	if d.v.Sign() < 0 {
		return Decimal{}
	}
	return d
}

// Value implements driver.Valuer: a Decimal is stored as its canonical string.
func (d Decimal) Value() (driver.Value, error) { return d.String(), nil }

// maxExactFloat is the bound below which a float64 read from a database is
// accepted as an amount: for |f| < 2^53 / 10^4, a decimal with at most four
// places that was rounded to a float64 can only land on a float that is
// exactly that decimal, or on one that is no such decimal at all.
const maxExactFloat = float64(1<<53) / 10000

// Scan implements sql.Scanner. It accepts:
//   - string and []byte holding a plain decimal "[-]digits[.digits]" (any
//     number of digits; no exponent, NaN or infinity), as a TEXT or NUMERIC
//     column gives back;
//   - int64;
//   - float64 only when it is exactly a decimal with at most four places and
//     its magnitude is below 2^53/10^4 (about 9.0e11): then no digit can have
//     been lost. Any other float64 is refused, since it cannot be known to be
//     the amount that was stored; keep amounts in a TEXT column (SQLite) or a
//     NUMERIC column (PostgreSQL).
//
// NULL is refused; scan a nullable column into a *Decimal or a
// sql.Null[Decimal].
func (d *Decimal) Scan(src any) error {
	switch x := src.(type) {
	case string:
		return d.scanString(x)
	case []byte:
		return d.scanString(string(x))
	case int64:
		var r Decimal
		r.v.SetInt64(x)
		*d = r
		return nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) >= maxExactFloat {
			return fmt.Errorf("plan: cannot scan float64 %v into a Decimal exactly; store amounts as TEXT or NUMERIC", x)
		}
		r := new(big.Rat).SetFloat64(x)
		scaled := new(big.Rat).Mul(r, big.NewRat(10000, 1))
		if !scaled.IsInt() {
			return fmt.Errorf("plan: cannot scan float64 %v into a Decimal exactly; store amounts as TEXT or NUMERIC", x)
		}
		v, err := parsePlainDecimal(r.FloatString(MaxAmountDecimalPlaces))
		if err != nil {
			return err
		}
		*d = v
		return nil
	case nil:
		return errors.New("plan: cannot scan NULL into a Decimal; use *Decimal or sql.Null[Decimal] for a nullable column")
	default:
		return fmt.Errorf("plan: cannot scan %T into a Decimal", src)
	}
}

func (d *Decimal) scanString(s string) error {
	body := strings.TrimPrefix(s, "-")
	intPart, fracPart, hasPoint := strings.Cut(body, ".")
	if intPart == "" || !allDigits(intPart) || !allDigits(fracPart) || (hasPoint && fracPart == "") {
		return fmt.Errorf("plan: cannot scan %q into a Decimal: not a plain decimal number", s)
	}
	v, err := parsePlainDecimal(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MoneyTotal is the sum of the money requirements in one currency
// (GraphQL type MoneyTotal).
type MoneyTotal struct {
	Currency string
	Required Decimal
	Secured  Decimal
	// Gap is the sum over requirements of max(0, required - secured): a
	// requirement secured beyond its need does not offset another one.
	Gap Decimal
}

// MoneyLine is one BUDGET requirement: its currency, required amount and
// secured amount (nil counts as 0).
type MoneyLine struct {
	Currency string
	Required Decimal
	Secured  *Decimal
}

// Totals sums lines per currency (RULES.md 7, "Money"): required, secured
// (nil counts as 0) and gap = sum of max(0, required - secured) per line.
// The result has one entry per currency present, ordered by currency code,
// and is never nil. Lines are grouped by their exact Currency string; callers
// pass only BUDGET requirements.
func Totals(lines []MoneyLine) []MoneyTotal {
	byCurrency := make(map[string]*MoneyTotal)
	for _, l := range lines {
		t := byCurrency[l.Currency]
		if t == nil {
			t = &MoneyTotal{Currency: l.Currency}
			byCurrency[l.Currency] = t
		}
		var secured Decimal
		if l.Secured != nil {
			secured = *l.Secured
		}
		t.Required = t.Required.Add(l.Required)
		t.Secured = t.Secured.Add(secured)
		t.Gap = t.Gap.Add(l.Required.Sub(secured).Max0())
	}
	out := make([]MoneyTotal, 0, len(byCurrency))
	for _, t := range byCurrency {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}

// ValidCurrency reports whether code is an active ISO 4217 alphabetic
// currency code, written as three upper-case letters ("EUR", not "eur").
//
// The list is ISO 4217 List One as in force in 2026, fund and special codes
// included (for example CHE, USN, XDR, XAU, XBA), with two deliberate
// exceptions: XXX ("no currency") and XTS ("reserved for testing") are not
// currencies an amount can be in and are refused. Withdrawn codes (such as
// HRK, BGN, ANG, ZWL, SLL, CUC) are refused.
func ValidCurrency(code string) bool {
	_, ok := iso4217Codes[code]
	return ok
}

// CurrencyCodes returns every code ValidCurrency accepts, sorted.
func CurrencyCodes() []string {
	out := make([]string, 0, len(iso4217Codes))
	for c := range iso4217Codes {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

var iso4217Codes = func() map[string]struct{} {
	const list = `
AED AFN ALL AMD AOA ARS AUD AWG AZN
BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK
DJF DKK DOP DZD
EGP ERN ETB EUR
FJD FKP
GBP GEL GHS GIP GMD GNF GTQ GYD
HKD HNL HTG HUF
IDR ILS INR IQD IRR ISK
JMD JOD JPY
KES KGS KHR KMF KPW KRW KWD KYD KZT
LAK LBP LKR LRD LSL LYD
MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN
NAD NGN NIO NOK NPR NZD
OMR
PAB PEN PGK PHP PKR PLN PYG
QAR
RON RSD RUB RWF
SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
THB TJS TMT TND TOP TRY TTD TWD TZS
UAH UGX USD USN UYI UYU UYW UZS
VED VES VND VUV
WST
XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA
YER
ZAR ZMW ZWG
`
	m := make(map[string]struct{})
	for _, c := range strings.Fields(list) {
		m[c] = struct{}{}
	}
	return m
}()
