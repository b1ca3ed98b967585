package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/errs"
)

func TestDecimalUnmarshalGQL(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{"1250000.50", "1250000.50"},
		{json.Number("1250000.50"), "1250000.50"},
		{json.Number("99999999999999999999.9999"), "99999999999999999999.9999"},
		{json.Number("2.5e2"), "250"},
		{int64(10), "10"},
		{12.5, "12.5"},
	} {
		var d Decimal
		if err := d.UnmarshalGQL(c.in); err != nil || string(d) != c.want {
			t.Errorf("UnmarshalGQL(%#v) = %q, %v; want %q", c.in, d, err, c.want)
		}
	}
	for _, bad := range []any{json.Number("1e400"), json.Number(strings.Repeat("1", 200)), true, nil, map[string]any{}} {
		var d Decimal
		if err := d.UnmarshalGQL(bad); !errors.Is(err, errs.ErrBadInput) {
			t.Errorf("UnmarshalGQL(%#v) = %q, %v; want a BadInput error", bad, d, err)
		}
	}
}

func TestUnmarshalTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"2026-03-31T14:30:00Z", time.Date(2026, 3, 31, 14, 30, 0, 0, time.UTC)},
		{"2026-03-31t14:30:00z", time.Date(2026, 3, 31, 14, 30, 0, 0, time.UTC)},
		{"2026-03-31T16:30:00+02:00", time.Date(2026, 3, 31, 14, 30, 0, 0, time.UTC)},
		{"2026-03-31T14:30:00.123456789Z", time.Date(2026, 3, 31, 14, 30, 0, 123456789, time.UTC)},
		{"2024-02-29T23:59:59-23:59", time.Date(2024, 3, 1, 23, 58, 59, 0, time.UTC)},
	} {
		got, err := UnmarshalTime(c.in)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("UnmarshalTime(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []any{
		"", "2026-03-31", "2026-03-31 14:30:00", "2026-03-31T14:30:00", "2026-03-31T14:30Z",
		"2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-03-31T24:00:00Z", "2026-03-31T23:60:00Z",
		"2026-03-31T23:59:60Z", "2026-03-31T14:30:00,5Z", "2026-03-31T14:30:00.Z", "2026-03-31T14:30:00.1234567890Z",
		"2026-03-31T14:30:00+24:00", "2026-03-31T14:30:00+0200", "10000-01-01T00:00:00Z", "2026-3-31T14:30:00Z",
		"2026-03-31T14:30:00Z\x00", strings.Repeat("2026-03-31T14:30:00Z", 100),
		int64(1774967400), json.Number("1774967400"), 1.5, true, nil,
	} {
		got, err := UnmarshalTime(bad)
		if !errors.Is(err, errs.ErrBadInput) {
			t.Errorf("UnmarshalTime(%#v) = %v, %v; want a BadInput error", bad, got, err)
			continue
		}
		if len(err.Error()) > 200 {
			t.Errorf("UnmarshalTime(%.20q…): the message quotes the whole value", bad)
		}
	}
}

func TestMarshalTime(t *testing.T) {
	var b bytes.Buffer
	MarshalTime(time.Date(2026, 3, 31, 14, 30, 0, 500, time.UTC)).MarshalGQL(&b)
	if b.String() != `"2026-03-31T14:30:00.0000005Z"` {
		t.Errorf("MarshalTime = %s", b.String())
	}
}
