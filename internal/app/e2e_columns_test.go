package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/demo"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// introType is the part of an introspected type the test builds
// selections from.
type introType struct {
	Kind, Name string
	OfType     *introType
}

func (t *introType) base() *introType {
	for t.OfType != nil {
		t = t.OfType
	}
	return t
}

type introField struct {
	Name string
	Args []struct {
		Name         string
		DefaultValue *string
		Type         introType
	}
	Type introType
}

// TestNarrowReadsShowEveryField: a query reads of actions, resource
// requirements, units and indicators only the columns its fields show
// (graph/columns.go). Every field of those types, asked alone and all
// together, through every narrowed path (a plan's page of actions, their
// resources, lead and supporting units, indicators, an objective's
// indicators, node), answers what a server that reads every column
// (GENDERTRACK_NARROW_READS=false) answers on the same database. A field
// whose columns were forgotten reads a zero value and fails here.
func TestNarrowReadsShowEveryField(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		// No background role polls among the statements counted below.
		narrow := start(t, dsn, func(c *app.Config) { c.Demo = true; c.RolePoll = time.Hour })
		wide := start(t, dsn, func(c *app.Config) { c.NarrowReads = false })
		tok := narrow.login("admin@demo.gendertrack.org", demo.Password)
		wtok := wide.login("admin@demo.gendertrack.org", demo.Password)
		plans := narrow.gql(tok, `{ institutions(first:10){ edges{ node{ actionPlans(first:10, status:ADOPTED){ edges{ node{ id actions(first:1){ edges{ node{ id } } } } } } } } } }`, nil).OK()
		plan := plans.Str("institutions.edges.0.node.actionPlans.edges.0.node.id")
		action := plans.Str("institutions.edges.0.node.actionPlans.edges.0.node.actions.edges.0.node.id")

		types := map[string][]introField{}
		intro := func(name string) []introField {
			if fs, ok := types[name]; ok {
				return fs
			}
			r := narrow.gql(tok, `query($n:String!){ __type(name:$n){ fields{ name args{ name defaultValue type{ kind name ofType{ kind name } } }
				type{ kind name ofType{ kind name ofType{ kind name ofType{ kind name } } } } } } }`, map[string]any{"n": name}).OK()
			var out struct{ Fields []introField }
			if err := json.Unmarshal([]byte(jsonOf(t, r.Get("__type"))), &out); err != nil {
				t.Fatal(err)
			}
			types[name] = out.Fields
			return out.Fields
		}
		// callable: no argument without a default is required.
		callable := func(f introField) bool {
			for _, a := range f.Args {
				if a.Type.Kind == "NON_NULL" && a.DefaultValue == nil {
					return false
				}
			}
			return true
		}
		// sel is the selection of a field of base type b: its scalars (and
		// a connection's edges and nodes').
		var sel func(b *introType, depth int) string
		sel = func(b *introType, depth int) string {
			if b.Kind != "OBJECT" && b.Kind != "INTERFACE" && b.Kind != "UNION" {
				return ""
			}
			parts := []string{"__typename"}
			if b.Kind == "OBJECT" && depth < 3 {
				for _, f := range intro(b.Name) {
					if !callable(f) {
						continue
					}
					if fb := f.Type.base(); fb.Kind == "SCALAR" || fb.Kind == "ENUM" {
						parts = append(parts, f.Name)
					} else if f.Name == "edges" || f.Name == "node" {
						parts = append(parts, f.Name+sel(fb, depth+1))
					}
				}
			}
			return "{ " + strings.Join(parts, " ") + " }"
		}
		// paths lead, from a plan, to objects of each narrowed type; %s is
		// the selection on them.
		paths := map[string][]string{
			"Action": {
				`node(id:$p){ ... on ActionPlan { actions(first:25){ edges{ node{ id %s } } } } }`,
				`node(id:$a){ ... on Action { id %s } }`,
			},
			"ResourceRequirement": {`node(id:$p){ ... on ActionPlan { actions(first:25){ edges{ node{ id resources{ id %s } } } } } }`},
			"Unit": {
				`node(id:$p){ ... on ActionPlan { actions(first:25){ edges{ node{ id leadUnit{ id %s } } } } } }`,
				`node(id:$p){ ... on ActionPlan { actions(first:25){ edges{ node{ id supportingUnits{ id %s } } } } } }`,
			},
			"Indicator": {
				`node(id:$p){ ... on ActionPlan { actions(first:25){ edges{ node{ id indicators{ id %s } } } } } }`,
				`node(id:$p){ ... on ActionPlan { objectives{ id indicators{ id %s } } } }`,
			},
		}
		vars := map[string]any{"p": plan, "a": action}
		compare := func(typ, path, fields string) {
			q := `query($p:ID!){ ` + fmt.Sprintf(path, fields) + ` }`
			v := map[string]any{"p": vars["p"]}
			if strings.Contains(path, "$a") {
				q, v = `query($a:ID!){ `+fmt.Sprintf(path, fields)+` }`, map[string]any{"a": vars["a"]}
			}
			got := narrow.gql(tok, q, v).OK()
			want := wide.gql(wtok, q, v).OK()
			if g, w := jsonOf(t, got.Data), jsonOf(t, want.Data); g != w {
				t.Errorf("%s { %s } through %s reads\n%s\nwith every column\n%s", typ, fields, path, g, w)
			}
		}
		for typ, ps := range paths {
			var all []string
			for _, f := range intro(typ) {
				if !callable(f) {
					continue
				}
				s := f.Name + sel(f.Type.base(), 1)
				all = append(all, s)
				for _, p := range ps {
					compare(typ, p, s)
				}
			}
			if len(all) < 8 {
				t.Fatalf("%s has %d fields", typ, len(all))
			}
			for _, p := range ps {
				compare(typ, p, strings.Join(all, " "))
			}
		}
		// An indicator's latest measurement asked only for what the
		// indicator's row keeps of it is built from the row
		// (graph/columns.go, latestInRow): the same as the measurement
		// read from its table.
		inRow := `latest{ __typename value measuredOn breakdown{ value categories{ dimension category } } indicator{ id name } }`
		for _, p := range paths["Indicator"] {
			compare("Indicator", p, inRow)
			compare("Indicator", p, "name "+inRow+" status")
		}
		// And some of the demo plan's indicators have been measured, with
		// a breakdown; read so, their latest measurements cost no
		// statement of their own.
		statements := func(fields string) int64 {
			before := narrow.srv.DB.Queries()
			r := narrow.gql(tok, `query($p:ID!){ `+fmt.Sprintf(paths["Indicator"][1], fields)+` }`, vars).OK()
			if !strings.Contains(string(r.Raw), `"breakdown":[{"value":`) {
				t.Errorf("no latest measurement of the demo plan's objectives has a breakdown: %s", r.Raw)
			}
			return narrow.srv.DB.Queries() - before
		}
		if row, table := statements(inRow), statements(strings.Replace(inRow, "value", "id value", 1)); row >= table {
			t.Errorf("the latest measurements from the indicators' rows took %d statements, from their table %d", row, table)
		}
		// The demo plan shows something of each type, so that the
		// comparisons above compare values.
		r := narrow.gql(tok, `query($p:ID!){ node(id:$p){ ... on ActionPlan { actions(first:100){ edges{ node{ title leadUnit{ name } resources{ kind } indicators{ name } } } } } } }`, map[string]any{"p": plan}).OK()
		body := string(r.Raw)
		for _, s := range []string{`"title":"`, `"leadUnit":{"name":"`, `"resources":[{"kind":"`, `"indicators":[{"name":"`} {
			if !strings.Contains(body, s) {
				t.Errorf("the demo plan's actions show no %s", s)
			}
		}
	})
}
