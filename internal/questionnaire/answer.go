package questionnaire

import (
	"math"
	"strings"

	"github.com/gendertrack/gendertrack/internal/i18n"
)

// Answer is the value of one stored or submitted response. At most one value
// field is set, or NotApplicable is true and none is.
type Answer struct {
	Bool          *bool
	Number        *float64
	Text          *string
	Choices       []string // nil when choiceKeys was not given
	NotApplicable bool
}

// AnswerProblem is one thing wrong with an answer. Field names the input
// field at fault: "boolValue", "numberValue", "textValue", "choiceKeys" or
// "notApplicable".
//
// Message is the ID of its text in the message catalog (internal/i18n),
// Args the values that text takes.
type AnswerProblem struct {
	Field   string
	Message string
	Args    i18n.Data
}

// The input fields of a response.
const (
	FieldBool          = "boolValue"
	FieldNumber        = "numberValue"
	FieldText          = "textValue"
	FieldChoices       = "choiceKeys"
	FieldNotApplicable = "notApplicable"
)

// ValueField returns the input field that answers a question of kind k.
func (k Kind) ValueField() string {
	switch k {
	case KindYesNo:
		return FieldBool
	case KindRating, KindNumber, KindPercentage:
		return FieldNumber
	case KindSingleChoice, KindMultipleChoice:
		return FieldChoices
	case KindText:
		return FieldText
	}
	return ""
}

// given lists the value fields set in a, in input order.
func (a Answer) given() []string {
	var g []string
	if a.Bool != nil {
		g = append(g, FieldBool)
	}
	if a.Number != nil {
		g = append(g, FieldNumber)
	}
	if a.Text != nil {
		g = append(g, FieldText)
	}
	if a.Choices != nil {
		g = append(g, FieldChoices)
	}
	return g
}

// Check validates an answer to q: exactly one value field that fits the
// question's kind, or NotApplicable with no value. It returns nil when the
// answer is valid.
func (q *Question) Check(a Answer) []AnswerProblem {
	var probs []AnswerProblem
	add := func(field, id string, args i18n.Data) {
		probs = append(probs, AnswerProblem{Field: field, Message: id, Args: args})
	}
	given := a.given()
	if a.NotApplicable {
		for _, f := range given {
			add(f, "error.answer.notApplicableValue", i18n.Data{"Field": f})
		}
		return probs
	}
	want := q.Kind.ValueField()
	if want == "" {
		add(FieldNotApplicable, "error.answer.unknownKind", i18n.Data{"Question": q.Key, "Kind": q.Kind})
		return probs
	}
	for _, f := range given {
		if f != want {
			add(f, "error.answer.wrongField", i18n.Data{"Field": f, "Kind": q.Kind, "Question": q.Key, "Want": want})
		}
	}
	if !contains(given, want) {
		add(want, "error.answer.missingField", i18n.Data{"Kind": q.Kind, "Question": q.Key, "Want": want})
		return probs
	}

	switch q.Kind {
	case KindRating:
		v := *a.Number
		if v != math.Trunc(v) || v < 0 || v > float64(q.Scale) {
			add(FieldNumber, "error.answer.rating", i18n.Data{"Scale": q.Scale, "Question": q.Key, "Value": v})
		}
	case KindPercentage:
		v := *a.Number
		if math.IsNaN(v) || v < 0 || v > 100 {
			add(FieldNumber, "error.answer.percentage", i18n.Data{"Question": q.Key, "Value": v})
		}
	case KindNumber:
		v := *a.Number
		if math.IsNaN(v) || math.IsInf(v, 0) {
			add(FieldNumber, "error.answer.finite", i18n.Data{"Question": q.Key, "Value": v})
		}
	case KindText:
		if strings.TrimSpace(*a.Text) == "" {
			add(FieldText, "error.answer.emptyText", i18n.Data{"Question": q.Key})
		}
	case KindSingleChoice, KindMultipleChoice:
		seen := map[string]bool{}
		for _, c := range a.Choices {
			switch {
			case q.Option(c) == nil:
				add(FieldChoices, "error.answer.notOption", i18n.Data{"Option": c, "Question": q.Key, "Options": q.optionKeys()})
			case seen[c]:
				add(FieldChoices, "error.answer.chosenTwice", i18n.Data{"Option": c})
			}
			seen[c] = true
		}
		switch {
		case q.Kind == KindSingleChoice && len(a.Choices) != 1:
			add(FieldChoices, "error.answer.singleChoice", i18n.Data{"Question": q.Key, "Given": len(a.Choices)})
		case q.Kind == KindMultipleChoice && len(a.Choices) == 0:
			add(FieldChoices, "error.answer.multipleChoice", i18n.Data{"Question": q.Key})
		}
	}
	return probs
}

func (q *Question) optionKeys() string {
	keys := make([]string, len(q.Options))
	for i, o := range q.Options {
		keys[i] = o.Key
	}
	return strings.Join(keys, ", ")
}

// Fraction returns the fraction f in [0, 1] that a earns on q, by section 6
// of RULES.md. scored is false when the answer earns no points and counts
// for nothing: a TEXT question, a not-applicable answer, a NUMBER or
// PERCENTAGE question without bands, or an answer that Check refuses.
func (q *Question) Fraction(a Answer) (f float64, scored bool) {
	if a.NotApplicable || !q.Scored() || len(q.Check(a)) > 0 {
		return 0, false
	}
	switch q.Kind {
	case KindYesNo:
		if *a.Bool != q.Invert {
			return 1, true
		}
		return 0, true
	case KindRating:
		if q.Scale <= 0 {
			return 0, false
		}
		return *a.Number / float64(q.Scale), true
	case KindNumber, KindPercentage:
		v := *a.Number
		for _, b := range q.Bands {
			if b.Contains(v) {
				return b.Score, true
			}
		}
		return 0, true
	case KindSingleChoice:
		return q.Option(a.Choices[0]).Score, true
	case KindMultipleChoice:
		sum := 0.0
		for _, c := range a.Choices {
			sum += q.Option(c).Score
		}
		return math.Min(1, sum), true
	}
	return 0, false
}

// Points returns the points a earns on q, f * weight, and whether it is
// scored at all (see Fraction). It is the Response.score of the API.
func (q *Question) Points(a Answer) (points float64, scored bool) {
	f, ok := q.Fraction(a)
	if !ok {
		return 0, false
	}
	return f * q.Weight, true
}
