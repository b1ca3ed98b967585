// Package questionnaire reads, validates and scores gender self-assessment
// questionnaires.
//
// The document format is described in QUESTIONNAIRE.md of the contract and
// the scoring rules in section 6 of RULES.md. Parse turns a YAML or JSON
// document into a Questionnaire, reporting every problem at its exact path;
// Encode writes the canonical JSON form that Parse reads back unchanged.
// A Questionnaire is read-only after Parse and safe for concurrent use.
//
// The package does no I/O: it knows nothing of databases or HTTP.
package questionnaire

import (
	"strings"
)

// Kind is the kind of a question: how it is answered and how it is scored.
type Kind string

// The question kinds.
const (
	KindYesNo          Kind = "YES_NO"
	KindRating         Kind = "RATING"
	KindNumber         Kind = "NUMBER"
	KindPercentage     Kind = "PERCENTAGE"
	KindSingleChoice   Kind = "SINGLE_CHOICE"
	KindMultipleChoice Kind = "MULTIPLE_CHOICE"
	KindText           Kind = "TEXT"
)

// Kinds lists every question kind in the order of the GraphQL enum.
func Kinds() []Kind {
	return []Kind{KindYesNo, KindRating, KindNumber, KindPercentage, KindSingleChoice, KindMultipleChoice, KindText}
}

// Valid reports whether k is one of the question kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds() {
		if k == x {
			return true
		}
	}
	return false
}

// IsChoice reports whether k is SINGLE_CHOICE or MULTIPLE_CHOICE.
func (k Kind) IsChoice() bool { return k == KindSingleChoice || k == KindMultipleChoice }

// IsNumeric reports whether k is NUMBER or PERCENTAGE, the kinds scored by bands.
func (k Kind) IsNumeric() bool { return k == KindNumber || k == KindPercentage }

// GapCategories lists the gap categories in the order of the GraphQL enum.
func GapCategories() []string {
	return []string{"STRUCTURE", "RESOURCES", "POLICY", "CAPACITY", "MONITORING", "COORDINATION", "OWNERSHIP", "TIMELINE"}
}

// Severities lists the severities from least to most severe.
func Severities() []string {
	return []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}
}

// MaxScale is the largest scale a RATING question may have.
const MaxScale = 10

// DefaultGapBelow is the threshold of a gap that does not give one.
const DefaultGapBelow = 0.5

// Questionnaire is a parsed, valid questionnaire document.
type Questionnaire struct {
	Key             string
	Version         int
	DefaultLanguage string
	Languages       []string
	Title           Text
	Description     *Text
	Areas           []Area

	// index maps a question key to its position; built by Parse.
	index map[string]position
}

type position struct{ area, question int }

// Area is a group of questions, scored together.
type Area struct {
	Key         string
	Title       Text
	Description *Text
	Questions   []Question
}

// Question is one question of a questionnaire. Fields that do not apply to
// its kind hold their zero value.
type Question struct {
	Key              string
	Kind             Kind
	Text             Text
	Guidance         *Text
	Required         bool
	Weight           float64 // 0 for TEXT questions, which carry no weight
	EvidenceExpected bool
	Invert           bool         // YES_NO only: "yes" is the bad answer
	Scale            int          // RATING only: the highest value, 1..MaxScale
	ScaleLabels      map[int]Text // RATING only, optional; nil when none
	Options          []Option     // SINGLE_CHOICE and MULTIPLE_CHOICE only
	Bands            []Band       // NUMBER and PERCENTAGE only, optional; nil when none
	Gap              *Gap
}

// Option is one answer of a choice question.
type Option struct {
	Key   string
	Label Text
	Score float64
}

// Band maps a range of values of a NUMBER or PERCENTAGE question to a score:
// Min is inclusive, Max exclusive, and a nil bound is open.
type Band struct {
	Min, Max *float64
	Score    float64
}

// Contains reports whether v lies in the band.
func (b Band) Contains(v float64) bool {
	return (b.Min == nil || v >= *b.Min) && (b.Max == nil || v < *b.Max)
}

// Gap describes the finding a question raises when its fraction falls under
// Below.
type Gap struct {
	Below    float64
	Category string
	Severity string
	Finding  Text
}

// Scored reports whether answers to the question can be scored at all: TEXT
// questions and NUMBER or PERCENTAGE questions without bands cannot.
func (q *Question) Scored() bool {
	switch {
	case q.Kind == KindText:
		return false
	case q.Kind.IsNumeric():
		return len(q.Bands) > 0
	}
	return q.Kind.Valid()
}

// Option returns the option with the given key, or nil.
func (q *Question) Option(key string) *Option {
	for i := range q.Options {
		if q.Options[i].Key == key {
			return &q.Options[i]
		}
	}
	return nil
}

// Question returns the question with the given key and its area, or nil, nil.
func (q *Questionnaire) Question(key string) (*Question, *Area) {
	if q == nil {
		return nil, nil
	}
	if q.index != nil {
		pos, ok := q.index[key]
		if !ok {
			return nil, nil
		}
		a := &q.Areas[pos.area]
		return &a.Questions[pos.question], a
	}
	// A Questionnaire built by hand rather than by Parse has no index.
	for ai := range q.Areas {
		a := &q.Areas[ai]
		for qi := range a.Questions {
			if a.Questions[qi].Key == key {
				return &a.Questions[qi], a
			}
		}
	}
	return nil, nil
}

// Area returns the area with the given key, or nil.
func (q *Questionnaire) Area(key string) *Area {
	if q == nil {
		return nil
	}
	for i := range q.Areas {
		if q.Areas[i].Key == key {
			return &q.Areas[i]
		}
	}
	return nil
}

// QuestionCount returns the number of questions in all areas.
func (q *Questionnaire) QuestionCount() int {
	if q == nil {
		return 0
	}
	n := 0
	for _, a := range q.Areas {
		n += len(a.Questions)
	}
	return n
}

// HasLanguage reports whether lang is one of the questionnaire's languages.
func (q *Questionnaire) HasLanguage(lang string) bool {
	for _, l := range q.Languages {
		if strings.EqualFold(l, lang) {
			return true
		}
	}
	return false
}

func (q *Questionnaire) buildIndex() {
	q.index = make(map[string]position, q.QuestionCount())
	for ai, a := range q.Areas {
		for qi, qu := range a.Questions {
			q.index[qu.Key] = position{ai, qi}
		}
	}
}
