package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gendertrack/gendertrack/internal/app"
)

// langGQL is gql with an Accept-Language header ("" sends none) and any
// Authorization header (a bearer token or anything else).
func (e *env) langGQL(auth, lang, query string, vars map[string]any) *resp {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", e.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	return e.do(req)
}

// userErrorTexts returns a payload's userErrors as code@field: message.
func userErrorTexts(r *resp, payload string) []string {
	var out []string
	l, _ := r.Get(payload + ".userErrors").([]any)
	for _, x := range l {
		m := x.(map[string]any)
		var f []string
		for _, p := range m["field"].([]any) {
			f = append(f, p.(string))
		}
		out = append(out, m["code"].(string)+"@"+strings.Join(f, ".")+": "+m["message"].(string))
	}
	return out
}

// errorOf fails the test unless r answers one GraphQL error with code, and
// returns its message.
func errorOf(t *testing.T, r *resp, code string) string {
	t.Helper()
	if len(r.Errors) != 1 || r.Code() != code {
		t.Fatalf("want one %s error: %s", code, r.Raw)
	}
	return r.Errors[0].Message
}

// RULES.md section 9: userErrors and GraphQL errors answer in the best
// language of Accept-Language, English or French, else English; codes
// and fields do not change with the language.
func TestErrorMessagesFollowAcceptLanguage(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		admin := e.admin()
		bearer := "Bearer " + admin
		inst := e.mkInstitution(admin, "Gendarmerie nationale")

		// A bad input: the same userErrors, in the request's language.
		const bad = `mutation{ createInstitution(input:{name:"  ", acronym:"G", sector:POLICE, country:"ZZZ"}){ institution{id} userErrors{code field message} } }`
		en := []string{
			"INVALID@input.name: This field may not be blank.",
			"INVALID@input.country: Country must be an ISO 3166-1 alpha-2 code such as ML or FR.",
		}
		fr := []string{
			"INVALID@input.name: Ce champ ne peut pas être vide.",
			"INVALID@input.country: Le pays doit être un code ISO 3166-1 alpha-2, comme ML ou FR.",
		}
		for _, c := range []struct {
			lang string
			want []string
		}{
			{"fr", fr}, {"fr-ML", fr}, {"de, fr;q=0.5", fr}, {"fr-FR,fr;q=0.9,en;q=0.8", fr},
			{"en", en}, {"de", en}, {"", en}, {"en-GB,fr;q=0.1", en},
		} {
			got := userErrorTexts(e.langGQL(bearer, c.lang, bad, nil).OK(), "createInstitution")
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("Accept-Language %q:\n got %q\nwant %q", c.lang, got, c.want)
			}
		}

		// CONFLICT names the stored version and the one sent, in French too.
		const upd = `mutation($id:ID!){ updateInstitution(input:{id:$id, expectedVersion:7, acronym:"GN"}){ institution{id} userErrors{code field message} } }`
		got := userErrorTexts(e.langGQL(bearer, "fr", upd, map[string]any{"id": inst}).OK(), "updateInstitution")
		if want := "CONFLICT@input.expectedVersion: Quelqu'un d'autre a modifié cet élément (version 1 enregistrée, version 7 envoyée) ; rechargez-le et recommencez."; len(got) != 1 || got[0] != want {
			t.Errorf("conflict in French: %q", got)
		}
		got = userErrorTexts(e.langGQL(bearer, "en", upd, map[string]any{"id": inst}).OK(), "updateInstitution")
		if want := "CONFLICT@input.expectedVersion: The record was changed by someone else: it is now at version 1, and you sent version 7; reload it and try again."; len(got) != 1 || got[0] != want {
			t.Errorf("conflict in English: %q", got)
		}

		// UNAUTHENTICATED: no sign-in, and a credential refused before the
		// request runs.
		const create = `mutation{ createUnit(input:{institutionId:"x", name:"Brigade", kind:OTHER}){ unit{id} } }`
		if m := errorOf(t, e.langGQL("", "fr", create, nil), "UNAUTHENTICATED"); m != "connexion requise" {
			t.Errorf("anonymous mutation in French: %q", m)
		}
		if m := errorOf(t, e.langGQL("", "", create, nil), "UNAUTHENTICATED"); m != "sign-in required" {
			t.Errorf("anonymous mutation in English: %q", m)
		}
		if m := errorOf(t, e.langGQL("Bearer gtt_nothing", "fr-ML", `{ viewer{ email } }`, nil), "UNAUTHENTICATED"); m != "l'identifiant de connexion est inconnu, expiré ou révoqué ; reconnectez-vous" {
			t.Errorf("bad credential in French: %q", m)
		}
		if m := errorOf(t, e.langGQL("Bearer gtt_nothing", "de", `{ viewer{ email } }`, nil), "UNAUTHENTICATED"); m != "the credential is unknown, expired or revoked; sign in again" {
			t.Errorf("bad credential in English: %q", m)
		}

		// FORBIDDEN: a committee member may read the institution, not add
		// units to it.
		member := "Bearer " + e.planUser(admin, inst, "membre@example.org", "COMMITTEE_MEMBER")
		const unit = `mutation($i:ID!){ createUnit(input:{institutionId:$i, name:"Brigade", kind:OTHER}){ unit{id} } }`
		if m := errorOf(t, e.langGQL(member, "fr", unit, map[string]any{"i": inst}), "FORBIDDEN"); m != "votre rôle ne permet pas cette opération" {
			t.Errorf("forbidden in French: %q", m)
		}
		if m := errorOf(t, e.langGQL(member, "en", unit, map[string]any{"i": inst}), "FORBIDDEN"); m != "your role does not allow this operation" {
			t.Errorf("forbidden in English: %q", m)
		}

		// BAD_USER_INPUT: a query argument out of range, and a malformed
		// scalar in a variable (the message nests the scalar's own).
		const many = `{ institutions(first:501){ totalCount } }`
		if m := errorOf(t, e.langGQL(bearer, "fr", many, nil), "BAD_USER_INPUT"); m != "first doit être compris entre 0 et 500." {
			t.Errorf("first in French: %q", m)
		}
		if m := errorOf(t, e.langGQL(bearer, "", many, nil), "BAD_USER_INPUT"); m != "first must be between 0 and 500." {
			t.Errorf("first in English: %q", m)
		}
		const plan = `mutation($i:ID!,$s:Date!){ createActionPlan(input:{institutionId:$i,title:"P",startDate:$s,endDate:"2026-12-31"}){ plan{id} } }`
		vars := map[string]any{"i": inst, "s": "2026-02-30"}
		if m := errorOf(t, e.langGQL(bearer, "fr", plan, vars), "BAD_USER_INPUT"); m != "Variable $s : n'est pas valide : La date « 2026-02-30 » n'existe pas dans le calendrier." {
			t.Errorf("bad date in French: %q", m)
		}
		if m := errorOf(t, e.langGQL(bearer, "en", plan, vars), "BAD_USER_INPUT"); m != `Variable $s is not valid: The date "2026-02-30" is not a valid calendar date.` {
			t.Errorf("bad date in English: %q", m)
		}

		// A limit, checked before the document is validated.
		const deep = `{ institutions(first:1){ edges{ node{ units(first:1){ edges{ node{ parent{ parent{ name } } } } } } } } }`
		if m := errorOf(t, e.langGQL(bearer, "fr", deep, nil), "DEPTH_LIMIT_EXCEEDED"); m != "L'opération est imbriquée sur 9 niveaux ; la limite est de 6." {
			t.Errorf("depth in French: %q", m)
		}
		if m := errorOf(t, e.langGQL(bearer, "de", deep, nil), "DEPTH_LIMIT_EXCEEDED"); m != "The operation is nested 9 levels deep; the limit is 6." {
			t.Errorf("depth in English: %q", m)
		}

		// A mutation sent with GET, refused by the transport.
		req, _ := http.NewRequest("GET", e.URL+"/graphql?query="+strings.ReplaceAll("mutation{logout{ok}}", " ", "%20"), nil)
		req.Header.Set("Accept-Language", "fr")
		if m := errorOf(t, e.do(req), "BAD_REQUEST"); m != "Envoyez les mutations en POST ; GET n'exécute que des requêtes de lecture." {
			t.Errorf("GET mutation in French: %q", m)
		}
	}, withAdmin, func(c *app.Config) { c.Bounds.Depth = 6 })
}

// RULES.md section 3: a wrong email and a wrong password answer the same
// userError, in each language.
func TestWrongCredentialsAnswerTheSameInEachLanguage(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		const login = `mutation($e:String!,$p:String!){ login(input:{email:$e,password:$p}){ token userErrors{code field message} } }`
		for lang, want := range map[string]string{
			"fr": "INVALID@input: L'adresse e-mail ou le mot de passe est incorrect.",
			"en": "INVALID@input: The email or password is wrong.",
		} {
			email := userErrorTexts(e.langGQL("", lang, login, map[string]any{"e": "nobody@example.org", "p": adminPassword}).OK(), "login")
			password := userErrorTexts(e.langGQL("", lang, login, map[string]any{"e": adminEmail, "p": "wrong-password-1"}).OK(), "login")
			if len(email) != 1 || email[0] != want || len(password) != 1 || password[0] != want {
				t.Errorf("%s: wrong email %q, wrong password %q; want %q", lang, email, password, want)
			}
		}
	}, withAdmin)
}
