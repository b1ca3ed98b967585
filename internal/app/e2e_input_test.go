package app_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// inputEnv is a server whose log lines the test reads, with the ADMIN
// signed in.
type inputEnv struct {
	*env
	tok  string
	mu   *sync.Mutex
	logs *bytes.Buffer
}

// eachInput runs fn against a fresh server on SQLite and on PostgreSQL,
// then checks that the server logged no ERROR line: bad input is the
// client's error, never an internal one (RULES.md section 2).
func eachInput(t *testing.T, fn func(t *testing.T, e *inputEnv), opts ...func(*app.Config)) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		cfg := app.Defaults()
		cfg.DB = dsn
		cfg.Now = func() time.Time { return time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC) }
		withAdmin(&cfg)
		for _, o := range opts {
			o(&cfg)
		}
		var mu sync.Mutex
		var buf bytes.Buffer
		e := &inputEnv{env: serve(t, cfg, slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil))), mu: &mu, logs: &buf}
		e.tok = e.admin()
		fn(t, e)
		mu.Lock()
		defer mu.Unlock()
		if strings.Contains(buf.String(), "level=ERROR") {
			t.Fatalf("bad input logged an ERROR line:\n%s", buf.String())
		}
	})
}

// badInput fails the test unless r is refused with code at path (dotted,
// "variable.in.title"), as a GraphQL error, without data.
func badInput(t *testing.T, r *resp, code, path string) {
	t.Helper()
	if len(r.Errors) == 0 {
		t.Fatalf("accepted; want %s at %s: %s", code, path, r.Raw)
	}
	e := r.Errors[0]
	var p []string
	for _, x := range e.Path {
		p = append(p, fmt.Sprint(x))
	}
	if r.Code() != code || strings.Join(p, ".") != path {
		t.Fatalf("got %s at %s; want %s at %s: %s", r.Code(), strings.Join(p, "."), code, path, r.Raw)
	}
	if r.Status >= 500 || r.Data != nil {
		t.Fatalf("HTTP %d with data: %s", r.Status, r.Raw)
	}
}

// TestMalformedDatesAreBadInput: every Date and Time that is not strictly
// YYYY-MM-DD (a real day of 0001-9999) or RFC 3339, in a literal or in a
// variable, answers BAD_USER_INPUT at its path, and nothing is created.
func TestMalformedDatesAreBadInput(t *testing.T) {
	t.Parallel()
	eachInput(t, func(t *testing.T, e *inputEnv) {
		inst := e.mkInstitution(e.tok, "Dates")
		const byVar = `mutation($i:ID!,$s:Date!){ createActionPlan(input:{institutionId:$i,title:"P",startDate:$s,endDate:"2026-12-31"}){ plan{ id } userErrors{ code } } }`
		const byInput = `mutation($in:CreateActionPlanInput!){ createActionPlan(input:$in){ plan{ id } userErrors{ code } } }`
		for _, bad := range []any{"0000-00-00", "0000-01-01", "2026-02-30", "2026-1-1", "", "10000-01-01", " 2026-01-01", "2026-01-01T00:00:00Z", 20260101, true} {
			badInput(t, e.gql(e.tok, byVar, map[string]any{"i": inst, "s": bad}), "BAD_USER_INPUT", "variable.s")
			in := map[string]any{"institutionId": inst, "title": "P", "startDate": "2026-01-01", "endDate": bad}
			badInput(t, e.gql(e.tok, byInput, map[string]any{"in": in}), "BAD_USER_INPUT", "variable.in.endDate")
		}
		for _, lit := range []string{`"0000-00-00"`, `"2026-02-30"`, `"2026-1-1"`, `""`, `"10000-01-01"`, `20260101`, `2026.5`, `TODAY`} {
			q := `mutation($i:ID!){ createActionPlan(input:{institutionId:$i,title:"P",startDate:` + lit + `,endDate:"2026-12-31"}){ plan{ id } userErrors{ code } } }`
			badInput(t, e.gql(e.tok, q, map[string]any{"i": inst}), "BAD_USER_INPUT", "createActionPlan.input.startDate")
		}
		// A good first field does not run when a later one is bad: the
		// check is made before anything runs.
		two := `mutation($i:ID!){ a: createActionPlan(input:{institutionId:$i,title:"A",startDate:"2026-01-01",endDate:"2026-12-31"}){ plan{ id } }
			b: createActionPlan(input:{institutionId:$i,title:"B",startDate:"2026-02-30",endDate:"2026-12-31"}){ plan{ id } } }`
		badInput(t, e.gql(e.tok, two, map[string]any{"i": inst}), "BAD_USER_INPUT", "b.input.startDate")
		plans := `query($i:ID!){ node(id:$i){ ... on Institution { actionPlans{ totalCount } } } }`
		if n := e.gql(e.tok, plans, map[string]any{"i": inst}).OK().Num("node.actionPlans.totalCount"); n != 0 {
			t.Fatalf("%v plans were created from bad dates", n)
		}
		// A good date still works.
		e.planMutate(e.tok, "createActionPlan", byVar, map[string]any{"i": inst, "s": "2024-02-29"})

		const since = `query($s:Time){ auditEvents(filter:{since:$s}){ totalCount } }`
		for _, bad := range []any{"", "2026-01-01", "2026-01-01 10:00:00", "2026-01-01T10:00:00", "2026-02-30T00:00:00Z", "2026-01-01T10:00:00,5Z", 1767261600} {
			badInput(t, e.gql(e.tok, since, map[string]any{"s": bad}), "BAD_USER_INPUT", "variable.s")
		}
		badInput(t, e.gql(e.tok, `{ auditEvents(filter:{since:"2026-01-01 10:00:00"}){ totalCount } }`, nil), "BAD_USER_INPUT", "auditEvents.filter.since")
		if n := e.gql(e.tok, since, map[string]any{"s": "2026-01-01T00:00:00+01:00"}).OK().Num("auditEvents.totalCount"); n < 1 {
			t.Fatalf("no audit events since 2026: %v", n)
		}
	})
}

// TestDecimalNumbersAreReadExactly: a Decimal sent as a JSON number is read
// from its text, exactly; what cannot be read is refused cleanly.
func TestDecimalNumbersAreReadExactly(t *testing.T) {
	t.Parallel()
	eachInput(t, func(t *testing.T, e *inputEnv) {
		inst := e.mkInstitution(e.tok, "Money")
		plan := e.planMutate(e.tok, "createActionPlan", planCreate, map[string]any{"i": inst, "t": "P", "s": "2026-01-01", "e": "2026-12-31"}).Str("createActionPlan.plan.id")
		action := e.planMutate(e.tok, "createAction", planAction, map[string]any{"p": plan, "t": "A", "k": "TRAINING"}).Str("createAction.action.id")
		const add = `mutation($a:ID!,$m:Decimal){ addResourceRequirement(input:{actionId:$a,kind:BUDGET,description:"d",amountRequired:$m,currency:"XOF"}){ resource{ amountRequired } userErrors{ code field } } }`
		created := 0
		for number, want := range map[string]string{
			"12345678901234567890.1234": "12345678901234567890.1234", // more digits than a float64 holds
			"1250000.50":                "1250000.5",
			"1.5e3":                     "1500",
			"25E-2":                     "0.25",
		} {
			r := e.planMutate(e.tok, "addResourceRequirement", add, map[string]any{"a": action, "m": json.Number(number)})
			if got := r.Str("addResourceRequirement.resource.amountRequired"); got != want {
				t.Errorf("%s read as %q; want %q", number, got, want)
			}
			created++
		}
		// Beyond what a plain form of 100 characters holds: the scalar refuses.
		for _, number := range []string{"1e400", "1e-400", "0." + strings.Repeat("1", 200)} {
			badInput(t, e.gql(e.tok, add, map[string]any{"a": action, "m": json.Number(number)}), "BAD_USER_INPUT", "variable.m")
		}
		// Readable but out of range or precision: the service's userError.
		for _, m := range []any{json.Number("0.00001"), json.Number(strings.Repeat("9", 29)), "NaN", "1e5", json.Number("-1")} {
			if ue := e.planErrors(e.tok, "addResourceRequirement", add, map[string]any{"a": action, "m": m}); ue != "INVALID@input.amountRequired" {
				t.Errorf("%v: %q; want INVALID@input.amountRequired", m, ue)
			}
		}
		// Literals of the document: exact when a float64 holds them, else refused.
		lit := func(v string) string {
			return `mutation($a:ID!){ addResourceRequirement(input:{actionId:$a,kind:BUDGET,description:"d",amountRequired:` + v + `,currency:"XOF"}){ resource{ amountRequired } userErrors{ code } } }`
		}
		if got := e.planMutate(e.tok, "addResourceRequirement", lit("1250.75"), map[string]any{"a": action}).Str("addResourceRequirement.resource.amountRequired"); got != "1250.75" {
			t.Errorf("literal 1250.75 read as %q", got)
		}
		created++
		badInput(t, e.gql(e.tok, lit("12345678901234567890.1234"), map[string]any{"a": action}), "BAD_USER_INPUT", "addResourceRequirement.input.amountRequired")
		if r := e.gql(e.tok, lit("1e400"), map[string]any{"a": action}); r.Code() != "BAD_USER_INPUT" || r.Data != nil {
			t.Fatalf("literal 1e400: %s", r.Raw)
		}
		r := e.gql(e.tok, `query($a:ID!){ node(id:$a){ ... on Action { resources{ id } } } }`, map[string]any{"a": action}).OK()
		if n := r.Len("node.resources"); n != created {
			t.Fatalf("%d requirements stored; want %d", n, created)
		}
	})
}

// TestNULAndOverlongStringsAreBadInput: a NUL character anywhere, or a
// string over its kind's limit (README.md, "Input limits"), is refused
// with the field at fault before anything runs.
func TestNULAndOverlongStringsAreBadInput(t *testing.T) {
	t.Parallel()
	eachInput(t, func(t *testing.T, e *inputEnv) {
		inst := e.mkInstitution(e.tok, "Strings")
		const create = `mutation($n:String!){ createInstitution(input:{name:$n, sector:POLICE, country:"ML"}){ institution{ id } userErrors{ code field } } }`
		const createIn = `mutation($in:CreateInstitutionInput!){ createInstitution(input:$in){ institution{ id } userErrors{ code field } } }`
		badInput(t, e.gql(e.tok, create, map[string]any{"n": "Police\x00"}), "BAD_USER_INPUT", "variable.n")
		badInput(t, e.gql(e.tok, createIn, map[string]any{"in": map[string]any{"name": "P", "acronym": "\x00", "sector": "POLICE", "country": "ML"}}), "BAD_USER_INPUT", "variable.in.acronym")
		badInput(t, e.gql(e.tok, `mutation{ createInstitution(input:{name:"Police\u0000", sector:POLICE, country:"ML"}){ userErrors{ code } } }`, nil), "BAD_USER_INPUT", "createInstitution.input.name")
		badInput(t, e.gql(e.tok, `query($ids:[ID!]!){ nodes(ids:$ids){ id } }`, map[string]any{"ids": []string{inst, "x\x00"}}), "BAD_USER_INPUT", "variable.ids.1")
		badInput(t, e.gql(e.tok, `query($s:String){ institutions(search:$s){ totalCount } }`, map[string]any{"s": "\x00"}), "BAD_USER_INPUT", "variable.s")
		badInput(t, e.gql(e.tok, `{ institutions(search:"a\u0000"){ totalCount } }`, nil), "BAD_USER_INPUT", "institutions.search")
		// GET keeps the variables' text as POST does.
		get := "/graphql?query=" + url.QueryEscape(`query($s:String){ institutions(search:$s){ totalCount } }`) + "&variables=" + url.QueryEscape(`{"s":"a\u0000"}`)
		res, body := e.raw("GET", get, nil, map[string]string{"Authorization": "Bearer " + e.tok})
		if res.StatusCode >= 500 || !contains(string(body), `"BAD_USER_INPUT"`) || !contains(string(body), `"path":["variable","s"]`) {
			t.Fatalf("GET with a NUL variable: HTTP %d %s", res.StatusCode, body)
		}
		// A NUL in a password is refused without quoting the password.
		r := e.gql("", `mutation($e:String!,$p:String!){ login(input:{email:$e,password:$p}){ token userErrors{ code } } }`,
			map[string]any{"e": adminEmail, "p": "secret-\x00-password"})
		badInput(t, r, "BAD_USER_INPUT", "variable.p")
		if contains(string(r.Raw), "secret-") {
			t.Fatalf("the answer quotes the password: %s", r.Raw)
		}

		// Over-long: the limit of each kind, in characters, not bytes.
		for _, c := range []struct {
			query string
			vars  map[string]any
			path  string
		}{
			{create, map[string]any{"n": strings.Repeat("é", 301)}, "variable.n"},
			{`mutation($e:String!){ createUser(input:{email:$e, name:"N", password:"a-password-1"}){ userErrors{ code } } }`,
				map[string]any{"e": strings.Repeat("a", 250) + "@x.org"}, "variable.e"},
			{`query($s:String){ institutions(search:$s){ totalCount } }`, map[string]any{"s": strings.Repeat("%", 201)}, "variable.s"},
			{`query($k:String!){ questionnaire(key:$k){ id } }`, map[string]any{"k": strings.Repeat("k", 101)}, "variable.k"},
			{`query($i:ID!){ node(id:$i){ id } }`, map[string]any{"i": strings.Repeat("A", 257)}, "variable.i"},
			{`mutation($i:ID!,$d:String){ updateInstitution(input:{id:$i, expectedVersion:1, name:$d}){ userErrors{ code } } }`,
				map[string]any{"i": inst, "d": strings.Repeat("n", 10_001)}, "variable.d"},
			{`mutation($i:ID!,$p:String!){ raiseGapFlag(input:{institutionId:$i, category:STRUCTURE, severity:LOW, message:$p}){ userErrors{ code } } }`,
				map[string]any{"i": inst, "p": strings.Repeat("m", 10_001)}, "variable.p"},
		} {
			badInput(t, e.gql(e.tok, c.query, c.vars), "BAD_USER_INPUT", c.path)
		}
		// Under the kind's limit, a service's tighter limit answers its userError.
		if ue := e.planErrors(e.tok, "createInstitution", create, map[string]any{"n": strings.Repeat("é", 250)}); ue != "INVALID@input.name" {
			t.Fatalf("a 250-character name: %q", ue)
		}
		// 300 two-byte characters are a title of 300 characters.
		title := strings.Repeat("é", 300)
		r = e.planMutate(e.tok, "createActionPlan", planCreate, map[string]any{"i": inst, "t": title, "s": "2026-01-01", "e": "2026-12-31"})
		if r.Str("createActionPlan.plan.title") != title {
			t.Fatalf("title not kept: %s", r.Raw)
		}
		if n := e.gql(e.tok, `{ institutions{ totalCount } }`, nil).OK().Num("institutions.totalCount"); n != 1 {
			t.Fatalf("%v institutions; bad input created some", n)
		}
	})
}

// TestSearchPatternsAreLiteral: LIKE wildcards in a search match
// themselves, on both databases.
func TestSearchPatternsAreLiteral(t *testing.T) {
	t.Parallel()
	eachInput(t, func(t *testing.T, e *inputEnv) {
		for _, n := range []string{"100% Women", "Under_score", `Back\slash`, "Plain", "Plan B"} {
			e.mkInstitution(e.tok, n)
		}
		for search, want := range map[string]float64{"%": 1, "0%": 1, "_": 1, `\`: 1, `\s`: 1, "pla": 2, "Pl_n": 0, "P%n": 0, "": 5} {
			r := e.gql(e.tok, `query($s:String){ institutions(search:$s){ totalCount } }`, map[string]any{"s": search}).OK()
			if got := r.Num("institutions.totalCount"); got != want {
				t.Errorf("search %q matches %v institutions; want %v", search, got, want)
			}
		}
		r := e.gql(e.tok, `query($s:String){ institutions(search:$s){ totalCount } }`, map[string]any{"s": strings.Repeat("é", 200)}).OK()
		if r.Num("institutions.totalCount") != 0 {
			t.Fatalf("a 200-character search: %s", r.Raw)
		}
	})
}

// TestVariablesThatDoNotCoerceAreBadInput: a variable of the wrong type
// is the client's error, at the variable's path.
func TestVariablesThatDoNotCoerceAreBadInput(t *testing.T) {
	t.Parallel()
	eachInput(t, func(t *testing.T, e *inputEnv) {
		badInput(t, e.gql(e.tok, `query($n:Int){ institutions(first:$n){ totalCount } }`, map[string]any{"n": "many"}), "BAD_USER_INPUT", "variable.n")
		badInput(t, e.gql(e.tok, `query($i:ID!){ node(id:$i){ id } }`, map[string]any{}), "BAD_USER_INPUT", "variable.i")
		badInput(t, e.gql(e.tok, `mutation($in:CreateInstitutionInput!){ createInstitution(input:$in){ userErrors{ code } } }`,
			map[string]any{"in": map[string]any{"name": "N", "sector": "POLICE", "country": "ML", "bogus": 1}}), "BAD_USER_INPUT", "variable.in.bogus")
		if r := e.gql(e.tok, `{ institutions(first:"many"){ totalCount } }`, nil); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("a literal of the wrong type: %s", r.Raw)
		}
	})
}

// TestIntrospectionOff: with GENDERTRACK_INTROSPECTION=false, __schema and
// __type answer INTROSPECTION_DISABLED, no message suggests names, and
// __typename still works.
func TestIntrospectionOff(t *testing.T) {
	t.Parallel()
	eachInput(t, func(t *testing.T, e *inputEnv) {
		for _, q := range []string{
			`{ __schema { types { name } } }`,
			`{ __type(name:"Institution") { fields { name } } }`,
			`query { ...F } fragment F on Query { t: __type(name:"Query") { name } }`,
		} {
			r := e.gql(e.tok, q, nil)
			if r.Code() != "INTROSPECTION_DISABLED" || r.Data != nil || contains(string(r.Raw), "Institution\",") {
				t.Fatalf("%s: %s", q, r.Raw)
			}
		}
		if r := e.gql("", `{ __typename }`, nil).OK(); r.Str("__typename") != "Query" {
			t.Fatalf("__typename: %s", r.Raw)
		}
		for _, q := range []string{
			`{ institutons { totalCount } }`,
			`{ institutions { totalCount edgs { cursor } } }`,
			`{ institutions(frist: 1) { totalCount } }`,
			`mutation { createInstitution(input:{name:"x", sector:POLIC, country:"ML"}) { userErrors { code } } }`,
			`mutation { createInstitution(input:{nam:"x", sector:POLICE, country:"ML"}) { userErrors { code } } }`,
			`query($x: Institutio) { __typename }`,
			`{ institutions }`,
		} {
			r := e.gql(e.tok, q, nil)
			if len(r.Errors) == 0 || contains(string(r.Raw), "Did you mean") || contains(string(r.Raw), "INTERNAL") {
				t.Fatalf("%s: %s", q, r.Raw)
			}
		}
	}, func(c *app.Config) { c.Introspection = false })
	// With introspection on, both answer (and suggestions help).
	e := start(t, "sqlite:"+t.TempDir()+"/on.db")
	e.gql("", `{ __schema { queryType { name } } }`, nil).OK()
	if r := e.gql("", `{ institutons { totalCount } }`, nil); !contains(string(r.Raw), "Did you mean") {
		t.Fatalf("no suggestion with introspection on: %s", r.Raw)
	}
}

// TestOnlyCanonicalIDsDecode: every other spelling of an object's ID
// names nothing: node gives null, a mutation answers NOT_FOUND and
// changes nothing.
func TestOnlyCanonicalIDsDecode(t *testing.T) {
	t.Parallel()
	eachInput(t, func(t *testing.T, e *inputEnv) {
		inst := e.mkInstitution(e.tok, "Canonical")
		b, err := base64.RawURLEncoding.DecodeString(inst)
		if err != nil {
			t.Fatal(err)
		}
		typ, num, _ := strings.Cut(string(b), ":")
		enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		trailing := []byte(inst)
		if len(b)%3 == 0 {
			t.Fatalf("%q leaves no bits over; pick another name", b)
		}
		trailing[len(trailing)-1]++ // the last character's unused low bits
		variants := map[string]string{
			"leading zero":   enc(typ + ":0" + num),
			"plus sign":      enc(typ + ":+" + num),
			"space":          enc(typ + ": " + num),
			"padded":         base64.URLEncoding.EncodeToString(b),
			"trailing bits":  string(trailing),
			"newline inside": inst[:3] + "\n" + inst[3:],
		}
		for name, g := range variants {
			if g == inst {
				t.Fatalf("%s: the variant is the canonical ID", name)
			}
			r := e.gql(e.tok, `query($i:ID!){ node(id:$i){ id } nodes(ids:[$i]){ id } }`, map[string]any{"i": g}).OK()
			if r.Get("node") != nil || r.Get("nodes.0") != nil {
				t.Errorf("%s: %q names the institution: %s", name, g, r.Raw)
			}
			ue := e.planErrors(e.tok, "updateInstitution", `mutation($i:ID!){ updateInstitution(input:{id:$i, expectedVersion:1, name:"Changed"}){ userErrors{ code field } } }`, map[string]any{"i": g})
			if ue != "NOT_FOUND@input.id" {
				t.Errorf("%s: updateInstitution answered %q", name, ue)
			}
		}
		r := e.gql(e.tok, `query($i:ID!){ node(id:$i){ id ... on Institution { name version } } }`, map[string]any{"i": inst}).OK()
		if r.Str("node.id") != inst || r.Str("node.name") != "Canonical" || r.Num("node.version") != 1 {
			t.Fatalf("the institution changed: %s", r.Raw)
		}
	})
}

// TestDeferAndStreamAreRefused: the transports send each answer whole, so
// @defer is refused (@stream is not even declared) with DIRECTIVE_NOT_SUPPORTED at the
// directive, in the caller's language, before anything runs; without them
// the same fields answer.
func TestDeferAndStreamAreRefused(t *testing.T) {
	t.Parallel()
	eachInput(t, func(t *testing.T, e *inputEnv) {
		for _, q := range []string{
			`{ institutions(first: 1) { edges { node { id ... @defer { summary { activePlans } } } } } }`,
			`query { institutions(first: 1) { edges { node { ...S @defer(label: "s") } } } } fragment S on Institution { summary { activePlans } }`,
		} {
			r := e.asmGQL(e.tok, "fr", q, nil)
			if r.Code() != "DIRECTIVE_NOT_SUPPORTED" || r.Data != nil || len(r.Errors) != 1 ||
				!contains(r.Errors[0].Message, "n'est pas prise en charge") || !contains(string(r.Raw), `"locations"`) {
				t.Fatalf("%s: %s", q, r.Raw)
			}
		}
		if r := e.gql(e.tok, `{ institutions(first: 1) { edges { node { id ... @defer { summary { activePlans } } } } } }`, nil); !contains(r.Errors[0].Message, "The @defer directive is not supported") {
			t.Fatalf("English: %s", r.Raw)
		}
		r := e.gql(e.tok, `{ institutions(first: 1) { totalCount edges { node { id ... { summary { activePlans } } } } } }`, nil).OK()
		if contains(string(r.Raw), "hasNext") || contains(string(r.Raw), "errors") {
			t.Fatalf("without @defer: %s", r.Raw)
		}
	})
}
