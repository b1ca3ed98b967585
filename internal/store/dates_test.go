package store

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    string // FormatDate of the result; "" means an error is expected
		wantErr string // substring of the error
	}{
		{in: "2024-02-29", want: "2024-02-29"},
		{in: "2025-12-31", want: "2025-12-31"},
		{in: "0001-01-01", want: "0001-01-01"},
		{in: "2023-02-29", wantErr: "not a valid calendar date"},
		{in: "2024-13-01", wantErr: "not a valid calendar date"},
		{in: "2024-00-10", wantErr: "not a valid calendar date"},
		{in: "2024-04-31", wantErr: "not a valid calendar date"},
		{in: "0000-01-01", wantErr: "not a valid calendar date"},
		{in: "2024-1-01", wantErr: "YYYY-MM-DD"},
		{in: "2024-01-1", wantErr: "YYYY-MM-DD"},
		{in: "24-01-01", wantErr: "YYYY-MM-DD"},
		{in: "2024/01/01", wantErr: "YYYY-MM-DD"},
		{in: "2024-01-01T00:00:00Z", wantErr: "YYYY-MM-DD"},
		{in: " 2024-01-01", wantErr: "YYYY-MM-DD"},
		{in: "2024-01-01 ", wantErr: "YYYY-MM-DD"},
		{in: "+024-01-01", wantErr: "YYYY-MM-DD"},
		{in: "", wantErr: "YYYY-MM-DD"},
	}
	for _, tc := range tests {
		got, err := ParseDate(tc.in)
		if tc.wantErr != "" {
			if err == nil {
				t.Errorf("ParseDate(%q) = %v, want an error", tc.in, got)
			} else if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseDate(%q) error %q, want it to mention %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDate(%q): unexpected error %v", tc.in, err)
			continue
		}
		if got.Location() != time.UTC || got.Hour() != 0 || got.Minute() != 0 || got.Second() != 0 || got.Nanosecond() != 0 {
			t.Errorf("ParseDate(%q) = %v, want midnight UTC", tc.in, got)
		}
		if s := FormatDate(got); s != tc.want {
			t.Errorf("FormatDate(ParseDate(%q)) = %q, want %q", tc.in, s, tc.want)
		}
	}
}

func TestFormatDateUsesUTCDay(t *testing.T) {
	// 2024-03-01 01:30 at UTC+3 is 2024-02-29 22:30 UTC.
	zone := time.FixedZone("UTC+3", 3*3600)
	if got := FormatDate(time.Date(2024, 3, 1, 1, 30, 0, 0, zone)); got != "2024-02-29" {
		t.Errorf("FormatDate = %q, want 2024-02-29", got)
	}
	if got := FormatDate(time.Date(2024, 3, 1, 23, 59, 59, 0, time.UTC)); got != "2024-03-01" {
		t.Errorf("FormatDate = %q, want 2024-03-01", got)
	}
}

func TestDateOf(t *testing.T) {
	got := DateOf(time.Date(2024, 3, 1, 23, 59, 59, 999, time.UTC))
	want := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("DateOf = %v, want %v", got, want)
	}
	// 2024-03-01 01:30 at UTC+3 is still 2024-02-29 in UTC.
	got = DateOf(time.Date(2024, 3, 1, 1, 30, 0, 0, time.FixedZone("UTC+3", 3*3600)))
	want = time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("DateOf in UTC+3 = %v, want %v", got, want)
	}
}
