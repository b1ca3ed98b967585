package questionnaire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Encode writes q as canonical JSON in the questionnaire format: keys in a
// fixed order, every default written out, nothing that does not apply to a
// question's kind. Parse(Encode(q)) gives back a questionnaire equal to q
// when q came from Parse.
func Encode(q *Questionnaire) ([]byte, error) {
	if q == nil {
		return nil, errors.New("questionnaire: cannot encode a nil questionnaire")
	}
	w := wireQuestionnaire{
		Key:             q.Key,
		Version:         q.Version,
		DefaultLanguage: q.DefaultLanguage,
		Languages:       q.Languages,
		Title:           q.Title,
		Description:     q.Description,
		Areas:           make([]wireArea, len(q.Areas)),
	}
	for i, a := range q.Areas {
		wa := wireArea{Key: a.Key, Title: a.Title, Description: a.Description, Questions: make([]wireQuestion, len(a.Questions))}
		for j := range a.Questions {
			wa.Questions[j] = toWire(&a.Questions[j])
		}
		w.Areas[i] = wa
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, fmt.Errorf("questionnaire: encode %q: %w", q.Key, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// MarshalJSON encodes q with Encode.
func (q Questionnaire) MarshalJSON() ([]byte, error) { return Encode(&q) }

// UnmarshalJSON parses and validates a questionnaire with Parse.
func (q *Questionnaire) UnmarshalJSON(b []byte) error {
	parsed, problems := Parse(b)
	if len(problems) > 0 {
		return &ProblemsError{Problems: problems}
	}
	*q = *parsed
	return nil
}

// ProblemsError is the error of UnmarshalJSON on an invalid document.
type ProblemsError struct{ Problems []Problem }

func (e *ProblemsError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return "invalid questionnaire: " + strings.Join(msgs, "; ")
}

type wireQuestionnaire struct {
	Key             string     `json:"key"`
	Version         int        `json:"version"`
	DefaultLanguage string     `json:"defaultLanguage"`
	Languages       []string   `json:"languages"`
	Title           Text       `json:"title"`
	Description     *Text      `json:"description,omitempty"`
	Areas           []wireArea `json:"areas"`
}

type wireArea struct {
	Key         string         `json:"key"`
	Title       Text           `json:"title"`
	Description *Text          `json:"description,omitempty"`
	Questions   []wireQuestion `json:"questions"`
}

type wireQuestion struct {
	Key              string       `json:"key"`
	Kind             Kind         `json:"kind"`
	Text             Text         `json:"text"`
	Guidance         *Text        `json:"guidance,omitempty"`
	Required         bool         `json:"required"`
	Weight           *float64     `json:"weight,omitempty"`
	EvidenceExpected bool         `json:"evidenceExpected"`
	Invert           *bool        `json:"invert,omitempty"`
	Scale            *int         `json:"scale,omitempty"`
	ScaleLabels      map[int]Text `json:"scaleLabels,omitempty"`
	Options          []wireOption `json:"options,omitempty"`
	Bands            []wireBand   `json:"bands,omitempty"`
	Gap              *wireGap     `json:"gap,omitempty"`
}

type wireOption struct {
	Key   string  `json:"key"`
	Label Text    `json:"label"`
	Score float64 `json:"score"`
}

type wireBand struct {
	Min   *float64 `json:"min,omitempty"`
	Max   *float64 `json:"max,omitempty"`
	Score float64  `json:"score"`
}

type wireGap struct {
	Below    float64 `json:"below"`
	Category string  `json:"category"`
	Severity string  `json:"severity"`
	Finding  Text    `json:"finding"`
}

func toWire(q *Question) wireQuestion {
	w := wireQuestion{
		Key:              q.Key,
		Kind:             q.Kind,
		Text:             q.Text,
		Guidance:         q.Guidance,
		Required:         q.Required,
		EvidenceExpected: q.EvidenceExpected,
	}
	if q.Kind != KindText {
		weight := q.Weight
		w.Weight = &weight
	}
	if q.Kind == KindYesNo {
		invert := q.Invert
		w.Invert = &invert
	}
	if q.Kind == KindRating {
		scale := q.Scale
		w.Scale = &scale
		w.ScaleLabels = q.ScaleLabels
	}
	if q.Kind.IsChoice() {
		w.Options = make([]wireOption, len(q.Options))
		for i, o := range q.Options {
			w.Options[i] = wireOption(o)
		}
	}
	if q.Kind.IsNumeric() && len(q.Bands) > 0 {
		w.Bands = make([]wireBand, len(q.Bands))
		for i, b := range q.Bands {
			w.Bands[i] = wireBand(b)
		}
	}
	if q.Gap != nil {
		g := wireGap(*q.Gap)
		w.Gap = &g
	}
	return w
}
