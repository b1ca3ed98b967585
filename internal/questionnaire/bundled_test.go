package questionnaire

import (
	"io/fs"
	"reflect"
	"testing"

	"github.com/gendertrack/gendertrack/assessments"
)

// Every questionnaire bundled in assessments/ must parse, have English and
// French (RULES.md section 9), survive Encode and Parse, and have its own
// (key, version).
func TestBundledQuestionnaires(t *testing.T) {
	names, err := fs.Glob(assessments.FS, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Skip("no bundled questionnaires in assessments/")
	}
	type id struct {
		key     string
		version int
	}
	seen := map[id]string{}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			doc, err := fs.ReadFile(assessments.FS, name)
			if err != nil {
				t.Fatal(err)
			}
			q, probs := Parse(doc)
			if len(probs) > 0 {
				t.Fatalf("%s has %d problems:\n%s", name, len(probs), problemList(probs))
			}
			for _, lang := range []string{"en", "fr"} {
				if !contains(q.Languages, lang) {
					t.Errorf("%s lacks the language %q; English and French must be complete", name, lang)
				}
			}
			if other, dup := seen[id{q.Key, q.Version}]; dup {
				t.Errorf("%s has the same key and version (%s %d) as %s", name, q.Key, q.Version, other)
			}
			seen[id{q.Key, q.Version}] = name
			enc, err := Encode(q)
			if err != nil {
				t.Fatal(err)
			}
			q2, probs := Parse(enc)
			if len(probs) > 0 || !reflect.DeepEqual(q, q2) {
				t.Errorf("%s does not survive Encode and Parse: %v", name, probs)
			}
			t.Logf("%s: %s version %d, %d areas, %d questions", name, q.Key, q.Version, len(q.Areas), q.QuestionCount())
		})
	}
}
