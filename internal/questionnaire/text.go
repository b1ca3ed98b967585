package questionnaire

import (
	"encoding/json"
	"errors"
)

// Text is a questionnaire text: either a plain string, the same in every
// language, or a string per language code.
type Text struct {
	Plain  string            // used when ByLang is nil
	ByLang map[string]string // language code -> text
}

// PlainText returns a Text that is s in every language.
func PlainText(s string) Text { return Text{Plain: s} }

// In returns the text in lang, else in defaultLang, else the plain string.
func (t Text) In(lang, defaultLang string) string {
	if s, ok := t.ByLang[lang]; ok {
		return s
	}
	if s, ok := t.ByLang[defaultLang]; ok {
		return s
	}
	return t.Plain
}

// IsZero reports whether t holds no text at all. A nil *Text is zero.
func (t *Text) IsZero() bool {
	return t == nil || (t.Plain == "" && len(t.ByLang) == 0)
}

// MarshalJSON writes a plain text as a JSON string and a translated one as an
// object from language code to string, in the questionnaire format.
func (t Text) MarshalJSON() ([]byte, error) {
	if t.ByLang != nil {
		return json.Marshal(t.ByLang)
	}
	return json.Marshal(t.Plain)
}

// UnmarshalJSON reads what MarshalJSON writes. It does not check languages;
// Parse does.
func (t *Text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = Text{Plain: s}
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return errors.New("a text must be a string or an object from language code to string")
	}
	*t = Text{ByLang: m}
	return nil
}
