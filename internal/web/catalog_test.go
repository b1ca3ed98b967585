package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"text/template/parse"
	"unicode"

	"github.com/gendertrack/gendertrack/internal/i18n"
)

// placeholder stands for an action ({{…}}) in the text of a template: it
// is never a letter.
const placeholder = '\x00'

// visibleAttrs are the attributes whose values a user reads or hears;
// their values must come from the catalog too.
var visibleAttrs = map[string]bool{"title": true, "alt": true, "placeholder": true, "aria-label": true}

var entity = regexp.MustCompile(`&[A-Za-z]+;|&#[0-9]+;`)

// flatten writes the template's text in document order, each action as
// placeholder, and collects the catalog IDs given as constants to T and N.
func flatten(n parse.Node, b *strings.Builder, ids map[string]bool) {
	switch x := n.(type) {
	case *parse.ListNode:
		if x == nil {
			return
		}
		for _, c := range x.Nodes {
			flatten(c, b, ids)
		}
	case *parse.TextNode:
		b.Write(x.Text)
	case *parse.ActionNode:
		b.WriteRune(placeholder)
		collect(x.Pipe, ids)
	case *parse.IfNode:
		b.WriteRune(placeholder)
		collect(x.Pipe, ids)
		flatten(x.List, b, ids)
		flatten(x.ElseList, b, ids)
	case *parse.RangeNode:
		b.WriteRune(placeholder)
		collect(x.Pipe, ids)
		flatten(x.List, b, ids)
		flatten(x.ElseList, b, ids)
	case *parse.WithNode:
		b.WriteRune(placeholder)
		collect(x.Pipe, ids)
		flatten(x.List, b, ids)
		flatten(x.ElseList, b, ids)
	case *parse.TemplateNode:
		b.WriteRune(placeholder)
	}
}

// collect finds T "id" and N "id" calls, and print "prefix." ones (whose
// completions the test lists), in a pipeline.
func collect(p *parse.PipeNode, ids map[string]bool) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		for i, a := range c.Args {
			switch x := a.(type) {
			case *parse.FieldNode, *parse.VariableNode, *parse.ChainNode:
				name := x.String()
				if (strings.HasSuffix(name, ".T") || strings.HasSuffix(name, ".N")) && i+1 < len(c.Args) {
					if s, ok := c.Args[i+1].(*parse.StringNode); ok {
						ids[s.Text] = true
					}
				}
			case *parse.PipeNode:
				collect(x, ids)
			}
		}
	}
}

// untranslated returns the texts of html, a template's text with actions
// as placeholder, that a user would read and that do not come from an
// action: text between tags, and the values of visible attributes.
func untranslated(html string) []string {
	var out []string
	check := func(s string) {
		s = entity.ReplaceAllString(s, "")
		for _, r := range s {
			if unicode.IsLetter(r) {
				out = append(out, strings.TrimSpace(strings.ReplaceAll(s, string(placeholder), "{{…}}")))
				return
			}
		}
	}
	i := 0
	for i < len(html) {
		lt := strings.IndexByte(html[i:], '<')
		if lt < 0 {
			check(html[i:])
			break
		}
		check(html[i : i+lt])
		i += lt
		if strings.HasPrefix(html[i:], "<!--") {
			end := strings.Index(html[i:], "-->")
			if end < 0 {
				break
			}
			i += end + 3
			continue
		}
		// Inside a tag: skip the name, read the attributes, honour quotes.
		j := i + 1
		for j < len(html) && html[j] != '>' {
			if html[j] == ' ' || html[j] == '\n' {
				j++
				start := j
				for j < len(html) && html[j] != '=' && html[j] != ' ' && html[j] != '>' && html[j] != '\n' {
					j++
				}
				name := strings.ToLower(html[start:j])
				if j < len(html) && html[j] == '=' {
					j++
					var val string
					if j < len(html) && (html[j] == '"' || html[j] == '\'') {
						q := html[j]
						end := strings.IndexByte(html[j+1:], q)
						if end < 0 {
							return append(out, "unterminated attribute "+name)
						}
						val = html[j+1 : j+1+end]
						j += end + 2
					} else {
						start := j
						for j < len(html) && html[j] != ' ' && html[j] != '>' {
							j++
						}
						val = html[start:j]
					}
					if visibleAttrs[name] {
						check(val)
					}
				}
				continue
			}
			j++
		}
		i = j + 1
	}
	return out
}

// templates parses every template of the workspace, as text/template/parse
// trees.
func templates(t *testing.T) map[string]*parse.Tree {
	t.Helper()
	out := map[string]*parse.Tree{}
	files, err := fs.Glob(TemplateFS(), "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	funcs := map[string]any{}
	for k, v := range Funcs(nil) {
		funcs[k] = v
	}
	for _, f := range files {
		src, err := fs.ReadFile(TemplateFS(), f)
		if err != nil {
			t.Fatal(err)
		}
		trees, err := parse.Parse(f, string(src), "{{", "}}", funcs, builtins)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for name, tr := range trees {
			out[f+":"+name] = tr
		}
	}
	return out
}

var builtins = map[string]any{"and": true, "or": true, "not": true, "len": true, "index": true, "print": true, "printf": true, "eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true, "html": true, "js": true, "urlquery": true, "slice": true, "call": true}

// Every text a page shows comes from the catalog: a template that writes
// words itself (<h1>Assessments</h1>, title="Close") fails here.
func TestTemplatesHoldNoText(t *testing.T) {
	for name, tr := range templates(t) {
		var b strings.Builder
		flatten(tr.Root, &b, map[string]bool{})
		for _, s := range untranslated(b.String()) {
			t.Errorf("%s: text not from the catalog: %q", name, s)
		}
	}
}

// The checker itself catches what it must, and lets markup through.
func TestUntranslatedFindsText(t *testing.T) {
	for _, bad := range []string{
		`<h1>Assessments</h1>`,
		`<p class="x">` + string(placeholder) + ` answered</p>`,
		`<button aria-label="Close">×</button>`,
		`<img src="/a.png" alt="Chart">`,
		`<svg><text x="0">Before</text></svg>`,
	} {
		if len(untranslated(bad)) == 0 {
			t.Errorf("%q passed", bad)
		}
	}
	for _, good := range []string{
		`<h1 id="title" class="big">` + string(placeholder) + `</h1>`,
		`<a href="/assessments/` + string(placeholder) + `" data-kind="YES_NO">` + string(placeholder) + ` › ←</a>`,
		`<input type="hidden" name="version" value="` + string(placeholder) + `">`,
		`<!doctype html><html lang="` + string(placeholder) + `">&nbsp;&#43;`,
		`<p aria-label="` + string(placeholder) + `">` + string(placeholder) + `</p>`,
	} {
		if got := untranslated(good); len(got) > 0 {
			t.Errorf("%q: flagged %q", good, got)
		}
	}
}

// Every catalog ID a template names exists in every language; IDs built
// with print ("web.status." .Status) are checked for every value.
func TestTemplateIDsExist(t *testing.T) {
	ids := map[string]bool{}
	for _, tr := range templates(t) {
		var b strings.Builder
		flatten(tr.Root, &b, ids)
	}
	if len(ids) < 50 {
		t.Fatalf("only %d IDs found in the templates", len(ids))
	}
	for _, prefix := range []struct {
		id     string
		values []string
	}{
		{"web.status.", []string{"DRAFT", "SUBMITTED", "VALIDATED"}},
		{"web.planStatus.", []string{"DRAFT", "ADOPTED", "CLOSED"}},
		{"web.unitKind.", []string{"HEADQUARTERS", "DIRECTORATE", "REGIONAL_COMMAND", "LOCAL_STATION", "TRAINING_ACADEMY", "SPECIALISED_UNIT", "GENDER_COMMITTEE", "OVERSIGHT_BODY", "OTHER"}},
		{"web.severity.", []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}},
		{"web.category.", []string{"STRUCTURE", "RESOURCES", "POLICY", "CAPACITY", "MONITORING", "COORDINATION", "OWNERSHIP", "TIMELINE"}},
		{"web.origin.", []string{"RULE", "MANUAL"}},
		{"web.assessment.done.", []string{"submit", "validate", "reopen"}},
	} {
		for _, v := range prefix.values {
			ids[prefix.id+v] = true
		}
	}
	for id := range ids {
		if !strings.HasPrefix(id, "web.") {
			t.Errorf("%q: the workspace's IDs start with web.", id)
		}
		for _, l := range i18n.Languages {
			if !i18n.Has(l, id) {
				t.Errorf("%s: %q is not in the catalog", l, id)
			}
		}
	}
}
