package generated

import (
	"bytes"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestResolvesConcurrently: a list marshals serially unless a field below
// its elements, at any depth and through fragments, is resolved in a
// goroutine.
func TestResolvesConcurrently(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	for _, tt := range []struct {
		query string
		want  bool
	}{
		{`query($p:ID!){ node(id:$p){ ... on Action { resources { kind amountRequired } } } }`, false},
		{`query($p:ID!){ node(id:$p){ ... on Action { resources { kind action { id } } } } }`, true},
		{`query($p:ID!){ node(id:$p){ ... on Action { resources { ...R } } } } fragment R on ResourceRequirement { action { id } }`, true},
		{`query($p:ID!){ node(id:$p){ ... on Action { resources { kind provider { name } } } } }`, false},
		{`query($p:ID!){ node(id:$p){ ... on Action { resources { kind } leadUnit { name } } } }`, false},
	} {
		doc, errs := gqlparser.LoadQueryWithRules(schema, tt.query, nil)
		if errs != nil {
			t.Fatal(errs)
		}
		// The selection on the elements of Action.resources.
		var sel ast.SelectionSet
		var find func(ast.SelectionSet)
		find = func(s ast.SelectionSet) {
			for _, x := range s {
				switch x := x.(type) {
				case *ast.Field:
					if x.Name == "resources" {
						sel = x.SelectionSet
					}
					find(x.SelectionSet)
				case *ast.InlineFragment:
					find(x.SelectionSet)
				}
			}
		}
		find(doc.Operations[0].SelectionSet)
		if got := resolvesConcurrently(sel); got != tt.want {
			t.Errorf("%s: resolvesConcurrently = %v", tt.query, got)
		}
	}
}

// TestEachField visits fields through fragments, each named fragment once
// however often it is spread, and stops when told.
func TestEachField(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	doc, errs := gqlparser.LoadQueryWithRules(schema, `query($p:ID!){ a: node(id:$p){ ...A } b: node(id:$p){ ...A } }
		fragment A on Action { id resources { kind } ... on Action { title } }`, nil)
	if errs != nil {
		t.Fatal(errs)
	}
	var names []string
	if !EachField(doc.Operations[0].SelectionSet, func(f *ast.Field) bool { names = append(names, f.Name); return true }) {
		t.Fatal("a full walk reports a stop")
	}
	if got := strings.Join(names, " "); got != "node id resources kind title node" {
		t.Errorf("visited %q", got)
	}
	n := 0
	if EachField(doc.Operations[0].SelectionSet, func(f *ast.Field) bool { n++; return f.Name != "resources" }) || n != 3 {
		t.Errorf("a stop at resources visited %d fields", n)
	}
}

// TestObjectFields writes what graphql.FieldSet writes: the fields in
// order, a name that comes twice once (the first), an empty object.
func TestObjectFields(t *testing.T) {
	field := func(alias string) graphql.CollectedField {
		return graphql.CollectedField{Field: &ast.Field{Alias: alias, Name: alias}}
	}
	for _, aliases := range [][]string{nil, {"id"}, {"id", "title", "leadUnit"}, {"id", "name", "id"}, {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "m", "title", "titles", "x"}} {
		fields := make([]graphql.CollectedField, len(aliases))
		for i, a := range aliases {
			fields[i] = field(a)
		}
		set := graphql.NewFieldSet(fields)
		for i := range fields {
			set.Values[i] = graphql.MarshalInt(i)
		}
		var want, got bytes.Buffer
		set.MarshalGQL(&want)
		objectFields{fields, set}.MarshalGQL(&got)
		if got.String() != want.String() {
			t.Errorf("%v: wrote %s, FieldSet writes %s", aliases, got.String(), want.String())
		}
	}
}

// TestFullPlanPageIsSerial: the actions of a plan page asking every
// relation the workspace and partners show (objective, findings, providers,
// authors, gap flags: resolvers called in place) marshal one after the
// other; asking their plan (a dataloader's batch) makes them wait
// together.
func TestFullPlanPageIsSerial(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	page := `query($p:ID!){ node(id:$p){ ... on ActionPlan { actions(first:100){ edges{ cursor node{ id title health
		objective{ id title } leadUnit{ name } supportingUnits{ name } partners{ name kind } findings{ id title }
		resources{ kind provider{ name } } indicators{ name status measurements{ value } latest{ value } }
		updates(first:3){ totalCount edges{ node{ note evidence author{ name } } } } gapFlags{ id rule severity state } %s } } } } } }`
	for _, tt := range []struct {
		extra string
		want  bool
	}{{"", false}, {"plan{ id }", true}} {
		doc, errs := gqlparser.LoadQueryWithRules(schema, strings.Replace(page, "%s", tt.extra, 1), nil)
		if errs != nil {
			t.Fatal(errs)
		}
		var edges ast.SelectionSet
		EachField(doc.Operations[0].SelectionSet, func(f *ast.Field) bool {
			if f.Name == "edges" && edges == nil {
				edges = f.SelectionSet
			}
			return true
		})
		if got := resolvesConcurrently(edges); got != tt.want {
			t.Errorf("with %q: the action edges resolve concurrently = %v", tt.extra, got)
		}
	}
}
