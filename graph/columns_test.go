package graph

import (
	"reflect"
	"slices"
	"testing"

	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/vektah/gqlparser/v2"

	"github.com/gendertrack/gendertrack/graph/generated"
	"github.com/gendertrack/gendertrack/internal/store"
)

// TestOperationColumns: the columns of a type are the union of its fields'
// over the whole operation, fragments included; a field that is not
// listed, a field selected on an interface, or a mutation reads every
// column (nil).
func TestOperationColumns(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	always := narrowable["ResourceRequirement"].always
	tests := []struct {
		name, query string
		typ         string
		want        []string // beyond always; nil: every column
		all         bool
	}{
		{"one field", `query($p:ID!){ node(id:$p){ ... on ActionPlan { actions { edges { node { resources { kind } } } } } } }`,
			"ResourceRequirement", []string{"kind"}, false},
		{"union over places and fragments", `query($p:ID!){ node(id:$p){ ... on ActionPlan { actions { edges { node { resources { kind } } } } } }
			n2: node(id:$p){ ...R } } fragment R on ResourceRequirement { currency status }`,
			"ResourceRequirement", []string{"kind", "currency", "funding_status"}, false},
		{"a type not shown reads its keys", `{ viewer { email } }`, "ResourceRequirement", []string{}, false},
		{"a field not listed", `query($p:ID!){ node(id:$p){ ... on Indicator { name disaggregation { key } } } }`, "Indicator", nil, true},
		{"a mutation", `mutation{ logout { __typename } }`, "ResourceRequirement", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQueryWithRules(schema, tt.query, nil)
			if errs != nil {
				t.Fatal(errs)
			}
			cols, _ := operationColumns(doc.Operations[0])
			got := cols[tt.typ]
			if tt.all {
				if got != nil {
					t.Fatalf("reads %v, want every column", got)
				}
				return
			}
			base := always
			if tt.typ != "ResourceRequirement" {
				base = narrowable[tt.typ].always
			}
			if want := append(slices.Clone(base), tt.want...); !sameSet(got, want) {
				t.Fatalf("reads %v, want %v", got, want)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// TestNarrowableColumnsExist: every column named for a type is a column
// of its model, and every field of the type in the schema is listed or
// knowingly left to read every column.
func TestNarrowableColumnsExist(t *testing.T) {
	models := map[string]any{"Action": store.Action{}, "ResourceRequirement": store.ResourceRequirement{},
		"Unit": store.Unit{}, "Indicator": store.Indicator{}}
	unlisted := map[string][]string{"Indicator": {"disaggregation", "categoryTargets"}}
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	tables := sqlitedialect.New().Tables()
	for typ, c := range narrowable {
		table := tables.Get(reflect.TypeOf(models[typ]))
		cols := slices.Clone(c.always)
		for _, need := range c.fields {
			cols = append(cols, need...)
		}
		for _, col := range cols {
			if _, ok := table.FieldMap[col]; !ok {
				t.Errorf("%s: %s is no column of %s", typ, col, table.Name)
			}
		}
		for _, f := range schema.Types[typ].Fields {
			if _, ok := c.fields[f.Name]; !ok && !slices.Contains(unlisted[typ], f.Name) && f.Name[0] != '_' {
				t.Errorf("%s.%s is not in columnsOf: it makes every query that shows it read every column", typ, f.Name)
			}
		}
	}
}

// TestLatestInRow: Indicator.latest is built from the indicator's row only
// when every place the operation selects it asks what the row keeps.
func TestLatestInRow(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	for _, tt := range []struct {
		query string
		want  bool
	}{
		{`query($p:ID!){ node(id:$p){ ... on Indicator { latest { value measuredOn } } } }`, true},
		{`query($p:ID!){ node(id:$p){ ... on Indicator { latest { ...M breakdown { value } indicator { name measurements { id } } } } } } fragment M on Measurement { value }`, true},
		{`query($p:ID!){ node(id:$p){ ... on Indicator { name } } }`, true},
		{`query($p:ID!){ node(id:$p){ ... on Indicator { latest { id value } } } }`, false},
		{`query($p:ID!){ node(id:$p){ ... on Indicator { latest { ... on Node { id } } } } }`, false},
		{`query($p:ID!){ a: node(id:$p){ ... on Indicator { latest { value } } } b: node(id:$p){ ... on Indicator { latest { source } } } }`, false},
		{`mutation{ logout { __typename } }`, false},
	} {
		doc, errs := gqlparser.LoadQueryWithRules(schema, tt.query, nil)
		if errs != nil {
			t.Fatal(errs)
		}
		if _, got := operationColumns(doc.Operations[0]); got != tt.want {
			t.Errorf("%s: latest in row = %v", tt.query, got)
		}
	}
}
