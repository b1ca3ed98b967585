package store_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/store"
)

// TestDateUnmarshalGQL: only a string YYYY-MM-DD naming a real day of the
// years 0001-9999 is a Date; everything else is the client's error.
func TestDateUnmarshalGQL(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"2026-03-31", "0001-01-01", "9999-12-31", "2024-02-29", "2000-02-29"} {
		var d store.Date
		if err := d.UnmarshalGQL(ok); err != nil || string(d) != ok {
			t.Errorf("UnmarshalGQL(%q) = %q, %v", ok, d, err)
		}
	}
	for _, bad := range []any{
		"0000-00-00", "0000-01-01", "2026-02-30", "2026-02-29", "1900-02-29", "2026-13-01", "2026-00-10",
		"2026-04-31", "2026-1-1", "2026-01-1", "26-01-01", "", " 2026-01-01", "2026-01-01 ", "10000-01-01",
		"+2026-01-01", "2026/01/01", "2026-01-01T00:00:00Z", "２０２６-01-01", "2026-01-0\x00",
		strings.Repeat("2026-01-01", 1000),
		int64(20260101), 20260101.0, json.Number("20260101"), true, nil, []any{"2026-01-01"},
	} {
		var d store.Date
		err := d.UnmarshalGQL(bad)
		if !errors.Is(err, errs.ErrBadInput) {
			t.Errorf("UnmarshalGQL(%#v) = %q, %v; want a BadInput error", bad, d, err)
			continue
		}
		if len(err.Error()) > 200 {
			t.Errorf("UnmarshalGQL(%.20q…): the message quotes the whole value (%d bytes)", bad, len(err.Error()))
		}
	}
}
