package errs

import (
	"testing"

	"github.com/gendertrack/gendertrack/internal/i18n"
)

func TestTextInEachLanguage(t *testing.T) {
	cases := []struct {
		u    UserError
		lang string
		want string
	}{
		{UserError{Message: "error.required"}, i18n.EN, "This field is required."},
		{UserError{Message: "error.required"}, i18n.FR, "Ce champ est obligatoire."},
		{UserError{Message: "error.maxLength", Args: i18n.Data{"Max": 300}}, i18n.FR, "Au plus 300 caractères."},
		{UserError{Message: "error.conflict", Args: i18n.Data{"Stored": 4, "Sent": 3}}, i18n.FR,
			"Quelqu'un d'autre a modifié cet élément (version 4 enregistrée, version 3 envoyée) ; rechargez-le et recommencez."},
		// A value that is itself a message is given in the same language.
		{UserError{Message: "error.input.notValid", Args: i18n.Data{"Reason": Msg{ID: "error.date.notCalendar", Args: i18n.Data{"Value": "2026-02-30"}}}}, i18n.FR,
			"n'est pas valide : La date « 2026-02-30 » n'existe pas dans le calendrier."},
		// Count picks the plural form.
		{UserError{Message: "error.assessment.requiredMissing", Args: i18n.Data{"Count": 1, "Questions": "a"}}, i18n.FR,
			"1 question obligatoire n'a pas encore de réponse : a."},
		{UserError{Message: "error.assessment.requiredMissing", Args: i18n.Data{"Count": 2, "Questions": "a, b"}}, i18n.FR,
			"2 questions obligatoires n'ont pas encore de réponse : a, b."},
		// A message that is not an ID shows as it is.
		{UserError{Message: "Plain text."}, i18n.FR, "Plain text."},
	}
	for i, c := range cases {
		if got := c.u.Text(c.lang); got != c.want {
			t.Errorf("%d: got %q, want %q", i, got, c.want)
		}
	}
	if got := Stale(7, 6).Error(); got != "CONFLICT at input.expectedVersion: The record was changed by someone else: it is now at version 7, and you sent version 6; reload it and try again." {
		t.Errorf("Stale: %s", got)
	}
	if got := BadInputOf(Msg{ID: "error.amount.negative", Args: i18n.Data{"Value": "-1"}}).Text(i18n.FR); got != "Le montant « -1 » est négatif ; un montant doit être positif ou nul." {
		t.Errorf("BadInputOf: %s", got)
	}
}
