package i18n

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/reqinfo"
)

// Every message is in every language: a key missing in one fails here.
func TestCatalogsComplete(t *testing.T) {
	en := IDs(EN)
	if len(en) == 0 {
		t.Fatal("the English catalog is empty")
	}
	for _, l := range Languages {
		got := IDs(l)
		for _, id := range en {
			if !slices.Contains(got, id) {
				t.Errorf("%s: message %q is missing (it is in en)", l, id)
			}
		}
		for _, id := range got {
			if !slices.Contains(en, id) {
				t.Errorf("%s: message %q is not in the English catalog", l, id)
			}
		}
		for _, id := range got {
			if s := T(l, id, Data{"Count": 2}); s == "" || s == id {
				t.Errorf("%s: message %q does not render", l, id)
			}
		}
	}
}

func TestPlural(t *testing.T) {
	cases := []struct {
		lang string
		n    int
		want string
	}{
		{EN, 1, "1 assessment awaits validation"},
		{EN, 2, "2 assessments await validation"},
		{EN, 0, "0 assessments await validation"},
		{FR, 1, "1 évaluation attend sa validation"},
		{FR, 0, "0 évaluation attend sa validation"},
		{FR, 3, "3 évaluations attendent leur validation"},
	}
	for _, c := range cases {
		if got := N(c.lang, "assessments.awaitingValidation", c.n); got != c.want {
			t.Errorf("N(%s, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

func TestMissingMessageShowsItsID(t *testing.T) {
	if got := T(FR, "no.such.message"); got != "no.such.message" {
		t.Errorf("got %q", got)
	}
}

func TestFormat(t *testing.T) {
	d := time.Date(2026, 3, 12, 14, 5, 0, 0, time.UTC)
	cases := []struct{ got, want string }{
		{Date(EN, d), "12 March 2026"},
		{Date(FR, d), "12 mars 2026"},
		{Date(FR, time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)), "1er août 2026"},
		{DateTime(EN, d), "12 March 2026, 14:05"},
		{DateTime(FR, d), "12 mars 2026 à 14:05"},
		{Number(EN, "1500000.50"), "1,500,000.50"},
		{Number(FR, "1500000.50"), "1\u202f500\u202f000,50"},
		{Number(FR, "-999"), "-999"},
		{Number(FR, "-1000"), "-1\u202f000"},
		{Number(EN, "12a"), "12a"},
		{Int(FR, 1020), "1\u202f020"},
		{Percent(EN, 0.425), "42.5%"},
		{Percent(FR, 0.425), "42,5\u202f%"},
		{Percent(FR, 0.15), "15\u202f%"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("%d: got %q, want %q", i, c.got, c.want)
		}
	}
}

func TestLang(t *testing.T) {
	ctx := reqinfo.WithAcceptLanguage(context.Background(), "fr-ML,fr;q=0.9")
	if got := Lang(ctx); got != FR {
		t.Errorf("Accept-Language fr-ML: got %s", got)
	}
	if got := Lang(WithChosen(ctx, "en")); got != EN {
		t.Errorf("chosen en over Accept-Language fr: got %s", got)
	}
	if got := Lang(WithChosen(context.Background(), "de")); got != EN {
		t.Errorf("unsupported choice: got %s", got)
	}
	if got := Lang(context.Background()); got != EN {
		t.Errorf("no header: got %s", got)
	}
}
