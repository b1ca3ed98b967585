package questionnaire

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong with a questionnaire document.
type Problem struct {
	// Path locates the problem inside the document, e.g.
	// ["areas", "2", "questions", "5", "scale"]; list indices are decimal
	// strings. It is empty for a problem with the document as a whole, and
	// names the missing key for a key that is required but absent.
	Path []string
	// Message is an English sentence saying what is wrong and what is allowed.
	Message string
	// Line and Column give the position in the text (1-based), or 0 when
	// unknown. For a missing key they give the position of the map that
	// lacks it.
	Line, Column int
}

// String formats the problem as "areas.2.questions.5.scale: message (line 12)".
func (p Problem) String() string {
	var b strings.Builder
	if len(p.Path) > 0 {
		b.WriteString(strings.Join(p.Path, "."))
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	if line := fmt.Sprintf("line %d", p.Line); p.Line > 0 && !strings.Contains(p.Message, line) {
		fmt.Fprintf(&b, " (%s)", line)
	}
	return b.String()
}

// MaxProblems is the most problems Parse reports; a last problem then says
// how many more there were.
const MaxProblems = 1000

// Parse reads a questionnaire from YAML or JSON text and validates it against
// every rule of the questionnaire format. On success it returns the
// questionnaire and no problems; otherwise it returns nil and every problem,
// in document order.
func Parse(doc []byte) (*Questionnaire, []Problem) {
	root, prob := readTree(doc)
	if prob != nil {
		return nil, []Problem{*prob}
	}
	p := &parser{questionKeys: map[string]string{}}
	q := p.questionnaire(root)
	if len(p.problems) > 0 {
		return nil, p.result()
	}
	q.buildIndex()
	return q, nil
}

// parser collects the problems of one document.
type parser struct {
	problems []Problem

	// languages of the questionnaire, valid only when langsOK.
	langs   []string
	langsOK bool

	// questionKeys maps every question key seen to where it was first used.
	questionKeys map[string]string
}

func (p *parser) result() []Problem {
	sort.SliceStable(p.problems, func(i, j int) bool {
		a, b := p.problems[i], p.problems[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	if len(p.problems) > MaxProblems {
		more := len(p.problems) - MaxProblems
		p.problems = append(p.problems[:MaxProblems:MaxProblems], Problem{
			Path:    []string{},
			Message: fmt.Sprintf("%d more problems are not listed; fix the ones above first.", more),
		})
	}
	return p.problems
}

func (p *parser) add(n *yaml.Node, path []string, format string, args ...any) {
	pr := Problem{Path: path, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		pr.Line, pr.Column = n.Line, n.Column
	}
	p.problems = append(p.problems, pr)
}

// sub returns a new path: path followed by elems.
func sub(path []string, elems ...string) []string {
	out := make([]string, 0, len(path)+len(elems))
	return append(append(out, path...), elems...)
}

// ---------------------------------------------------------------- maps

var (
	topKeys      = []string{"key", "version", "defaultLanguage", "languages", "title", "description", "areas"}
	areaKeys     = []string{"key", "title", "description", "questions"}
	questionKeys = []string{"key", "kind", "text", "guidance", "required", "weight", "evidenceExpected", "invert", "scale", "scaleLabels", "options", "bands", "gap"}
	optionKeys   = []string{"key", "label", "score"}
	bandKeys     = []string{"min", "max", "score"}
	gapKeys      = []string{"below", "category", "severity", "finding"}
)

// fields is a map node read as a set of named fields.
type fields struct {
	node *yaml.Node
	path []string
	vals map[string]*yaml.Node // present, non-null values, aliases resolved
}

// get returns the value of a field, or nil when it is absent or null.
func (f fields) get(name string) *yaml.Node { return f.vals[name] }

// fields reads n as a map whose keys must be among allowed. what names the
// map in messages ("a question"). Duplicate and unknown keys are problems.
func (p *parser) fields(n *yaml.Node, path []string, what string, allowed []string) (fields, bool) {
	f := fields{node: n, path: path, vals: map[string]*yaml.Node{}}
	if n.Kind != yaml.MappingNode {
		p.add(n, path, "%s must be a map with the keys %s, not %s.", capitalize(what), strings.Join(allowed, ", "), describe(n))
		return f, false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.add(k, path, "A key of %s must be a plain string, not %s.", what, describe(k))
			continue
		}
		name := k.Value
		kp := sub(path, name)
		switch {
		case k.ShortTag() == "!!merge":
			p.add(k, kp, "Merge keys (<<) are not supported; write the keys out.")
		case !contains(allowed, name):
			p.add(k, kp, "Unknown key %q in %s%s; the keys allowed here are %s.", name, what, suggest(name, allowed), strings.Join(allowed, ", "))
		case seen[name]:
			p.add(k, kp, "The key %q appears more than once in %s; give it once.", name, what)
		default:
			seen[name] = true
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
				continue // null is the same as leaving the key out
			}
			f.vals[name] = v
		}
	}
	return f, true
}

// require returns the value of a required field, reporting it when missing.
func (p *parser) require(f fields, name, hint string) *yaml.Node {
	v := f.get(name)
	if v == nil {
		p.add(f.node, sub(f.path, name), "%s is required%s.", name, hint)
	}
	return v
}

var separators = strings.NewReplacer("-", "", "_", "")

// suggest returns " (did you mean x?)" when name differs from an allowed key
// only in case, '-' or '_'.
func suggest(name string, allowed []string) string {
	norm := func(s string) string { return strings.ToLower(separators.Replace(s)) }
	for _, a := range allowed {
		if norm(a) == norm(name) {
			return fmt.Sprintf(" (did you mean %q?)", a)
		}
	}
	return ""
}

func contains[T comparable](list []T, x T) bool {
	for _, y := range list {
		if x == y {
			return true
		}
	}
	return false
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// describe names a node for messages: "a list", "the string \"x\"", ...
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		v := n.Value
		if utf8.RuneCountInString(v) > 40 {
			v = string([]rune(v)[:40]) + "…"
		}
		switch n.ShortTag() {
		case "!!str":
			return fmt.Sprintf("the string %q", v)
		case "!!int", "!!float":
			return "the number " + v
		case "!!bool":
			return v
		case "!!null":
			return "null"
		}
		return fmt.Sprintf("%q", v)
	}
	return "nothing"
}

// ---------------------------------------------------------------- scalars

// str reads a string scalar.
func (p *parser) str(n *yaml.Node, path []string, name string) (string, bool) {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str":
			if !utf8.ValidString(n.Value) {
				p.add(n, path, "%s must be valid UTF-8 text.", name)
				return "", false
			}
			return n.Value, true
		case "!!timestamp": // a plain 2024-01-31 is a string to us
			return n.Value, true
		case "!!int", "!!float", "!!bool":
			p.add(n, path, "%s must be a string, not %s; put it in quotes.", name, describe(n))
			return "", false
		}
	}
	p.add(n, path, "%s must be a string, not %s.", name, describe(n))
	return "", false
}

// number reads a finite number.
func (p *parser) number(n *yaml.Node, path []string, name string) (float64, bool) {
	if n.Kind == yaml.ScalarNode {
		if tag := n.ShortTag(); tag == "!!int" || tag == "!!float" {
			var f float64
			if err := n.Decode(&f); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
				return f, true
			}
			p.add(n, path, "%s must be a finite number, not %s.", name, describe(n))
			return 0, false
		}
	}
	p.add(n, path, "%s must be a number, not %s.", name, describe(n))
	return 0, false
}

// integer reads a whole number that fits a GraphQL Int.
func (p *parser) integer(n *yaml.Node, path []string, name string) (int, bool) {
	if n.Kind == yaml.ScalarNode {
		if tag := n.ShortTag(); tag == "!!int" || tag == "!!float" {
			var f float64
			if err := n.Decode(&f); err == nil && f == math.Trunc(f) && f >= math.MinInt32 && f <= math.MaxInt32 {
				return int(f), true
			}
		}
	}
	p.add(n, path, "%s must be a whole number, not %s.", name, describe(n))
	return 0, false
}

// boolean reads true or false.
func (p *parser) boolean(n *yaml.Node, path []string, name string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, true
		}
	}
	p.add(n, path, "%s must be true or false, not %s.", name, describe(n))
	return false, false
}

var (
	slugRe = regexp.MustCompile(`^[a-z0-9-]+$`)
	langRe = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)
)

// slug reads a required slug field.
func (p *parser) slug(f fields, name, what string) (string, *yaml.Node) {
	n := p.require(f, name, "")
	if n == nil {
		return "", nil
	}
	path := sub(f.path, name)
	s, ok := p.str(n, path, name)
	if !ok {
		return "", nil
	}
	if !slugRe.MatchString(s) {
		p.add(n, path, "%s %q is not a valid slug; use only lower-case letters a-z, digits 0-9 and '-'.", what, s)
		return "", nil
	}
	return s, n
}

// enum reads a required string field whose value must be one of allowed.
func (p *parser) enum(f fields, name string, allowed []string) (string, bool) {
	n := p.require(f, name, " (one of "+strings.Join(allowed, ", ")+")")
	if n == nil {
		return "", false
	}
	path := sub(f.path, name)
	s, ok := p.str(n, path, name)
	if !ok {
		return "", false
	}
	if !contains(allowed, s) {
		p.add(n, path, "%s must be one of %s, not %q.", name, strings.Join(allowed, ", "), s)
		return "", false
	}
	return s, true
}

// ---------------------------------------------------------------- texts

// text reads a text: a string, or a map from each language to a string.
func (p *parser) text(n *yaml.Node, path []string, name string) Text {
	switch n.Kind {
	case yaml.ScalarNode:
		s, ok := p.str(n, path, name)
		if ok && strings.TrimSpace(s) == "" {
			p.add(n, path, "%s must not be empty.", name)
		}
		return Text{Plain: s}
	case yaml.MappingNode:
		t := Text{ByLang: map[string]string{}}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := deref(n.Content[i]), deref(n.Content[i+1])
			if k.Kind != yaml.ScalarNode {
				p.add(k, path, "The language codes of %s must be strings, not %s.", name, describe(k))
				continue
			}
			lang := k.Value
			lp := sub(path, lang)
			if _, dup := t.ByLang[lang]; dup {
				p.add(k, lp, "%s gives the language %q more than once.", name, lang)
				continue
			}
			if p.langsOK && !contains(p.langs, lang) {
				p.add(k, lp, "%s has a text in %q, which is not one of the questionnaire's languages (%s).", name, lang, strings.Join(p.langs, ", "))
			}
			s, ok := p.str(v, lp, name+" in "+lang)
			if ok && strings.TrimSpace(s) == "" {
				p.add(v, lp, "%s in %q must not be empty.", name, lang)
			}
			t.ByLang[lang] = s
		}
		if p.langsOK {
			var missing []string
			for _, l := range p.langs {
				if _, ok := t.ByLang[l]; !ok {
					missing = append(missing, l)
				}
			}
			if len(missing) > 0 {
				p.add(n, path, "%s is missing its %s translation; a translated text needs every language in languages (%s).", name, strings.Join(missing, ", "), strings.Join(p.langs, ", "))
			}
		}
		return t
	}
	p.add(n, path, "%s must be a string or a map from language code to string, not %s.", name, describe(n))
	return Text{}
}

// requiredText reads a required text field.
func (p *parser) requiredText(f fields, name string) Text {
	n := p.require(f, name, "")
	if n == nil {
		return Text{}
	}
	return p.text(n, sub(f.path, name), name)
}

// optionalText reads an optional text field.
func (p *parser) optionalText(f fields, name string) *Text {
	n := f.get(name)
	if n == nil {
		return nil
	}
	t := p.text(n, sub(f.path, name), name)
	return &t
}

// ---------------------------------------------------------------- document

func (p *parser) questionnaire(root *yaml.Node) *Questionnaire {
	q := &Questionnaire{}
	f, ok := p.fields(root, []string{}, "the questionnaire", topKeys)
	if !ok {
		return q
	}
	// Languages come first: every text depends on them.
	p.languages(f)
	q.Languages = p.langs

	if key, _ := p.slug(f, "key", "The questionnaire key"); key != "" {
		q.Key = key
	}
	if n := p.require(f, "version", " (a whole number from 1)"); n != nil {
		if v, ok := p.integer(n, sub(f.path, "version"), "version"); ok {
			if v < 1 {
				p.add(n, sub(f.path, "version"), "version must be at least 1, not %d.", v)
			}
			q.Version = v
		}
	}
	if n := p.require(f, "defaultLanguage", ""); n != nil {
		path := sub(f.path, "defaultLanguage")
		if s, ok := p.str(n, path, "defaultLanguage"); ok {
			switch {
			case !langRe.MatchString(s):
				p.add(n, path, "defaultLanguage %q is not a language code such as en or fr-CA.", s)
			case p.langsOK && !contains(p.langs, s):
				p.add(n, path, "defaultLanguage %q must be one of languages (%s).", s, strings.Join(p.langs, ", "))
			}
			q.DefaultLanguage = s
		}
	}
	q.Title = p.requiredText(f, "title")
	q.Description = p.optionalText(f, "description")

	if n := p.require(f, "areas", " (a list of at least one area)"); n != nil {
		path := sub(f.path, "areas")
		switch {
		case n.Kind != yaml.SequenceNode:
			p.add(n, path, "areas must be a list of areas, not %s.", describe(n))
		case len(n.Content) == 0:
			p.add(n, path, "areas must hold at least one area.")
		default:
			areaKeysSeen := map[string]string{}
			for i, an := range n.Content {
				ap := sub(path, strconv.Itoa(i))
				a := p.area(deref(an), ap, areaKeysSeen)
				q.Areas = append(q.Areas, a)
			}
		}
	}
	return q
}

func (p *parser) languages(f fields) {
	n := p.require(f, "languages", " (a list of language codes that holds defaultLanguage)")
	if n == nil {
		return
	}
	path := sub(f.path, "languages")
	if n.Kind != yaml.SequenceNode {
		p.add(n, path, "languages must be a list of language codes such as [en, fr], not %s.", describe(n))
		return
	}
	if len(n.Content) == 0 {
		p.add(n, path, "languages must hold at least one language code.")
		return
	}
	ok := true
	var langs []string
	for i, ln := range n.Content {
		ln = deref(ln)
		lp := sub(path, strconv.Itoa(i))
		s, good := p.str(ln, lp, "A language")
		switch {
		case !good:
			ok = false
		case !langRe.MatchString(s):
			p.add(ln, lp, "%q is not a language code such as en or fr-CA.", s)
			ok = false
		default:
			for _, prev := range langs {
				if strings.EqualFold(prev, s) {
					p.add(ln, lp, "The language %q is listed more than once.", s)
					ok = false
				}
			}
			langs = append(langs, s)
		}
	}
	p.langs, p.langsOK = langs, ok
}

func (p *parser) area(n *yaml.Node, path []string, seen map[string]string) Area {
	var a Area
	f, ok := p.fields(n, path, "an area", areaKeys)
	if !ok {
		return a
	}
	if key, kn := p.slug(f, "key", "The area key"); key != "" {
		if first, dup := seen[key]; dup {
			p.add(kn, sub(path, "key"), "The area key %q is already used by %s; area keys must be unique.", key, first)
		} else {
			seen[key] = strings.Join(path, ".")
		}
		a.Key = key
	}
	a.Title = p.requiredText(f, "title")
	a.Description = p.optionalText(f, "description")
	if qn := p.require(f, "questions", " (a list of at least one question)"); qn != nil {
		qp := sub(path, "questions")
		switch {
		case qn.Kind != yaml.SequenceNode:
			p.add(qn, qp, "questions must be a list of questions, not %s.", describe(qn))
		case len(qn.Content) == 0:
			p.add(qn, qp, "questions must hold at least one question.")
		default:
			for i, c := range qn.Content {
				a.Questions = append(a.Questions, p.question(deref(c), sub(qp, strconv.Itoa(i))))
			}
		}
	}
	return a
}

func kindNames(kinds ...Kind) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	switch len(s) {
	case 1:
		return s[0]
	case 2:
		return s[0] + " and " + s[1]
	}
	return strings.Join(s, ", ")
}

func (p *parser) question(n *yaml.Node, path []string) Question {
	var q Question
	f, ok := p.fields(n, path, "a question", questionKeys)
	if !ok {
		return q
	}
	if key, kn := p.slug(f, "key", "The question key"); key != "" {
		if first, dup := p.questionKeys[key]; dup {
			p.add(kn, sub(path, "key"), "The question key %q is already used by %s; question keys must be unique in the whole questionnaire.", key, first)
		} else {
			p.questionKeys[key] = strings.Join(path, ".")
		}
		q.Key = key
	}

	kinds := make([]string, 0, len(Kinds()))
	for _, k := range Kinds() {
		kinds = append(kinds, string(k))
	}
	var kindOK bool
	if s, ok := p.enum(f, "kind", kinds); ok {
		q.Kind, kindOK = Kind(s), true
	}
	is := func(kinds ...Kind) bool { return kindOK && contains(kinds, q.Kind) }
	// only reports a field present on a kind that does not allow it, and
	// says whether the field is present and may be read.
	only := func(name string, kinds ...Kind) bool {
		v := f.get(name)
		if v == nil {
			return false
		}
		if kindOK && !contains(kinds, q.Kind) {
			p.add(v, sub(path, name), "%s is allowed only on %s questions, and this one is %s; remove it.", name, kindNames(kinds...), q.Kind)
			return false
		}
		return true
	}

	q.Text = p.requiredText(f, "text")
	q.Guidance = p.optionalText(f, "guidance")

	q.Required = !is(KindText)
	if v := f.get("required"); v != nil {
		if b, ok := p.boolean(v, sub(path, "required"), "required"); ok {
			q.Required = b
		}
	}

	if v := f.get("weight"); v != nil && is(KindText) {
		p.add(v, sub(path, "weight"), "A TEXT question is not scored, so it carries no weight; remove weight.")
	} else if !is(KindText) {
		q.Weight = 1
		if v != nil {
			wp := sub(path, "weight")
			if w, ok := p.number(v, wp, "weight"); ok {
				if w <= 0 {
					p.add(v, wp, "weight must be greater than 0, not %v.", w)
				}
				q.Weight = w
			}
		}
	}

	if v := f.get("evidenceExpected"); v != nil {
		q.EvidenceExpected, _ = p.boolean(v, sub(path, "evidenceExpected"), "evidenceExpected")
	}
	if only("invert", KindYesNo) {
		q.Invert, _ = p.boolean(f.get("invert"), sub(path, "invert"), "invert")
	}

	scaleOK := false
	if is(KindRating) {
		p.require(f, "scale", " on a RATING question (a whole number from 1 to 10)")
	}
	if only("scale", KindRating) {
		v, sp := f.get("scale"), sub(path, "scale")
		if s, ok := p.integer(v, sp, "scale"); ok {
			if s < 1 || s > MaxScale {
				p.add(v, sp, "scale must be a whole number from 1 to %d, not %d.", MaxScale, s)
			} else {
				q.Scale, scaleOK = s, true
			}
		}
	}
	if only("scaleLabels", KindRating) {
		q.ScaleLabels = p.scaleLabels(f.get("scaleLabels"), sub(path, "scaleLabels"), q.Scale, scaleOK)
	}

	if is(KindSingleChoice, KindMultipleChoice) {
		p.require(f, "options", " on a "+string(q.Kind)+" question (a list of at least one option)")
	}
	if only("options", KindSingleChoice, KindMultipleChoice) {
		q.Options = p.options(f.get("options"), sub(path, "options"))
	}

	hasBands := false
	if only("bands", KindNumber, KindPercentage) {
		v := f.get("bands")
		q.Bands = p.bands(v, sub(path, "bands"))
		hasBands = v.Kind != yaml.SequenceNode || len(v.Content) > 0
	}

	if v := f.get("gap"); v != nil {
		gp := sub(path, "gap")
		switch {
		case is(KindText):
			p.add(v, gp, "A TEXT question is not scored, so it cannot raise a gap; remove gap.")
		case is(KindNumber, KindPercentage) && !hasBands:
			p.add(v, gp, "A %s question without bands is not scored, so its gap could never be raised; add bands or remove gap.", q.Kind)
		default:
			q.Gap = p.gap(v, gp)
		}
	}
	return q
}

func (p *parser) scaleLabels(n *yaml.Node, path []string, scale int, scaleOK bool) map[int]Text {
	if n.Kind != yaml.MappingNode {
		p.add(n, path, "scaleLabels must be a map from a rating value (0 to scale) to a text, not %s.", describe(n))
		return nil
	}
	var labels map[int]Text
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.add(k, path, "The keys of scaleLabels must be rating values from 0 to scale, not %s.", describe(k))
			continue
		}
		lp := sub(path, k.Value)
		tag := k.ShortTag()
		value, err := strconv.Atoi(k.Value)
		switch {
		case (tag != "!!int" && tag != "!!str") || err != nil || !isDigits(k.Value):
			p.add(k, lp, "The keys of scaleLabels must be whole numbers from 0 to scale, not %s.", describe(k))
			continue
		case scaleOK && value > scale:
			p.add(k, lp, "scaleLabels has a label for %d, but the scale only goes from 0 to %d.", value, scale)
			continue
		case value > MaxScale:
			p.add(k, lp, "scaleLabels has a label for %d, but a scale goes at most from 0 to %d.", value, MaxScale)
			continue
		}
		if _, dup := labels[value]; dup {
			p.add(k, lp, "scaleLabels gives a label for %d more than once.", value)
			continue
		}
		if labels == nil {
			labels = map[int]Text{}
		}
		labels[value] = p.text(v, lp, "The label")
	}
	return labels
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (p *parser) options(n *yaml.Node, path []string) []Option {
	if n.Kind != yaml.SequenceNode {
		p.add(n, path, "options must be a list of options, each with key, label and score, not %s.", describe(n))
		return nil
	}
	if len(n.Content) == 0 {
		p.add(n, path, "options must hold at least one option.")
		return nil
	}
	var opts []Option
	seen := map[string]bool{}
	for i, c := range n.Content {
		op := sub(path, strconv.Itoa(i))
		f, ok := p.fields(deref(c), op, "an option", optionKeys)
		if !ok {
			continue
		}
		var o Option
		if key, kn := p.slug(f, "key", "The option key"); key != "" {
			if seen[key] {
				p.add(kn, sub(op, "key"), "The option key %q is used more than once in this question; option keys must be unique.", key)
			}
			seen[key] = true
			o.Key = key
		}
		o.Label = p.requiredText(f, "label")
		o.Score, _ = p.fraction(f, "score", " (a number from 0 to 1)")
		opts = append(opts, o)
	}
	return opts
}

// fraction reads a required number in [0, 1].
func (p *parser) fraction(f fields, name, hint string) (float64, bool) {
	n := p.require(f, name, hint)
	if n == nil {
		return 0, false
	}
	path := sub(f.path, name)
	v, ok := p.number(n, path, name)
	if !ok {
		return 0, false
	}
	if v < 0 || v > 1 {
		p.add(n, path, "%s must be a number from 0 to 1, not %v.", name, v)
		return v, false
	}
	return v, true
}

func (p *parser) bands(n *yaml.Node, path []string) []Band {
	if n.Kind != yaml.SequenceNode {
		p.add(n, path, "bands must be a list of bands, each with score and min, max or both, not %s.", describe(n))
		return nil
	}
	var bands []Band
	for i, c := range n.Content {
		bp := sub(path, strconv.Itoa(i))
		f, ok := p.fields(deref(c), bp, "a band", bandKeys)
		if !ok {
			continue
		}
		var b Band
		for _, bound := range []struct {
			name string
			dst  **float64
		}{{"min", &b.Min}, {"max", &b.Max}} {
			if v := f.get(bound.name); v != nil {
				if x, ok := p.number(v, sub(bp, bound.name), bound.name); ok {
					*bound.dst = &x
				}
			}
		}
		if b.Min != nil && b.Max != nil && !(*b.Min < *b.Max) {
			p.add(f.get("max"), sub(bp, "max"), "max (%v) must be greater than min (%v): a band holds the values from min (inclusive) up to max (exclusive).", *b.Max, *b.Min)
		}
		b.Score, _ = p.fraction(f, "score", " (a number from 0 to 1)")
		bands = append(bands, b)
	}
	return bands
}

func (p *parser) gap(n *yaml.Node, path []string) *Gap {
	f, ok := p.fields(n, path, "a gap", gapKeys)
	if !ok {
		return nil
	}
	g := &Gap{Below: DefaultGapBelow}
	if v := f.get("below"); v != nil {
		bp := sub(path, "below")
		if x, ok := p.number(v, bp, "below"); ok {
			if x <= 0 || x > 1 {
				p.add(v, bp, "below must be greater than 0 and at most 1, not %v.", x)
			}
			g.Below = x
		}
	}
	g.Category, _ = p.enum(f, "category", GapCategories())
	g.Severity, _ = p.enum(f, "severity", Severities())
	g.Finding = p.requiredText(f, "finding")
	return g
}
