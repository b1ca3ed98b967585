package i18n

import (
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	enFr := []string{"en", "fr"}
	cases := []struct {
		header    string
		available []string
		def       string
		want      string
	}{
		{"", enFr, "en", "en"},
		{"fr", enFr, "en", "fr"},
		{"FR", enFr, "en", "fr"},
		{"fr-FR", enFr, "en", "fr"},
		{"fr-CA-x-quebec", enFr, "en", "fr"},
		{"fr-FR,fr;q=0.9,en;q=0.8", enFr, "en", "fr"},
		{"en;q=0.5, fr;q=0.8", enFr, "en", "fr"},
		{"en;q=0.8, fr;q=0.8", enFr, "fr", "en"}, // equal q: header order
		{"de", enFr, "en", "en"},
		{"de", enFr, "fr", "fr"},
		{"de, fr;q=0.1", enFr, "en", "fr"},
		{"es-419, es;q=0.9, *;q=0.1", enFr, "fr", "fr"},
		{"*", enFr, "fr", "fr"},
		{"*, fr;q=0", enFr, "fr", "en"},
		{"fr;q=0, en;q=0", enFr, "fr", "fr"}, // nothing acceptable: default
		{"fr;q=0.0", enFr, "en", "en"},
		{"fr;q=abc, en;q=0.2", enFr, "fr", "en"}, // a malformed q drops the range
		{"fr;q=2", enFr, "en", "en"},
		{" fr ; q = 0.7 ", enFr, "en", "fr"},
		{"fr", []string{"en", "fr-CA"}, "en", "fr-CA"}, // a more specific language
		{"fr", []string{"fr-CA", "fr"}, "en", "fr"},    // exact first
		{"pt-BR", []string{"en", "PT"}, "en", "PT"},    // spelled as available
		{"zh-Hant-TW", []string{"zh-Hant", "zh"}, "en", "zh-Hant"},
		{"fr", nil, "en", "en"},
		{",,;,", enFr, "en", "en"},
		{"12, fr", enFr, "en", "fr"}, // malformed range skipped
		// q-values: the highest wins wherever it stands, 1 when absent.
		{"en;q=0.1, fr;q=0.9", enFr, "en", "fr"},
		{"en;q=0.3, de;q=1, fr;q=0.4", enFr, "en", "fr"},
		{"fr;q=0.5, en", enFr, "fr", "en"},
		{"fr;q=0.001, de", enFr, "en", "fr"},
		{"fr;level=1;q=0.9, en;q=0.8", enFr, "en", "fr"}, // other parameters ignored
		{"fr;q=-0.5, en;q=0.1", enFr, "fr", "en"},
		// Regional variants fall back to the language.
		{"fr-ML", enFr, "en", "fr"},
		{"fr-CA", enFr, "en", "fr"},
		{"fr-ML, en;q=0.9", enFr, "en", "fr"},
		{"en-GB;q=0.9, fr-CA", enFr, "en", "fr"},
		{"en-US", enFr, "fr", "en"},
		{"fr-ML", []string{"en", "fr-CA"}, "en", "fr-CA"},
		// Wildcards: the default language, else any one not refused, at
		// the wildcard's q-value.
		{"*;q=0.5, fr;q=0.1", enFr, "en", "en"},
		{"de, *;q=0.5", enFr, "fr", "fr"},
		{"*, en;q=0", enFr, "en", "fr"},
		{"*", enFr, "", "en"},
		{"*;q=0", enFr, "fr", "fr"},
	}
	for _, c := range cases {
		for _, call := range []string{"first", "kept"} { // the second call is answered from the kept answers
			if got := Negotiate(c.header, c.available, c.def); got != c.want {
				t.Errorf("Negotiate(%q, %v, %q) = %q (%s call), want %q", c.header, c.available, c.def, got, call, c.want)
			}
		}
	}
	// A header too long to keep is answered all the same, and not kept.
	long := strings.Repeat("de-DE;q=0.9, ", 30) + "fr;q=0.5"
	for range 2 {
		if got := Negotiate(long, enFr, "en"); got != "fr" {
			t.Errorf("a %d-byte header: %q, want fr", len(long), got)
		}
	}
	if _, kept := answers.Load(long + "\x00en\x00en\x00fr"); kept {
		t.Error("a header longer than maxKeptHeader was kept")
	}
}
