package i18n

import (
	"strconv"
	"strings"
	"time"
)

var monthNames = map[string][12]string{
	EN: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	FR: {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
}

// Date writes a calendar date the way the language does: "12 March 2026",
// "12 mars 2026" (and "1er mars 2026", as French writes the first day).
func Date(lang string, t time.Time) string {
	names, ok := monthNames[lang]
	if !ok {
		names = monthNames[EN]
	}
	day := strconv.Itoa(t.Day())
	if lang == FR && t.Day() == 1 {
		day = "1er"
	}
	return day + " " + names[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// DateTime writes a moment as its date and its time of day (24-hour, UTC):
// "12 March 2026, 14:05", "12 mars 2026 à 14:05".
func DateTime(lang string, t time.Time) string {
	t = t.UTC()
	if lang == FR {
		return Date(lang, t) + " à " + t.Format("15:04")
	}
	return Date(lang, t) + ", " + t.Format("15:04")
}

// Separators of the digits of a number: thousands and decimals. French
// groups with a narrow no-break space (CLDR), so a number never breaks
// across lines.
var separators = map[string][2]string{
	EN: {",", "."},
	FR: {"\u202f", ","},
}

// Number writes a decimal number given as plain digits ("1500000.50",
// "-12", "3.5") with the language's separators: "1,500,000.50",
// "1 500 000,50". Anything that is not such a number is returned as it is.
func Number(lang, s string) string {
	sep, ok := separators[lang]
	if !ok {
		sep = separators[EN]
	}
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(sep[0])
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString(sep[1])
		b.WriteString(frac)
	}
	return b.String()
}

// Int writes an integer with the language's separators.
func Int(lang string, n int64) string { return Number(lang, strconv.FormatInt(n, 10)) }

// Percent writes a share (0.425 → "42.5 %" or "42,5 %"), rounded to one
// decimal; French puts a narrow no-break space before the sign, English
// none.
func Percent(lang string, share float64) string {
	s := strconv.FormatFloat(share*100, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if lang == FR {
		return Number(lang, s) + "\u202f%"
	}
	return Number(lang, s) + "%"
}
