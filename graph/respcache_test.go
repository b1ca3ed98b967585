package graph

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"

	"github.com/gendertrack/gendertrack/graph/generated"
	"github.com/gendertrack/gendertrack/internal/gid"
)

// An answer depends on the answers side of the data version unless every
// field it selects, through fragments too, is of a type known not to show
// it, and node/nodes ask only for such objects.
func TestReadsAnswers(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	plan, resp := gid.Encode(gid.ActionPlan, 1), gid.Encode(gid.Response, 1)
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		want  bool
	}{
		{"a dashboard", `{ institutions { edges { node { name summary { activePlans openGapFlags budget { currency required } } } } } }`, nil, false},
		{"a plan page by node", `query($id: ID!) { node(id: $id) { ... on ActionPlan { title actions(first: 5) { edges { node { title status } } } } } }`, map[string]any{"id": plan}, false},
		{"a plan page through a fragment", `query($id: ID!) { node(id: $id) { ...P } } fragment P on ActionPlan { title objectives { title } }`, map[string]any{"id": plan}, false},
		{"nodes of plans", `query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }`, map[string]any{"ids": []any{plan, plan}}, false},
		{"a node that is a response", `query($id: ID!) { node(id: $id) { ... on ActionPlan { title } } }`, map[string]any{"id": resp}, true},
		{"nodes with a response among them", `query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }`, map[string]any{"ids": []any{plan, resp}}, true},
		{"a node's id alone (the Node interface)", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": plan}, true},
		{"assessments of an institution", `{ institutions { edges { node { assessments { edges { node { status } } } } } } }`, nil, true},
		{"their count alone", `{ institutions { edges { node { assessments { totalCount } } } } }`, nil, true},
		{"the latest validated assessment", `{ institutions { edges { node { summary { latestValidatedAssessment { title } } } } } }`, nil, true},
		{"the viewer", `{ viewer { name } }`, nil, true},
		{"the audit trail", `{ auditEvents { edges { node { operation } } } }`, nil, true},
		{"an assessment inside a fragment", `{ institutions { edges { node { ...I } } } } fragment I on Institution { assessments { edges { node { title } } } }`, nil, true},
		{"questionnaires", `{ questionnaires { key areas { key questions { key } } } }`, nil, false},
		{"gap flags", `{ gapFlags { edges { node { rule state } } } }`, nil, false},
	}
	for _, c := range cases {
		doc, errs := gqlparser.LoadQueryWithRules(schema, c.query, nil)
		if errs != nil {
			t.Fatalf("%s: %v", c.name, errs)
		}
		oc := &graphql.OperationContext{Operation: doc.Operations[0], Variables: c.vars}
		if got := readsAnswers(oc); got != c.want {
			t.Errorf("%s: readsAnswers = %v, want %v", c.name, got, c.want)
		}
	}
}
