package questionnaire

import "testing"

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
	}
	for _, c := range cases {
		if got := Negotiate(c.header, c.available, c.def); got != c.want {
			t.Errorf("Negotiate(%q, %v, %q) = %q, want %q", c.header, c.available, c.def, got, c.want)
		}
	}
}
