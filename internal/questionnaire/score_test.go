package questionnaire

import (
	"math"
	"reflect"
	"testing"
)

func yes() Answer                  { return Answer{Bool: ptr(true)} }
func no() Answer                   { return Answer{Bool: ptr(false)} }
func num(v float64) Answer         { return Answer{Number: ptr(v)} }
func text(s string) Answer         { return Answer{Text: ptr(s)} }
func choose(keys ...string) Answer { return Answer{Choices: append([]string{}, keys...)} }
func notApplicable() Answer        { return Answer{NotApplicable: true} }

func TestFraction(t *testing.T) {
	q := mustParse(t, sampleYAML+`
  - key: extra
    title: Extra
    questions:
      - key: open-bands
        kind: NUMBER
        text: Open bands
        bands:
          - {max: 0, score: 0.25}
          - {min: 100, score: 0.75}
      - key: no-match
        kind: PERCENTAGE
        text: Only a middle band
        bands:
          - {min: 40, max: 60, score: 1}
      - key: catch-all
        kind: NUMBER
        text: A band without bounds
        bands:
          - {score: 0.3}
`)
	cases := []struct {
		question string
		answer   Answer
		want     float64
		scored   bool
	}{
		{"policy", yes(), 1, true},
		{"policy", no(), 0, true},
		{"harassment-cases", yes(), 0, true}, // invert
		{"harassment-cases", no(), 1, true},  // invert
		{"policy", notApplicable(), 0, false},
		{"policy", num(1), 0, false}, // wrong field

		{"training", num(0), 0, true},
		{"training", num(1), 1.0 / 3, true},
		{"training", num(3), 1, true},
		{"training", num(4), 0, false},   // above the scale
		{"training", num(-1), 0, false},  // below 0
		{"training", num(1.5), 0, false}, // not a whole number
		{"training", notApplicable(), 0, false},

		{"women-share", num(0), 0, true},           // first band, open below
		{"women-share", num(9.999), 0, true},       // just under the first max
		{"women-share", num(10), 0.5, true},        // exactly at a max goes to the next band, whose min is inclusive
		{"women-share", num(29.99), 0.5, true},     //
		{"women-share", num(30), 1, true},          // exactly at min
		{"women-share", num(100), 1, true},         // last band, open above
		{"women-share", num(100.5), 0, false},      // not a percentage
		{"open-bands", num(-1e9), 0.25, true},      // open lower bound
		{"open-bands", num(0), 0, true},            // between the bands: none matches
		{"open-bands", num(99.999), 0, true},       // none matches
		{"open-bands", num(100), 0.75, true},       // open upper bound
		{"open-bands", num(1e300), 0.75, true},     //
		{"no-match", num(39), 0, true},             // below the only band
		{"no-match", num(40), 1, true},             // at its min
		{"no-match", num(60), 0, true},             // at its max, which is exclusive
		{"catch-all", num(-5), 0.3, true},          // a band with no bound matches all
		{"budget", num(1000), 0, false},            // NUMBER without bands
		{"budget", num(math.Inf(1)), 0, false},     // not finite
		{"women-share", notApplicable(), 0, false}, //

		{"focal-point", choose("none"), 0, true},
		{"focal-point", choose("part-time"), 0.5, true},
		{"focal-point", choose("full-time"), 1, true},
		{"focal-point", choose("none", "full-time"), 0, false}, // two on a single choice
		{"focal-point", choose("other"), 0, false},             // unknown option
		{"measures", choose("a"), 0.6, true},
		{"measures", choose("a", "c"), 0.6, true},
		{"measures", choose("a", "b"), 1, true},      // 1.2 capped at 1
		{"measures", choose("a", "b", "c"), 1, true}, //
		{"measures", choose("c"), 0, true},
		{"measures", choose("a", "a"), 0, false}, // not distinct
		{"measures", choose(), 0, false},         // none

		{"comments", text("Fine"), 0, false}, // TEXT is never scored
		{"comments", notApplicable(), 0, false},
	}
	for _, c := range cases {
		qu, _ := q.Question(c.question)
		if qu == nil {
			t.Fatalf("no question %q", c.question)
		}
		f, scored := qu.Fraction(c.answer)
		if scored != c.scored || math.Abs(f-c.want) > 1e-12 {
			t.Errorf("%s %s: Fraction = %v, %v; want %v, %v", c.question, describeAnswer(c.answer), f, scored, c.want, c.scored)
		}
		points, scored := qu.Points(c.answer)
		if scored != c.scored || math.Abs(points-c.want*qu.Weight) > 1e-12 {
			t.Errorf("%s %s: Points = %v, %v; want %v", c.question, describeAnswer(c.answer), points, scored, c.want*qu.Weight)
		}
	}
}

func describeAnswer(a Answer) string {
	switch {
	case a.NotApplicable:
		return "n/a"
	case a.Bool != nil:
		if *a.Bool {
			return "true"
		}
		return "false"
	case a.Number != nil:
		return "number"
	case a.Text != nil:
		return "text " + *a.Text
	}
	return "choices"
}

func TestCheck(t *testing.T) {
	q := mustParse(t, sampleYAML)
	cases := []struct {
		name     string
		question string
		answer   Answer
		want     []string // fields at fault, in order
	}{
		{"yes", "policy", yes(), nil},
		{"not applicable", "policy", notApplicable(), nil},
		{"not applicable with a value", "policy", Answer{NotApplicable: true, Bool: ptr(true)}, []string{FieldBool}},
		{"not applicable with two values", "measures", Answer{NotApplicable: true, Number: ptr(1.0), Choices: []string{"a"}}, []string{FieldNumber, FieldChoices}},
		{"nothing", "policy", Answer{}, []string{FieldBool}},
		{"wrong field only", "policy", text("yes"), []string{FieldText, FieldBool}},
		{"right and wrong field", "policy", Answer{Bool: ptr(true), Number: ptr(1.0)}, []string{FieldNumber}},
		{"rating 0", "training", num(0), nil},
		{"rating at scale", "training", num(3), nil},
		{"rating above scale", "training", num(4), []string{FieldNumber}},
		{"rating negative", "training", num(-1), []string{FieldNumber}},
		{"rating not whole", "training", num(2.5), []string{FieldNumber}},
		{"rating NaN", "training", num(math.NaN()), []string{FieldNumber}},
		{"rating as bool", "training", yes(), []string{FieldBool, FieldNumber}},
		{"percentage 0", "women-share", num(0), nil},
		{"percentage 100", "women-share", num(100), nil},
		{"percentage fraction", "women-share", num(33.3), nil},
		{"percentage above 100", "women-share", num(100.01), []string{FieldNumber}},
		{"percentage negative", "women-share", num(-0.1), []string{FieldNumber}},
		{"number negative", "budget", num(-5), nil},
		{"number infinite", "budget", num(math.Inf(-1)), []string{FieldNumber}},
		{"number NaN", "budget", num(math.NaN()), []string{FieldNumber}},
		{"single choice", "focal-point", choose("none"), nil},
		{"single choice two", "focal-point", choose("none", "part-time"), []string{FieldChoices}},
		{"single choice none", "focal-point", choose(), []string{FieldChoices}},
		{"single choice unknown", "focal-point", choose("maybe"), []string{FieldChoices}},
		{"multiple choice all", "measures", choose("a", "b", "c"), nil},
		{"multiple choice empty", "measures", choose(), []string{FieldChoices}},
		{"multiple choice repeated", "measures", choose("a", "a"), []string{FieldChoices}},
		{"multiple choice unknown and repeated", "measures", choose("z", "b", "b"), []string{FieldChoices, FieldChoices}},
		{"multiple choice as text", "measures", text("a"), []string{FieldText, FieldChoices}},
		{"text", "comments", text("Some words"), nil},
		{"text empty", "comments", text("  "), []string{FieldText}},
		{"text as choices", "comments", choose("a"), []string{FieldChoices, FieldText}},
		{"text missing", "comments", Answer{}, []string{FieldText}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			qu, _ := q.Question(c.question)
			probs := qu.Check(c.answer)
			var got []string
			for _, p := range probs {
				got = append(got, p.Field)
				if p.Message == "" {
					t.Errorf("empty message for %s", p.Field)
				}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("fields = %v, want %v (%v)", got, c.want, probs)
			}
		})
	}
}

func TestCompute(t *testing.T) {
	q := mustParse(t, sampleYAML)
	answers := map[string]Answer{
		// personnel: policy 1*1, harassment-cases (invert, weight 2) yes -> 0*2,
		// training 2/3 * 1.
		"policy":           yes(),
		"harassment-cases": yes(),
		"training":         num(2),
		// resources: women-share 20 -> 0.5*1, budget (no bands) not scored,
		// focal-point n/a, measures a+b -> 1*0.5, comments not scored.
		"women-share": num(20),
		"budget":      num(12345),
		"focal-point": notApplicable(),
		"measures":    choose("a", "b"),
		"comments":    text("ok"),
		// Unknown questions are ignored.
		"ghost": yes(),
	}
	s := Compute(q, answers)
	if len(s.Areas) != 2 || s.Areas[0].AreaKey != "personnel" || s.Areas[1].AreaKey != "resources" {
		t.Fatalf("areas = %+v", s.Areas)
	}
	checkScore(t, "personnel", s.Areas[0].Score, 1+0+2.0/3, 4)
	checkScore(t, "resources", s.Areas[1].Score, 0.5+0.5, 1.5)
	checkScore(t, "overall", s.Overall, 1+2.0/3+1, 5.5)
	if a := s.Areas[0]; a.Answered != 3 || a.Total != 3 {
		t.Errorf("personnel answered %d of %d", a.Answered, a.Total)
	}
	if a := s.Areas[1]; a.Answered != 5 || a.Total != 5 {
		t.Errorf("resources answered %d of %d (not-applicable and unscored answers count)", a.Answered, a.Total)
	}

	// Only unscored answers: nothing at stake, no percent.
	s = Compute(q, map[string]Answer{"comments": text("x"), "policy": notApplicable(), "budget": num(3)})
	for _, sc := range []Score{s.Overall, s.Areas[0].Score, s.Areas[1].Score} {
		if sc.Points != 0 || sc.MaxPoints != 0 || sc.Percent != nil {
			t.Errorf("unscored: %+v", sc)
		}
	}
	if s.Areas[0].Answered != 1 || s.Areas[1].Answered != 2 {
		t.Errorf("answered = %d, %d", s.Areas[0].Answered, s.Areas[1].Answered)
	}

	// No answers at all.
	s = Compute(q, nil)
	if s.Overall.Percent != nil || len(s.Areas) != 2 || s.Areas[1].Total != 5 {
		t.Errorf("empty: %+v", s)
	}

	// Weights: a zero answer on a heavy question weighs more.
	s = Compute(q, map[string]Answer{"policy": yes(), "harassment-cases": yes()})
	checkScore(t, "weighted", s.Overall, 1, 3)

	// An invalid stored answer is not scored, but it is a stored response.
	s = Compute(q, map[string]Answer{"training": num(7)})
	if s.Overall.MaxPoints != 0 || s.Areas[0].Answered != 1 {
		t.Errorf("invalid answer: %+v", s)
	}
}

func checkScore(t *testing.T, name string, s Score, points, maxPoints float64) {
	t.Helper()
	if math.Abs(s.Points-points) > 1e-9 || s.MaxPoints != maxPoints {
		t.Errorf("%s: %v / %v, want %v / %v", name, s.Points, s.MaxPoints, points, maxPoints)
	}
	if s.Percent == nil || math.Abs(*s.Percent-100*points/maxPoints) > 1e-9 {
		t.Errorf("%s: percent = %v, want %v", name, s.Percent, 100*points/maxPoints)
	}
}

func TestComplete(t *testing.T) {
	q := mustParse(t, sampleYAML)
	c := Complete(q, map[string]Answer{"policy": notApplicable(), "budget": num(1), "ghost": yes()})
	want := Completion{
		Answered: 2,
		Total:    8,
		// women-share and comments are not required.
		RequiredMissing: []string{"harassment-cases", "training", "focal-point", "measures"},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Complete = %+v, want %+v", c, want)
	}
	all := map[string]Answer{}
	for _, a := range q.Areas {
		for _, qu := range a.Questions {
			all[qu.Key] = notApplicable()
		}
	}
	c = Complete(q, all)
	if c.Answered != 8 || c.RequiredMissing == nil || len(c.RequiredMissing) != 0 {
		t.Errorf("all answered: %+v", c)
	}
}

func TestFindings(t *testing.T) {
	q := mustParse(t, sampleYAML)
	cases := []struct {
		name    string
		answers map[string]Answer
		want    []string // question keys
	}{
		{"none answered", nil, []string{}},
		{"all good", map[string]Answer{"policy": yes(), "training": num(3), "women-share": num(100)}, []string{}},
		{"policy missing", map[string]Answer{"policy": no()}, []string{"policy"}},
		{"not applicable raises nothing", map[string]Answer{"policy": notApplicable()}, []string{}},
		// training: below 0.7; 2/3 < 0.7 raises, 3/3 does not.
		{"rating under threshold", map[string]Answer{"training": num(2)}, []string{"training"}},
		// women-share: below 1, so anything under 30% raises; f exactly 1 does not.
		{"percentage", map[string]Answer{"women-share": num(29), "policy": no()}, []string{"policy", "women-share"}},
		{"fraction equal to below", map[string]Answer{"women-share": num(30)}, []string{}},
		{"invalid answer raises nothing", map[string]Answer{"training": num(9)}, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := Findings(q, c.answers)
			got := []string{}
			for _, f := range fs {
				got = append(got, f.QuestionKey)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("findings = %v, want %v", got, c.want)
			}
		})
	}
	fs := Findings(q, map[string]Answer{"women-share": num(5)})
	want := Finding{AreaKey: "resources", QuestionKey: "women-share", Title: Text{Plain: "Few women"}, Category: "STRUCTURE", Severity: "LOW"}
	if len(fs) != 1 || !reflect.DeepEqual(fs[0], want) {
		t.Errorf("finding = %+v, want %+v", fs, want)
	}
}

func TestNilQuestionnaire(t *testing.T) {
	if s := Compute(nil, nil); s.Overall.Percent != nil || s.Areas == nil {
		t.Errorf("Compute(nil) = %+v", s)
	}
	if c := Complete(nil, nil); c.Total != 0 || c.RequiredMissing == nil {
		t.Errorf("Complete(nil) = %+v", c)
	}
	if f := Findings(nil, nil); f == nil || len(f) != 0 {
		t.Errorf("Findings(nil) = %+v", f)
	}
}
