package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/gendertrack/gendertrack/graph/generated"
)

// checkInput runs the input check on query and vars (JSON, numbers kept
// as json.Number) as the executor would: parsed, validated, variables
// coerced.
func checkInput(t *testing.T, introspection bool, query, vars string) *gqlerror.Error {
	t.Helper()
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}})
	c := newInputCheck(introspection)
	if err := c.Validate(es); err != nil {
		t.Fatal(err)
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		t.Fatalf("parse %q: %v", query, err)
	}
	if errs := validator.ValidateWithRules(es.Schema(), doc, rules.NewDefaultRules()); len(errs) > 0 {
		t.Fatalf("validate %q: %v", query, errs)
	}
	raw := map[string]any{}
	if vars != "" {
		dec := json.NewDecoder(strings.NewReader(vars))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
	}
	op := doc.Operations[0]
	coerced, err := validator.VariableValues(es.Schema(), op, raw)
	if err != nil {
		t.Fatalf("variables %s: %v", vars, err)
	}
	oc := &graphql.OperationContext{Doc: doc, Operation: op, Variables: coerced}
	return c.MutateOperationContext(context.Background(), oc)
}

func TestInputCheck(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) }
	plan := func(title, start string) string {
		return `mutation { createActionPlan(input:{institutionId:"x", title:` + title + `, startDate:` + start + `, endDate:"2026-12-31"}) { userErrors { code } } }`
	}
	for _, c := range []struct {
		name, query, vars string
		path              string // "" when the input passes
		code              string // BAD_USER_INPUT unless set
	}{
		{"plain", `{ institutions(search:"ok") { totalCount } }`, ``, "", ""},
		{"NUL in a literal", `{ institutions(search:"a\u0000b") { totalCount } }`, ``, "institutions.search", ""},
		{"NUL under an alias", `{ x: institutions(search:"a\u0000b") { totalCount } }`, ``, "x.search", ""},
		{"NUL in a variable", `query($s:String){ institutions(search:$s) { totalCount } }`, `{"s":"a\u0000b"}`, "variable.s", ""},
		{"NUL in a list variable", `query($ids:[ID!]!){ nodes(ids:$ids) { id } }`, `{"ids":["a","b\u0000"]}`, "variable.ids.1", ""},
		{"NUL in a list literal", `{ nodes(ids:["a","b\u0000"]) { id } }`, ``, "nodes.ids.1", ""},
		{"NUL in an input variable", `mutation($in:CreateInstitutionInput!){ createInstitution(input:$in) { userErrors { code } } }`,
			`{"in":{"name":"a\u0000","sector":"POLICE","country":"ML"}}`, "variable.in.name", ""},
		{"NUL in a variable inside a literal", `mutation($n:String!){ createInstitution(input:{name:$n, sector:POLICE, country:"ML"}) { userErrors { code } } }`,
			`{"n":"a\u0000"}`, "variable.n", ""},
		{"NUL in a fragment", `query { ...F } fragment F on Query { institutions(search:"\u0000") { totalCount } }`, ``, "institutions.search", ""},
		{"NUL in a nested field", `{ institutions { edges { node { units(after:"\u0000") { totalCount } } } } }`, ``, "institutions.edges.node.units.after", ""},
		{"name at the limit", `{ institutions(search:"` + long(200) + `") { totalCount } }`, ``, "", ""},
		{"search over the limit", `{ institutions(search:"` + long(201) + `") { totalCount } }`, ``, "institutions.search", ""},
		{"title at the limit", plan(`"`+long(300)+`"`, `"2026-01-01"`), ``, "", ""},
		{"key over the limit", `{ questionnaire(key:"` + long(101) + `") { id } }`, ``, "questionnaire.key", ""},
		{"ID over the limit", `{ node(id:"` + strings.Repeat("a", 257) + `") { id } }`, ``, "node.id", ""},
		{"free text over the limit", `mutation($d:String){ addFinding(input:{assessmentId:"x", areaKey:"a", title:"t", detail:$d, category:STRUCTURE, severity:LOW}) { userErrors { code } } }`,
			`{"d":"` + strings.Repeat("x", 10001) + `"}`, "variable.d", ""},
		{"bad date literal", plan(`"t"`, `"2026-02-30"`), ``, "createActionPlan.input.startDate", ""},
		{"date number literal", `mutation { createActionPlan(input:{institutionId:"x", title:"t", startDate:20260101, endDate:"2026-12-31"}) { userErrors { code } } }`, ``, "createActionPlan.input.startDate", ""},
		{"date enum literal", `mutation { createActionPlan(input:{institutionId:"x", title:"t", startDate:TODAY, endDate:"2026-12-31"}) { userErrors { code } } }`, ``, "createActionPlan.input.startDate", ""},
		{"bad date variable", `mutation($in:CreateActionPlanInput!){ createActionPlan(input:$in) { userErrors { code } } }`,
			`{"in":{"institutionId":"x","title":"t","startDate":"2026-01-01","endDate":"10000-01-01"}}`, "variable.in.endDate", ""},
		{"bad time variable", `query($s:Time){ auditEvents(filter:{since:$s}) { totalCount } }`, `{"s":"2026-01-01 10:00:00"}`, "variable.s", ""},
		{"good time variable", `query($s:Time){ auditEvents(filter:{since:$s}) { totalCount } }`, `{"s":"2026-01-01T10:00:00+01:00"}`, "", ""},
		{"empty time literal", `{ auditEvents(filter:{since:""}) { totalCount } }`, ``, "auditEvents.filter.since", ""},
		{"decimal number", `mutation($m:Decimal){ addResourceRequirement(input:{actionId:"x", kind:BUDGET, description:"d", amountRequired:$m}) { userErrors { code } } }`,
			`{"m":12345678901234567890.1234}`, "", ""},
		{"decimal 1e400", `mutation($m:Decimal){ addResourceRequirement(input:{actionId:"x", kind:BUDGET, description:"d", amountRequired:$m}) { userErrors { code } } }`,
			`{"m":1e400}`, "variable.m", ""},
		{"inexact decimal literal", `mutation { addResourceRequirement(input:{actionId:"x", kind:BUDGET, description:"d", amountRequired:12345678901234567890.1234}) { userErrors { code } } }`,
			``, "addResourceRequirement.input.amountRequired", ""},
		{"exact decimal literal", `mutation { addResourceRequirement(input:{actionId:"x", kind:BUDGET, description:"d", amountRequired:1250.75}) { userErrors { code } } }`, ``, "", ""},
		{"introspection on", `{ __schema { queryType { name } } }`, ``, "", ""},
		{"typename", `{ __typename }`, ``, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := checkInput(t, true, c.query, c.vars)
			if c.path == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			want := c.code
			if want == "" {
				want = "BAD_USER_INPUT"
			}
			if err == nil {
				t.Fatalf("passed; want %s at %s", want, c.path)
			}
			if got := err.Extensions["code"]; got != want || dotted(err.Path) != c.path {
				t.Fatalf("got %v at %s (%s); want %s at %s", got, dotted(err.Path), err.Message, want, c.path)
			}
			if len(err.Message) > 400 {
				t.Errorf("the message quotes the value: %.100s…", err.Message)
			}
		})
	}
}

func TestInputCheckIntrospectionOff(t *testing.T) {
	for _, q := range []string{
		`{ __schema { queryType { name } } }`,
		`{ __type(name:"Query") { name } }`,
		`query { ...F } fragment F on Query { ... on Query { t: __type(name:"Query") { name } } }`,
	} {
		err := checkInput(t, false, q, "")
		if err == nil || err.Extensions["code"] != "INTROSPECTION_DISABLED" {
			t.Errorf("%s: %v; want INTROSPECTION_DISABLED", q, err)
		}
	}
	if err := checkInput(t, false, `{ __typename institutions { __typename } }`, ""); err != nil {
		t.Errorf("__typename refused: %v", err)
	}
}

// TestInputCheckWalksEachFragmentOnce: fragments spreading the one before
// twice expand to 2^40 fields; the walk visits each once.
func TestInputCheckWalksEachFragmentOnce(t *testing.T) {
	var b strings.Builder
	b.WriteString(`query($s:String){ ...F40 } fragment F0 on Query { institutions(search:$s) { totalCount } }`)
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...F%d }", i, i-1, i-1)
	}
	if err := checkInput(t, true, b.String(), `{"s":"ok"}`); err != nil {
		t.Fatal(err)
	}
	if err := checkInput(t, true, b.String(), `{"s":"\u0000"}`); err == nil || dotted(err.Path) != "variable.s" {
		t.Fatalf("%v; want BAD_USER_INPUT at variable.s", err)
	}
}

func TestLimitFor(t *testing.T) {
	for _, c := range []struct {
		name, scalar string
		want         textLimit
	}{
		{"id", "ID", limitID}, {"institutionIds", "ID", limitID},
		{"name", "String", limitName}, {"title", "String", limitName}, {"genderFocalPoint", "String", limitName},
		{"email", "String", limitEmail}, {"password", "String", limitPassword}, {"search", "String", limitSearch},
		{"questionnaireKey", "String", limitKey}, {"choiceKeys", "String", limitKey}, {"after", "String", limitID},
		{"country", "String", limitKey}, {"currency", "String", limitKey},
		{"description", "String", limitText}, {"textValue", "String", limitText}, {"note", "String", limitText},
		{"document", "String", limitDocument}, {"amountRequired", "Decimal", limitNumber},
	} {
		if got := limitFor(c.name, c.scalar); got != c.want {
			t.Errorf("limitFor(%s, %s) = %v; want %v", c.name, c.scalar, got, c.want)
		}
	}
}

func TestAsBadInput(t *testing.T) {
	v := gqlerror.ErrorPathf(ast.Path{ast.PathName("variable"), ast.PathName("in"), ast.PathName("responses"), ast.PathIndex(2)}, "cannot be null")
	v.Extensions = map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}
	got := asBadInput(v)
	if got == nil || got.Extensions["code"] != "BAD_USER_INPUT" || got.Message != "Variable $in.responses.2: cannot be null" || got.Extensions["variable"] != "in" {
		t.Fatalf("asBadInput = %+v", got)
	}
	if v.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Error("asBadInput changed the original error")
	}
	lit := &gqlerror.Error{Message: `Int cannot represent non-integer value: "x"`, Rule: "ValuesOfCorrectType", Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}}
	if got := asBadInput(lit); got == nil || got.Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("asBadInput(literal) = %+v", got)
	}
	other := &gqlerror.Error{Message: `Cannot query field "x"`, Rule: "FieldsOnCorrectType", Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}}
	if got := asBadInput(other); got != nil {
		t.Errorf("asBadInput(%s) = %+v; want nil", other.Message, got)
	}
}

func TestWithoutSuggestions(t *testing.T) {
	e := &gqlerror.Error{Message: `Value "POLIC" does not exist in "Sector!" enum. Did you mean the enum value "POLICE"?`}
	if got := withoutSuggestions(e, true).Message; got != `Value "POLIC" does not exist in "Sector!" enum.` {
		t.Errorf("withoutSuggestions = %q", got)
	}
	if got := withoutSuggestions(e, false); got != e {
		t.Error("suggestions cut with introspection on")
	}
}
