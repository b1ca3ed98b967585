package web

import (
	"slices"
	"strings"
	"testing"
)

func TestTextRows(t *testing.T) {
	long := strings.Repeat("é", 3*textRowChars+1) // four rows on a phone
	for _, c := range []struct {
		text  string
		least int
		want  int
	}{
		{"", 3, 3},
		{"short", 3, 3},
		{long, 3, 5},
		{"a\nb\r\nc\nd", 3, 5},
		{long + "\n" + long, 2, 9},
		{strings.Repeat("line\n", 40), 3, textRowsMax},
	} {
		if got := textRows(c.text, c.least); got != c.want {
			t.Errorf("textRows(%.20q…, %d) = %d, want %d", c.text, c.least, got, c.want)
		}
	}
}

func TestWrapText(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"", []string{""}},
		{"Gestion du personnel", []string{"Gestion du personnel"}},
		{"Performance et efficacité opérationnelle des unités de terrain", []string{"Performance et efficacité opérationnelle", "des unités de terrain"}},
		{strings.Repeat("x", 50) + " y", []string{strings.Repeat("x", 50), "y"}},
	} {
		if got := wrapText(c.text, chartLabelChars); !slices.Equal(got, c.want) {
			t.Errorf("wrapText(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}
