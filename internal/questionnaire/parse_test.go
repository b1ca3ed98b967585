package questionnaire

import (
	"reflect"
	"strings"
	"testing"
)

// sampleYAML uses every kind and most optional fields.
const sampleYAML = `
# A comment before the document.
key: sample
version: 2
defaultLanguage: en
languages: [en, fr]
title: {en: Sample, fr: Exemple}
description: Plain description
areas:
  - key: personnel
    title: {en: Personnel, fr: Personnel}
    questions:
      - key: policy
        kind: YES_NO
        text: {en: "Is there a policy?", fr: "Y a-t-il une politique ?"}
        gap: {category: POLICY, severity: HIGH, finding: {en: No policy, fr: Pas de politique}}
      - key: harassment-cases
        kind: YES_NO
        text: Are harassment cases left unresolved?
        invert: true
        weight: 2
      - key: training
        kind: RATING
        text: Training quality
        scale: 3
        scaleLabels: {0: Missing, 3: {en: Exceeds, fr: Dépasse}}
        gap: {below: 0.7, category: CAPACITY, severity: MEDIUM, finding: Weak training}
  - key: resources
    title: Resources
    description: {en: Money and people, fr: Argent et personnes}
    questions:
      - key: women-share
        kind: PERCENTAGE
        text: Share of women
        required: false
        evidenceExpected: true
        guidance: Count the HR records.
        bands:
          - {max: 10, score: 0}
          - {min: 10, max: 30, score: 0.5}
          - {min: 30, score: 1}
        gap: {below: 1, category: STRUCTURE, severity: LOW, finding: Few women}
      - key: budget
        kind: NUMBER
        text: Budget
      - key: focal-point
        kind: SINGLE_CHOICE
        text: Focal point
        options:
          - {key: none, label: None, score: 0}
          - {key: part-time, label: Part time, score: 0.5}
          - {key: full-time, label: {en: Full time, fr: Plein temps}, score: 1}
      - key: measures
        kind: MULTIPLE_CHOICE
        text: Measures
        weight: 0.5
        options:
          - {key: a, label: A, score: 0.6}
          - {key: b, label: B, score: 0.6}
          - {key: c, label: C, score: 0}
      - key: comments
        kind: TEXT
        text: Comments
`

func mustParse(t testing.TB, doc string) *Questionnaire {
	t.Helper()
	q, probs := Parse([]byte(doc))
	if len(probs) > 0 {
		for _, p := range probs {
			t.Errorf("problem: %s", p)
		}
		t.Fatalf("Parse failed with %d problems", len(probs))
	}
	if q == nil {
		t.Fatal("Parse returned nil without problems")
	}
	return q
}

func ptr[T any](v T) *T { return &v }

func TestParseSample(t *testing.T) {
	q := mustParse(t, sampleYAML)
	if q.Key != "sample" || q.Version != 2 || q.DefaultLanguage != "en" || !reflect.DeepEqual(q.Languages, []string{"en", "fr"}) {
		t.Errorf("header = %q %d %q %v", q.Key, q.Version, q.DefaultLanguage, q.Languages)
	}
	if got := q.Title.In("fr", "en"); got != "Exemple" {
		t.Errorf("title in fr = %q", got)
	}
	if q.Description == nil || q.Description.In("fr", "en") != "Plain description" {
		t.Errorf("description = %+v", q.Description)
	}
	if q.QuestionCount() != 8 || len(q.Areas) != 2 {
		t.Fatalf("QuestionCount = %d, areas = %d", q.QuestionCount(), len(q.Areas))
	}

	policy, area := q.Question("policy")
	if policy == nil || area == nil || area.Key != "personnel" {
		t.Fatalf("Question(policy) = %v, %v", policy, area)
	}
	if !policy.Required || policy.Weight != 1 || policy.EvidenceExpected || policy.Invert {
		t.Errorf("policy defaults: %+v", policy)
	}
	wantGap := &Gap{Below: 0.5, Category: "POLICY", Severity: "HIGH", Finding: Text{ByLang: map[string]string{"en": "No policy", "fr": "Pas de politique"}}}
	if !reflect.DeepEqual(policy.Gap, wantGap) {
		t.Errorf("policy gap = %+v, want %+v", policy.Gap, wantGap)
	}

	if h, _ := q.Question("harassment-cases"); !h.Invert || h.Weight != 2 {
		t.Errorf("harassment-cases = %+v", h)
	}
	tr, _ := q.Question("training")
	if tr.Scale != 3 || len(tr.ScaleLabels) != 2 || tr.ScaleLabels[0].Plain != "Missing" || tr.ScaleLabels[3].In("fr", "en") != "Dépasse" {
		t.Errorf("training = %+v", tr)
	}
	ws, area := q.Question("women-share")
	if area.Key != "resources" || ws.Required || !ws.EvidenceExpected || ws.Guidance == nil || ws.Guidance.Plain != "Count the HR records." {
		t.Errorf("women-share = %+v", ws)
	}
	wantBands := []Band{{Max: ptr(10.0), Score: 0}, {Min: ptr(10.0), Max: ptr(30.0), Score: 0.5}, {Min: ptr(30.0), Score: 1}}
	if !reflect.DeepEqual(ws.Bands, wantBands) {
		t.Errorf("bands = %+v", ws.Bands)
	}
	fp, _ := q.Question("focal-point")
	if len(fp.Options) != 3 || fp.Options[1].Key != "part-time" || fp.Options[1].Score != 0.5 || fp.Options[2].Label.In("fr", "en") != "Plein temps" {
		t.Errorf("focal-point options = %+v", fp.Options)
	}
	c, _ := q.Question("comments")
	if c.Required || c.Weight != 0 || c.Gap != nil {
		t.Errorf("comments (TEXT) defaults: %+v", c)
	}
	if qu, a := q.Question("nope"); qu != nil || a != nil {
		t.Errorf("Question(nope) = %v, %v", qu, a)
	}
	if q.Area("resources") != &q.Areas[1] || q.Area("nope") != nil {
		t.Error("Area lookup failed")
	}
}

func TestQuestionWithoutIndex(t *testing.T) {
	q := &Questionnaire{Areas: []Area{{Key: "a", Questions: []Question{{Key: "x"}, {Key: "y"}}}}}
	if qu, a := q.Question("y"); qu != &q.Areas[0].Questions[1] || a != &q.Areas[0] {
		t.Errorf("Question(y) on a hand-built questionnaire = %v, %v", qu, a)
	}
	var nilQ *Questionnaire
	if qu, a := nilQ.Question("y"); qu != nil || a != nil || nilQ.QuestionCount() != 0 {
		t.Error("nil questionnaire lookups must be empty")
	}
}

func TestTextIn(t *testing.T) {
	tr := Text{ByLang: map[string]string{"en": "Hello", "fr": "Bonjour"}}
	cases := []struct {
		text       Text
		lang, def  string
		want       string
		wantIsZero bool
	}{
		{tr, "fr", "en", "Bonjour", false},
		{tr, "de", "en", "Hello", false},
		{tr, "de", "es", "", false},
		{Text{Plain: "Same"}, "fr", "en", "Same", false},
		{Text{}, "fr", "en", "", true},
	}
	for _, c := range cases {
		if got := c.text.In(c.lang, c.def); got != c.want {
			t.Errorf("%+v.In(%q, %q) = %q, want %q", c.text, c.lang, c.def, got, c.want)
		}
		if got := c.text.IsZero(); got != c.wantIsZero {
			t.Errorf("%+v.IsZero() = %v", c.text, got)
		}
	}
	var nilText *Text
	if !nilText.IsZero() {
		t.Error("nil text must be zero")
	}
}

func TestRoundTrip(t *testing.T) {
	q := mustParse(t, sampleYAML)
	enc, err := Encode(q)
	if err != nil {
		t.Fatal(err)
	}
	q2 := mustParse(t, string(enc))
	if !reflect.DeepEqual(q, q2) {
		t.Errorf("Parse(Encode(q)) differs from q\nencoded: %s", enc)
	}
	enc2, err := Encode(q2)
	if err != nil {
		t.Fatal(err)
	}
	if string(enc) != string(enc2) {
		t.Errorf("encoding is not canonical:\n%s\n%s", enc, enc2)
	}
	// The defaults are written out and what does not apply is left out.
	for _, want := range []string{`"required":true`, `"weight":1,`, `"below":0.5`, `"invert":false`, `"scaleLabels":{"0":"Missing","3":{"en":"Exceeds","fr":"Dépasse"}}`} {
		if !strings.Contains(string(enc), want) {
			t.Errorf("encoding lacks %s:\n%s", want, enc)
		}
	}
	if !strings.Contains(string(enc), `{"key":"comments","kind":"TEXT","text":"Comments","required":false,"evidenceExpected":false}`) {
		t.Errorf("a TEXT question must not carry a weight:\n%s", enc)
	}

	// json.Marshal and json.Unmarshal go through the same path.
	var q3 Questionnaire
	if err := q3.UnmarshalJSON(enc); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(q, &q3) {
		t.Error("UnmarshalJSON differs from Parse")
	}
	if err := q3.UnmarshalJSON([]byte(`{"key": "x"}`)); err == nil || !strings.Contains(err.Error(), "version") {
		t.Errorf("UnmarshalJSON of an invalid document: %v", err)
	}
}

func TestParseJSON(t *testing.T) {
	// Escapes that YAML parsers refuse but JSON allows, and a number written
	// with an exponent.
	doc := `{
	"key": "json-doc", "version": 1.0e0, "defaultLanguage": "en", "languages": ["en"],
	"title": "A\/B \ud83d\ude00 \u00e9",
	"areas": [{"key": "a", "title": "A", "questions": [
		{"key": "q", "kind": "PERCENTAGE", "text": "Q", "bands": [{"min": -1E2, "score": 1}]}
	]}]
}`
	q := mustParse(t, doc)
	if q.Title.Plain != "A/B 😀 é" || q.Version != 1 {
		t.Errorf("title = %q, version = %d", q.Title.Plain, q.Version)
	}
	if b := q.Areas[0].Questions[0].Bands[0]; *b.Min != -100 {
		t.Errorf("band = %+v", b)
	}

	// Positions and duplicate keys survive the JSON reader.
	_, probs := Parse([]byte("{\"key\": \"x\",\n  \"key\": \"y\"}"))
	found := false
	for _, p := range probs {
		if reflect.DeepEqual(p.Path, []string{"key"}) {
			found = true
			if p.Line != 2 || p.Column != 3 {
				t.Errorf("duplicate key at line %d column %d, want 2:3", p.Line, p.Column)
			}
		}
	}
	if !found {
		t.Errorf("duplicate JSON key not reported: %v", probs)
	}
}

func TestParseAcceptsEdgeCases(t *testing.T) {
	doc := `
key: edge
version: 1
defaultLanguage: fr
languages: [fr]
title: {fr: Titre}
description: null
areas:
  - key: a
    title: A
    questions:
      - {key: n1, kind: NUMBER, text: N, bands: []}
      - {key: n2, kind: NUMBER, text: N, bands: [{score: 1}], gap: {below: 1, category: TIMELINE, severity: CRITICAL, finding: F}}
      - {key: r, kind: RATING, text: R, scale: 10, scaleLabels: {}, required: false, evidenceExpected: true}
      - {key: r2, kind: RATING, text: R, scale: 1, scaleLabels: {"0": No, 1: Yes}}
      - {key: 2024-01-01, kind: TEXT, text: T, required: true}
`
	q := mustParse(t, doc)
	if q.Description != nil {
		t.Error("null description must be absent")
	}
	if n1, _ := q.Question("n1"); n1.Bands != nil || n1.Scored() {
		t.Errorf("empty bands: %+v", n1)
	}
	if r, _ := q.Question("r"); r.ScaleLabels != nil || r.Required || !r.EvidenceExpected {
		t.Errorf("r = %+v", r)
	}
	if r2, _ := q.Question("r2"); len(r2.ScaleLabels) != 2 {
		t.Errorf("r2 labels = %+v", r2.ScaleLabels)
	}
	if tx, _ := q.Question("2024-01-01"); tx == nil || !tx.Required {
		t.Errorf("TEXT with required: true = %+v", tx)
	}
}

// The validation cases put one question in a valid questionnaire whose
// languages are en and fr.
const docHead = `key: k
version: 1
defaultLanguage: en
languages: [en, fr]
title: {en: T, fr: T}
areas:
  - key: a
    title: A
    questions:
`

func withQuestions(qs ...string) string {
	var b strings.Builder
	b.WriteString(docHead)
	for _, q := range qs {
		b.WriteString("      - " + q + "\n")
	}
	return b.String()
}

func qpath(elems ...string) []string {
	return append([]string{"areas", "0", "questions", "0"}, elems...)
}

func TestParseProblems(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		path []string
		msg  string // a part of the message
	}{
		// The document.
		{"empty", "", []string{}, "empty"},
		{"only a comment", "# nothing\n", []string{}, "empty"},
		{"not YAML", "key: [unclosed\n", []string{}, "not valid YAML"},
		{"not UTF-8", "key: \xff\n", []string{}, "UTF-8"},
		{"two documents", "key: a\n---\nkey: b\n", []string{}, "more than one"},
		{"not a map", "- a\n- b\n", []string{}, "must be a map"},
		{"alias cycle", "key: &a [*a]\n", []string{}, "contains it"},
		{"unknown top key", docHead + "      - {key: q, kind: YES_NO, text: Q}\nfoo: 1\n", []string{"foo"}, `Unknown key "foo"`},
		{"duplicate top key", "key: k\n" + withQuestions("{key: q, kind: YES_NO, text: Q}"), []string{"key"}, "more than once"},
		{"merge key", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "version: 1\n", "version: 1\n<<: {x: 1}\n", 1), []string{"<<"}, "Merge keys"},

		// The header.
		{"key missing", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "key: k\n", "", 1), []string{"key"}, "key is required"},
		{"key not a slug", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "key: k\n", "key: Bad_Key\n", 1), []string{"key"}, "slug"},
		{"key a number", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "key: k\n", "key: 12\n", 1), []string{"key"}, "quotes"},
		{"version 0", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "version: 1", "version: 0", 1), []string{"version"}, "at least 1"},
		{"version a string", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "version: 1", `version: "1"`, 1), []string{"version"}, "whole number"},
		{"version a fraction", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "version: 1", "version: 1.5", 1), []string{"version"}, "whole number"},
		{"version missing", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "version: 1\n", "", 1), []string{"version"}, "required"},
		{"defaultLanguage not in languages", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "defaultLanguage: en", "defaultLanguage: de", 1), []string{"defaultLanguage"}, "one of languages"},
		{"defaultLanguage missing", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "defaultLanguage: en\n", "", 1), []string{"defaultLanguage"}, "required"},
		{"languages missing", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "languages: [en, fr]\n", "", 1), []string{"languages"}, "required"},
		{"languages not a list", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "languages: [en, fr]", "languages: en", 1), []string{"languages"}, "list"},
		{"languages empty", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "languages: [en, fr]", "languages: []", 1), []string{"languages"}, "at least one"},
		{"language repeated", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "languages: [en, fr]", "languages: [en, fr, EN]", 1), []string{"languages", "2"}, "more than once"},
		{"language not a code", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "languages: [en, fr]", "languages: [en, fr, e_n]", 1), []string{"languages", "2"}, "not a language code"},
		{"title missing", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "title: {en: T, fr: T}\n", "", 1), []string{"title"}, "required"},
		{"title lacks a language", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "title: {en: T, fr: T}", "title: {en: T}", 1), []string{"title"}, "missing its fr translation"},
		{"title in another language", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "title: {en: T, fr: T}", "title: {en: T, fr: T, de: T}", 1), []string{"title", "de"}, "not one of the questionnaire's languages"},
		{"title empty", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "title: {en: T, fr: T}", `title: "  "`, 1), []string{"title"}, "empty"},
		{"title translation empty", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "title: {en: T, fr: T}", `title: {en: T, fr: ""}`, 1), []string{"title", "fr"}, "empty"},
		{"title translation not a string", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "title: {en: T, fr: T}", `title: {en: T, fr: [x]}`, 1), []string{"title", "fr"}, "must be a string"},
		{"title a list", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "title: {en: T, fr: T}", `title: [T]`, 1), []string{"title"}, "string or a map"},
		{"description lacks a language", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "title: {en: T, fr: T}", "title: T\ndescription: {fr: D}", 1), []string{"description"}, "missing its en translation"},
		{"areas missing", "key: k\nversion: 1\ndefaultLanguage: en\nlanguages: [en]\ntitle: T\n", []string{"areas"}, "required"},
		{"areas empty", "key: k\nversion: 1\ndefaultLanguage: en\nlanguages: [en]\ntitle: T\nareas: []\n", []string{"areas"}, "at least one"},
		{"areas a map", "key: k\nversion: 1\ndefaultLanguage: en\nlanguages: [en]\ntitle: T\nareas: {a: 1}\n", []string{"areas"}, "list"},

		// Areas.
		{"area not a map", "key: k\nversion: 1\ndefaultLanguage: en\nlanguages: [en]\ntitle: T\nareas: [x]\n", []string{"areas", "0"}, "must be a map"},
		{"area unknown key", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "    title: A\n", "    title: A\n    name: A\n", 1), []string{"areas", "0", "name"}, "Unknown key"},
		{"area key missing", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "  - key: a\n    title: A", "  - title: A", 1), []string{"areas", "0", "key"}, "required"},
		{"area title missing", strings.Replace(withQuestions("{key: q, kind: YES_NO, text: Q}"), "    title: A\n", "", 1), []string{"areas", "0", "title"}, "required"},
		{"area questions empty", strings.Replace(docHead, "questions:\n", "questions: []\n", 1), []string{"areas", "0", "questions"}, "at least one"},
		{"area questions missing", strings.Replace(docHead, "    questions:\n", "", 1), []string{"areas", "0", "questions"}, "required"},
		{"area key repeated", withQuestions("{key: q, kind: YES_NO, text: Q}") + "  - {key: a, title: B, questions: [{key: q2, kind: YES_NO, text: Q}]}\n", []string{"areas", "1", "key"}, "already used by areas.0"},
		{"question key repeated across areas", withQuestions("{key: q, kind: YES_NO, text: Q}") + "  - {key: b, title: B, questions: [{key: q, kind: YES_NO, text: Q}]}\n", []string{"areas", "1", "questions", "0", "key"}, "already used by areas.0.questions.0"},

		// Questions.
		{"question not a map", withQuestions("q"), qpath(), "must be a map"},
		{"question unknown key", withQuestions("{key: q, kind: YES_NO, text: Q, Weight: 2}"), qpath("Weight"), `did you mean "weight"`},
		{"question key missing", withQuestions("{kind: YES_NO, text: Q}"), qpath("key"), "required"},
		{"question key not a slug", withQuestions("{key: Q 1, kind: YES_NO, text: Q}"), qpath("key"), "slug"},
		{"kind missing", withQuestions("{key: q, text: Q}"), qpath("kind"), "required"},
		{"kind unknown", withQuestions("{key: q, kind: yes_no, text: Q}"), qpath("kind"), "must be one of YES_NO, RATING"},
		{"text missing", withQuestions("{key: q, kind: YES_NO}"), qpath("text"), "required"},
		{"text in another language", withQuestions("{key: q, kind: YES_NO, text: {en: Q, fr: Q, es: Q}}"), qpath("text", "es"), "not one of"},
		{"guidance lacks a language", withQuestions("{key: q, kind: YES_NO, text: Q, guidance: {en: G}}"), qpath("guidance"), "missing its fr translation"},
		{"required not a boolean", withQuestions("{key: q, kind: YES_NO, text: Q, required: yes}"), qpath("required"), "true or false"},
		{"evidenceExpected not a boolean", withQuestions("{key: q, kind: YES_NO, text: Q, evidenceExpected: 1}"), qpath("evidenceExpected"), "true or false"},
		{"weight zero", withQuestions("{key: q, kind: YES_NO, text: Q, weight: 0}"), qpath("weight"), "greater than 0"},
		{"weight negative", withQuestions("{key: q, kind: YES_NO, text: Q, weight: -1}"), qpath("weight"), "greater than 0"},
		{"weight not a number", withQuestions("{key: q, kind: YES_NO, text: Q, weight: heavy}"), qpath("weight"), "must be a number"},
		{"weight infinite", withQuestions("{key: q, kind: YES_NO, text: Q, weight: .inf}"), qpath("weight"), "finite"},
		{"weight on TEXT", withQuestions("{key: q, kind: TEXT, text: Q, weight: 1}"), qpath("weight"), "no weight"},
		{"invert on RATING", withQuestions("{key: q, kind: RATING, text: Q, scale: 3, invert: false}"), qpath("invert"), "only on YES_NO"},
		{"invert not a boolean", withQuestions("{key: q, kind: YES_NO, text: Q, invert: 'true'}"), qpath("invert"), "true or false"},
		{"scale missing", withQuestions("{key: q, kind: RATING, text: Q}"), qpath("scale"), "required on a RATING question"},
		{"scale 0", withQuestions("{key: q, kind: RATING, text: Q, scale: 0}"), qpath("scale"), "from 1 to 10"},
		{"scale 11", withQuestions("{key: q, kind: RATING, text: Q, scale: 11}"), qpath("scale"), "from 1 to 10"},
		{"scale not whole", withQuestions("{key: q, kind: RATING, text: Q, scale: 2.5}"), qpath("scale"), "whole number"},
		{"scale on YES_NO", withQuestions("{key: q, kind: YES_NO, text: Q, scale: 3}"), qpath("scale"), "only on RATING"},
		{"scaleLabels beyond scale", withQuestions("{key: q, kind: RATING, text: Q, scale: 3, scaleLabels: {0: L, 4: L}}"), qpath("scaleLabels", "4"), "from 0 to 3"},
		{"scaleLabels key not a number", withQuestions("{key: q, kind: RATING, text: Q, scale: 3, scaleLabels: {low: L}}"), qpath("scaleLabels", "low"), "whole numbers"},
		{"scaleLabels key negative", withQuestions("{key: q, kind: RATING, text: Q, scale: 3, scaleLabels: {-1: L}}"), qpath("scaleLabels", "-1"), "whole numbers"},
		{"scaleLabels key repeated", withQuestions(`{key: q, kind: RATING, text: Q, scale: 3, scaleLabels: {0: L, "0": M}}`), qpath("scaleLabels", "0"), "more than once"},
		{"scaleLabels label lacks a language", withQuestions("{key: q, kind: RATING, text: Q, scale: 3, scaleLabels: {1: {en: L}}}"), qpath("scaleLabels", "1"), "missing its fr translation"},
		{"scaleLabels a list", withQuestions("{key: q, kind: RATING, text: Q, scale: 3, scaleLabels: [L]}"), qpath("scaleLabels"), "must be a map"},
		{"scaleLabels on NUMBER", withQuestions("{key: q, kind: NUMBER, text: Q, scaleLabels: {0: L}}"), qpath("scaleLabels"), "only on RATING"},
		{"options missing", withQuestions("{key: q, kind: SINGLE_CHOICE, text: Q}"), qpath("options"), "required on a SINGLE_CHOICE question"},
		{"options empty", withQuestions("{key: q, kind: MULTIPLE_CHOICE, text: Q, options: []}"), qpath("options"), "at least one"},
		{"options on YES_NO", withQuestions("{key: q, kind: YES_NO, text: Q, options: [{key: a, label: A, score: 1}]}"), qpath("options"), "only on SINGLE_CHOICE and MULTIPLE_CHOICE"},
		{"option key repeated", withQuestions("{key: q, kind: SINGLE_CHOICE, text: Q, options: [{key: a, label: A, score: 1}, {key: a, label: B, score: 0}]}"), qpath("options", "1", "key"), "more than once"},
		{"option key missing", withQuestions("{key: q, kind: SINGLE_CHOICE, text: Q, options: [{label: A, score: 1}]}"), qpath("options", "0", "key"), "required"},
		{"option score above 1", withQuestions("{key: q, kind: SINGLE_CHOICE, text: Q, options: [{key: a, label: A, score: 1.5}]}"), qpath("options", "0", "score"), "from 0 to 1"},
		{"option score below 0", withQuestions("{key: q, kind: SINGLE_CHOICE, text: Q, options: [{key: a, label: A, score: -0.5}]}"), qpath("options", "0", "score"), "from 0 to 1"},
		{"option score missing", withQuestions("{key: q, kind: SINGLE_CHOICE, text: Q, options: [{key: a, label: A}]}"), qpath("options", "0", "score"), "required"},
		{"option label missing", withQuestions("{key: q, kind: SINGLE_CHOICE, text: Q, options: [{key: a, score: 1}]}"), qpath("options", "0", "label"), "required"},
		{"option unknown key", withQuestions("{key: q, kind: SINGLE_CHOICE, text: Q, options: [{key: a, label: A, score: 1, points: 2}]}"), qpath("options", "0", "points"), "Unknown key"},
		{"option not a map", withQuestions("{key: q, kind: SINGLE_CHOICE, text: Q, options: [a]}"), qpath("options", "0"), "must be a map"},
		{"bands on RATING", withQuestions("{key: q, kind: RATING, text: Q, scale: 3, bands: [{score: 1}]}"), qpath("bands"), "only on NUMBER and PERCENTAGE"},
		{"bands a map", withQuestions("{key: q, kind: NUMBER, text: Q, bands: {score: 1}}"), qpath("bands"), "list"},
		{"band score above 1", withQuestions("{key: q, kind: NUMBER, text: Q, bands: [{min: 0, score: 2}]}"), qpath("bands", "0", "score"), "from 0 to 1"},
		{"band score missing", withQuestions("{key: q, kind: NUMBER, text: Q, bands: [{min: 0, max: 1, score: 0}, {min: 1}]}"), qpath("bands", "1", "score"), "required"},
		{"band min above max", withQuestions("{key: q, kind: PERCENTAGE, text: Q, bands: [{min: 30, max: 10, score: 1}]}"), qpath("bands", "0", "max"), "greater than min"},
		{"band min equals max", withQuestions("{key: q, kind: PERCENTAGE, text: Q, bands: [{min: 10, max: 10, score: 1}]}"), qpath("bands", "0", "max"), "greater than min"},
		{"band bound not a number", withQuestions("{key: q, kind: PERCENTAGE, text: Q, bands: [{min: low, score: 1}]}"), qpath("bands", "0", "min"), "must be a number"},
		{"band unknown key", withQuestions("{key: q, kind: PERCENTAGE, text: Q, bands: [{from: 10, score: 1}]}"), qpath("bands", "0", "from"), "Unknown key"},
		{"gap on TEXT", withQuestions("{key: q, kind: TEXT, text: Q, gap: {category: POLICY, severity: LOW, finding: F}}"), qpath("gap"), "cannot raise a gap"},
		{"gap on NUMBER without bands", withQuestions("{key: q, kind: NUMBER, text: Q, gap: {category: POLICY, severity: LOW, finding: F}}"), qpath("gap"), "without bands"},
		{"gap below 0", withQuestions("{key: q, kind: YES_NO, text: Q, gap: {below: 0, category: POLICY, severity: LOW, finding: F}}"), qpath("gap", "below"), "greater than 0 and at most 1"},
		{"gap below above 1", withQuestions("{key: q, kind: YES_NO, text: Q, gap: {below: 1.01, category: POLICY, severity: LOW, finding: F}}"), qpath("gap", "below"), "greater than 0 and at most 1"},
		{"gap category unknown", withQuestions("{key: q, kind: YES_NO, text: Q, gap: {category: MONEY, severity: LOW, finding: F}}"), qpath("gap", "category"), "STRUCTURE, RESOURCES, POLICY"},
		{"gap category missing", withQuestions("{key: q, kind: YES_NO, text: Q, gap: {severity: LOW, finding: F}}"), qpath("gap", "category"), "required"},
		{"gap severity unknown", withQuestions("{key: q, kind: YES_NO, text: Q, gap: {category: POLICY, severity: low, finding: F}}"), qpath("gap", "severity"), "LOW, MEDIUM, HIGH, CRITICAL"},
		{"gap severity missing", withQuestions("{key: q, kind: YES_NO, text: Q, gap: {category: POLICY, finding: F}}"), qpath("gap", "severity"), "required"},
		{"gap finding missing", withQuestions("{key: q, kind: YES_NO, text: Q, gap: {category: POLICY, severity: LOW}}"), qpath("gap", "finding"), "required"},
		{"gap finding lacks a language", withQuestions("{key: q, kind: YES_NO, text: Q, gap: {category: POLICY, severity: LOW, finding: {fr: F}}}"), qpath("gap", "finding"), "missing its en translation"},
		{"gap unknown key", withQuestions("{key: q, kind: YES_NO, text: Q, gap: {category: POLICY, severity: LOW, finding: F, detail: D}}"), qpath("gap", "detail"), "Unknown key"},
		{"gap a string", withQuestions("{key: q, kind: YES_NO, text: Q, gap: POLICY}"), qpath("gap"), "must be a map"},

		// JSON input.
		{"JSON unknown key", `{"key": "k", "version": 1, "defaultLanguage": "en", "languages": ["en"], "title": "T", "areas": [{"key": "a", "title": "A", "questions": [{"key": "q", "kind": "YES_NO", "text": "Q", "x": 1}]}]}`, qpath("x"), "Unknown key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, probs := Parse([]byte(c.doc))
			if q != nil {
				t.Errorf("Parse returned a questionnaire despite problems")
			}
			if len(probs) != 1 {
				t.Fatalf("want exactly one problem at %v, got %d:\n%s", c.path, len(probs), problemList(probs))
			}
			p := probs[0]
			if p.Path == nil || !reflect.DeepEqual(p.Path, c.path) {
				t.Errorf("path = %#v, want %#v (%s)", p.Path, c.path, p.Message)
			}
			if !strings.Contains(p.Message, c.msg) {
				t.Errorf("message %q does not contain %q", p.Message, c.msg)
			}
			if !strings.HasSuffix(p.Message, ".") && !strings.HasSuffix(p.Message, "?") {
				t.Errorf("message %q is not a sentence", p.Message)
			}
		})
	}
}

func problemList(probs []Problem) string {
	var b strings.Builder
	for _, p := range probs {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

// Every problem is reported, in document order, each at its own path.
func TestParseReportsAllProblemsInOrder(t *testing.T) {
	doc := `title: {en: T}
key: Bad
version: 0
defaultLanguage: en
languages: [en, fr]
areas:
  - key: a
    title: A
    questions:
      - key: q1
        kind: RATING
        text: Q
        scale: 12
        bogus: 1
      - key: q1
        kind: SINGLE_CHOICE
        text: Q
        options:
          - {key: x, label: X, score: 2}
`
	_, probs := Parse([]byte(doc))
	want := [][]string{
		{"title"},
		{"key"},
		{"version"},
		{"areas", "0", "questions", "0", "scale"},
		{"areas", "0", "questions", "0", "bogus"},
		{"areas", "0", "questions", "1", "key"},
		{"areas", "0", "questions", "1", "options", "0", "score"},
	}
	var got [][]string
	for _, p := range probs {
		got = append(got, p.Path)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("paths =\n%v\nwant\n%v\n%s", got, want, problemList(probs))
	}
	if probs[0].Line != 1 || probs[len(probs)-1].Line != 19 {
		t.Errorf("lines: first %d, last %d", probs[0].Line, probs[len(probs)-1].Line)
	}
}

func TestParseRefusesAliasBombs(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 8; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	_, probs := Parse([]byte(b.String()))
	if len(probs) != 1 || !strings.Contains(probs[0].Message, "aliases expand") {
		t.Errorf("alias bomb: %s", problemList(probs))
	}

	// A modest alias is fine.
	doc := withQuestions(
		"{key: q1, kind: SINGLE_CHOICE, text: Q, options: &opts [{key: a, label: A, score: 1}]}",
		"{key: q2, kind: SINGLE_CHOICE, text: Q, options: *opts}",
	)
	q := mustParse(t, doc)
	if q2, _ := q.Question("q2"); len(q2.Options) != 1 || q2.Options[0].Key != "a" {
		t.Errorf("aliased options = %+v", q2.Options)
	}
}

func TestParseCapsProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString(docHead)
	for i := 0; i < MaxProblems+10; i++ {
		b.WriteString("      - x\n")
	}
	_, probs := Parse([]byte(b.String()))
	if len(probs) != MaxProblems+1 || !strings.Contains(probs[MaxProblems].Message, "10 more problems") {
		t.Errorf("got %d problems, last %v", len(probs), probs[len(probs)-1])
	}
}

func TestProblemString(t *testing.T) {
	p := Problem{Path: []string{"areas", "2", "scale"}, Message: "Bad.", Line: 12}
	if got := p.String(); got != "areas.2.scale: Bad. (line 12)" {
		t.Errorf("String() = %q", got)
	}
}
