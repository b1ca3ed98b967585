package store

import (
	"time"

	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/i18n"
)

// Calendar dates: the API's Date scalar and the stored dates are
// "YYYY-MM-DD" strings, days in UTC.

// DateLayout is the layout of the GraphQL Date scalar and of stored dates.
const DateLayout = "2006-01-02"

// ParseDate parses a calendar date "YYYY-MM-DD" strictly: exactly ten
// characters, four-digit year from 0001, two-digit month and day, and a day
// that exists in that month. The result is midnight UTC of that day.
func ParseDate(s string) (time.Time, error) {
	ok := len(s) == 10 && s[4] == '-' && s[7] == '-'
	for i := 0; ok && i < len(s); i++ {
		if i != 4 && i != 7 && (s[i] < '0' || s[i] > '9') {
			ok = false
		}
	}
	if !ok {
		return time.Time{}, errs.Msg{ID: "error.date.notForm", Args: i18n.Data{"Value": s}}
	}
	t, err := time.ParseInLocation(DateLayout, s, time.UTC)
	if err != nil || t.Year() < 1 {
		return time.Time{}, errs.Msg{ID: "error.date.notCalendar", Args: i18n.Data{"Value": s}}
	}
	return t, nil
}

// FormatDate formats the UTC calendar day of t as "YYYY-MM-DD".
func FormatDate(t time.Time) string {
	return t.UTC().Format(DateLayout)
}

// DateOf returns midnight UTC of the UTC calendar day containing t. The
// service's "today" is DateOf(time.Now()).
func DateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
