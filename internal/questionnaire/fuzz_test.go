package questionnaire

import (
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, that it returns either a
// questionnaire or problems, that every problem has a path and a message, and
// that a parsed questionnaire survives Encode and Parse unchanged.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sampleYAML))
	f.Add([]byte(withQuestions("{key: q, kind: RATING, text: Q, scale: 3, scaleLabels: {0: L}}")))
	f.Add([]byte(`{"key": "k", "version": 1, "defaultLanguage": "en", "languages": ["en"], "title": "T", "areas": [{"key": "a", "title": "A", "questions": [{"key": "q", "kind": "NUMBER", "text": "Q", "bands": [{"min": 1, "score": 1}]}]}]}`))
	f.Add([]byte("key: &a [*a]\n"))
	f.Add([]byte("a: 1\n---\nb: 2\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, doc []byte) {
		q, probs := Parse(doc)
		if (q == nil) == (len(probs) == 0) {
			t.Fatalf("Parse returned questionnaire %v with %d problems", q != nil, len(probs))
		}
		for _, p := range probs {
			if p.Path == nil || p.Message == "" {
				t.Fatalf("bad problem %#v", p)
			}
		}
		if q == nil {
			return
		}
		enc, err := Encode(q)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		q2, probs := Parse(enc)
		if len(probs) > 0 {
			t.Fatalf("Parse(Encode(q)) has problems %v\n%s", probs, enc)
		}
		if !reflect.DeepEqual(q, q2) {
			t.Fatalf("Parse(Encode(q)) differs\n%s", enc)
		}
		_ = Compute(q, nil)
	})
}
