package questionnaire

import (
	"fmt"
	"math"
	"strings"
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
type AnswerProblem struct {
	Field   string
	Message string
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
	add := func(field, format string, args ...any) {
		probs = append(probs, AnswerProblem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	given := a.given()
	if a.NotApplicable {
		for _, f := range given {
			add(f, "A not-applicable response carries no value; leave %s out or set notApplicable to false.", f)
		}
		return probs
	}
	want := q.Kind.ValueField()
	if want == "" {
		add(FieldNotApplicable, "The question %q has the unknown kind %q and cannot be answered.", q.Key, q.Kind)
		return probs
	}
	for _, f := range given {
		if f != want {
			add(f, "%s does not fit the %s question %q, which is answered with %s.", f, q.Kind, q.Key, want)
		}
	}
	if !contains(given, want) {
		add(want, "The %s question %q is answered with %s; give %s or set notApplicable to true.", q.Kind, q.Key, want, want)
		return probs
	}

	switch q.Kind {
	case KindRating:
		v := *a.Number
		if v != math.Trunc(v) || v < 0 || v > float64(q.Scale) {
			add(FieldNumber, "numberValue must be a whole number from 0 to %d for the rating question %q, not %v.", q.Scale, q.Key, v)
		}
	case KindPercentage:
		v := *a.Number
		if math.IsNaN(v) || v < 0 || v > 100 {
			add(FieldNumber, "numberValue must be a percentage from 0 to 100 for the question %q, not %v.", q.Key, v)
		}
	case KindNumber:
		v := *a.Number
		if math.IsNaN(v) || math.IsInf(v, 0) {
			add(FieldNumber, "numberValue must be a finite number for the question %q, not %v.", q.Key, v)
		}
	case KindText:
		if strings.TrimSpace(*a.Text) == "" {
			add(FieldText, "textValue must not be empty for the question %q; leave the question unanswered instead.", q.Key)
		}
	case KindSingleChoice, KindMultipleChoice:
		seen := map[string]bool{}
		for _, c := range a.Choices {
			switch {
			case q.Option(c) == nil:
				add(FieldChoices, "%q is not an option of the question %q; the options are %s.", c, q.Key, q.optionKeys())
			case seen[c]:
				add(FieldChoices, "The option %q is chosen more than once; choose each option at most once.", c)
			}
			seen[c] = true
		}
		switch {
		case q.Kind == KindSingleChoice && len(a.Choices) != 1:
			add(FieldChoices, "The single-choice question %q needs exactly one option in choiceKeys, not %d.", q.Key, len(a.Choices))
		case q.Kind == KindMultipleChoice && len(a.Choices) == 0:
			add(FieldChoices, "The multiple-choice question %q needs at least one option in choiceKeys.", q.Key)
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
