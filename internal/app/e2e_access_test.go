package app_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// roles in the order of the contract's enum.
var roles = []string{"ADMIN", "COORDINATOR", "COMMITTEE_MEMBER", "FOCAL_POINT", "LEADERSHIP", "PARTNER", "AUDITOR"}

// allowed transcribes the role matrix of RULES.md section 4: for each
// capability, the roles that hold it.
var allowed = map[string][]string{
	"ManageGlobal":       {"ADMIN"},
	"ManageInstitution":  {"ADMIN", "COORDINATOR"},
	"EditAssessment":     {"ADMIN", "COORDINATOR", "COMMITTEE_MEMBER"},
	"ValidateAssessment": {"ADMIN", "LEADERSHIP"},
	"EditPlan":           {"ADMIN", "COORDINATOR", "COMMITTEE_MEMBER"},
	"AdoptPlan":          {"ADMIN", "LEADERSHIP"},
	"RecordProgress":     {"ADMIN", "COORDINATOR", "COMMITTEE_MEMBER", "FOCAL_POINT"},
	"RaiseFlag":          {"ADMIN", "COORDINATOR", "COMMITTEE_MEMBER", "FOCAL_POINT", "LEADERSHIP"},
	"SetFlagState":       {"ADMIN", "COORDINATOR", "COMMITTEE_MEMBER", "LEADERSHIP"},
	// createUser belongs to no institution: ADMIN and any COORDINATOR.
	"CreateUser": {"ADMIN", "COORDINATOR"},
	// login and logout are open to every caller (logout to every signed-in one).
	"Anyone": roles,
}

// scopeless capabilities are not about one institution: the caller's
// institution does not change the answer.
var scopeless = map[string]bool{"ManageGlobal": true, "CreateUser": true, "Anyone": true}

// who is the caller of one matrix cell.
type who struct {
	role, email, token string
}

// fixture is the world every matrix cell runs in: institution A, where each
// role user holds its role, and institution B, where none does.
type fixture struct {
	e      *env
	admin  string
	a, b   string
	people map[string]who
	seq    atomic.Int64
}

func (f *fixture) uniq(prefix string) string { return fmt.Sprintf("%s %d", prefix, f.seq.Add(1)) }

// mkUser creates a user as admin and returns its ID.
func (f *fixture) mkUser(email string) string {
	r := f.e.gql(f.admin, `mutation($e:String!){ createUser(input:{email:$e, name:"Someone", password:"a-password-1"}){ user{ id } userErrors{code field} } }`,
		map[string]any{"e": email}).OK()
	id := r.Str("createUser.user.id")
	if id == "" {
		f.e.t.Fatalf("createUser: %s", r.Raw)
	}
	return id
}

func (f *fixture) grant(user, role, inst string) {
	r := f.e.gql(f.admin, `mutation($u:ID!,$r:Role!,$i:ID){ grantRole(input:{userId:$u, role:$r, institutionId:$i}){ userErrors{code field} } }`,
		map[string]any{"u": user, "r": role, "i": inst}).OK()
	if ue := r.UserErrors("grantRole"); len(ue) > 0 {
		f.e.t.Fatalf("grantRole: %v", ue)
	}
}

func newFixture(t *testing.T, e *env) *fixture {
	f := &fixture{e: e, admin: e.admin(), people: map[string]who{}}
	f.a = e.mkInstitution(f.admin, "Institution A")
	f.b = e.mkInstitution(f.admin, "Institution B")
	f.people["ADMIN"] = who{"ADMIN", adminEmail, f.admin}
	for _, r := range roles[1:] {
		email := strings.ToLower(r) + "@a.example.org"
		f.grant(f.mkUser(email), r, f.a)
		f.people[r] = who{r, email, e.login(email, "a-password-1")}
	}
	return f
}

// matrixOp is one operation of the API: the capability of RULES.md §4 it
// needs, and how to call it against an institution (targets it changes are
// made fresh, as admin, for every call).
type matrixOp struct {
	cap     string
	payload string
	run     func(f *fixture, w who, inst string) *resp
}

// matrix has one row for every mutation of the schema; a mutation without a
// row fails TestAuthorizationMatrix.
var matrix = map[string]matrixOp{
	"login": {"Anyone", "login", func(f *fixture, w who, inst string) *resp {
		email := w.email
		if email == "" {
			email = adminEmail
		}
		pw := "a-password-1"
		if email == adminEmail {
			pw = adminPassword
		}
		return f.e.gql(w.token, `mutation($e:String!,$p:String!){ login(input:{email:$e,password:$p}){ token userErrors{code field} } }`, map[string]any{"e": email, "p": pw})
	}},
	"logout": {"Anyone", "logout", func(f *fixture, w who, inst string) *resp {
		tok := ""
		if w.token != "" {
			tok = f.e.login(w.email, map[bool]string{true: adminPassword, false: "a-password-1"}[w.email == adminEmail])
		}
		return f.e.gql(tok, `mutation{ logout{ ok userErrors{code field} } }`, nil)
	}},
	"createUser": {"CreateUser", "createUser", func(f *fixture, w who, inst string) *resp {
		return f.e.gql(w.token, `mutation($e:String!){ createUser(input:{email:$e, name:"New", password:"a-password-1"}){ user{id} userErrors{code field} } }`,
			map[string]any{"e": fmt.Sprintf("new%d@example.org", f.seq.Add(1))})
	}},
	"grantRole": {"ManageInstitution", "grantRole", func(f *fixture, w who, inst string) *resp {
		u := f.mkUser(fmt.Sprintf("grant%d@example.org", f.seq.Add(1)))
		return f.e.gql(w.token, `mutation($u:ID!,$i:ID){ grantRole(input:{userId:$u, role:COMMITTEE_MEMBER, institutionId:$i}){ user{id} userErrors{code field} } }`,
			map[string]any{"u": u, "i": inst})
	}},
	"revokeRole": {"ManageInstitution", "revokeRole", func(f *fixture, w who, inst string) *resp {
		u := f.mkUser(fmt.Sprintf("revoke%d@example.org", f.seq.Add(1)))
		f.grant(u, "COMMITTEE_MEMBER", inst)
		return f.e.gql(w.token, `mutation($u:ID!,$i:ID){ revokeRole(input:{userId:$u, role:COMMITTEE_MEMBER, institutionId:$i}){ user{id} userErrors{code field} } }`,
			map[string]any{"u": u, "i": inst})
	}},
	"createApiKey": {"ManageInstitution", "createApiKey", func(f *fixture, w who, inst string) *resp {
		return f.e.gql(w.token, `mutation($i:ID!){ createApiKey(input:{name:"NGO dashboard", role:PARTNER, institutionIds:[$i]}){ id secret userErrors{code field} } }`,
			map[string]any{"i": inst})
	}},
	"revokeApiKey": {"ManageInstitution", "revokeApiKey", func(f *fixture, w who, inst string) *resp {
		r := f.e.gql(f.admin, `mutation($i:ID!){ createApiKey(input:{name:"k", role:AUDITOR, institutionIds:[$i]}){ id } }`, map[string]any{"i": inst}).OK()
		return f.e.gql(w.token, `mutation($k:ID!){ revokeApiKey(input:{id:$k}){ ok userErrors{code field} } }`, map[string]any{"k": r.Str("createApiKey.id")})
	}},
	"createInstitution": {"ManageGlobal", "createInstitution", func(f *fixture, w who, inst string) *resp {
		return f.e.gql(w.token, `mutation($n:String!){ createInstitution(input:{name:$n, sector:JUSTICE, country:"SN"}){ institution{id} userErrors{code field} } }`,
			map[string]any{"n": f.uniq("Court")})
	}},
	"updateInstitution": {"ManageInstitution", "updateInstitution", func(f *fixture, w who, inst string) *resp {
		v := f.e.gql(f.admin, `query($id:ID!){ node(id:$id){ ... on Institution { version } } }`, map[string]any{"id": inst}).OK().Num("node.version")
		return f.e.gql(w.token, `mutation($id:ID!,$v:Int!){ updateInstitution(input:{id:$id, expectedVersion:$v, acronym:"UPD"}){ institution{id} userErrors{code field} } }`,
			map[string]any{"id": inst, "v": int(v)})
	}},
	"createUnit": {"ManageInstitution", "createUnit", func(f *fixture, w who, inst string) *resp {
		return f.e.gql(w.token, `mutation($i:ID!){ createUnit(input:{institutionId:$i, name:"Station", kind:LOCAL_STATION}){ unit{id} userErrors{code field} } }`,
			map[string]any{"i": inst})
	}},
	"updateUnit": {"ManageInstitution", "updateUnit", func(f *fixture, w who, inst string) *resp {
		u := f.e.mkUnit(f.admin, inst, "", f.uniq("Unit"))
		return f.e.gql(w.token, `mutation($id:ID!){ updateUnit(input:{id:$id, expectedVersion:1, region:"North"}){ unit{id} userErrors{code field} } }`,
			map[string]any{"id": u})
	}},
	"createPartner": {"ManageGlobal", "createPartner", func(f *fixture, w who, inst string) *resp {
		return f.e.gql(w.token, `mutation($n:String!){ createPartner(input:{name:$n, kind:NGO}){ partner{id} userErrors{code field} } }`,
			map[string]any{"n": f.uniq("NGO")})
	}},
}

// outcome classifies an answer: ok, a GraphQL error code, or a user error
// code (which must then be the only one).
func outcome(r *resp, payload string) string {
	if c := r.Code(); c != "" {
		return c
	}
	if ue := r.UserErrors(payload); len(ue) > 0 {
		code, _, _ := strings.Cut(ue[0], "@")
		return code
	}
	return "ok"
}

// expected is what RULES.md §4 says one cell answers.
func expected(op matrixOp, role string, own bool) string {
	switch {
	case role == "":
		if op.cap == "Anyone" && op.payload == "login" {
			return "ok"
		}
		return "UNAUTHENTICATED"
	case slices.Contains(allowed[op.cap], role) && (own || role == "ADMIN" || scopeless[op.cap]):
		return "ok"
	case !own && !scopeless[op.cap]:
		return "NOT_FOUND" // the other institution does not exist for this caller
	default:
		return "FORBIDDEN"
	}
}

// TestAuthorizationMatrix runs every mutation as every role, in its own
// institution, in another one, and without sign-in.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		f := newFixture(t, e)
		// Every mutation in the schema must have a row.
		r := e.gql("", `{ __type(name:"Mutation"){ fields{ name } } }`, nil).OK()
		var names []string
		for i := 0; i < r.Len("__type.fields"); i++ {
			names = append(names, r.Str(fmt.Sprintf("__type.fields.%d.name", i)))
		}
		for _, n := range names {
			if _, ok := matrix[n]; !ok {
				t.Errorf("mutation %s has no row in the authorization matrix", n)
			}
		}
		for n := range matrix {
			if !slices.Contains(names, n) {
				t.Errorf("matrix row %s names no mutation of the schema", n)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			op, ok := matrix[name]
			if !ok {
				continue
			}
			cells := []struct {
				w   who
				own bool
			}{{who{}, true}}
			for _, role := range roles {
				cells = append(cells, struct {
					w   who
					own bool
				}{f.people[role], true}, struct {
					w   who
					own bool
				}{f.people[role], false})
			}
			for _, c := range cells {
				inst := f.a
				if !c.own {
					inst = f.b
				}
				got := outcome(op.run(f, c.w, inst), op.payload)
				if want := expected(op, c.w.role, c.own); got != want {
					t.Errorf("%s as %q (own institution %v): got %s, want %s", name, c.w.role, c.own, got, want)
				}
			}
		}
	}, withAdmin)
}

func TestTokensAndAPIKeys(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		f := newFixture(t, e)
		see := `{ viewer { email roles { role institution { name } } } institutions { totalCount edges { node { name } } } }`
		r := e.gql(f.people["FOCAL_POINT"].token, see, nil).OK()
		if r.Str("viewer.email") != "focal_point@a.example.org" || r.Num("institutions.totalCount") != 1 ||
			r.Str("viewer.roles.0.role") != "FOCAL_POINT" || r.Str("viewer.roles.0.institution.name") != "Institution A" {
			t.Fatalf("viewer: %s", r.Raw)
		}
		// Anonymous: no institution's data, viewer null.
		r = e.gql("", see, nil).OK()
		if r.Get("viewer") != nil || r.Num("institutions.totalCount") != 0 {
			t.Fatalf("anonymous: %s", r.Raw)
		}
		// Logout revokes the token for every later request, queries included.
		tok := e.login("committee_member@a.example.org", "a-password-1")
		e.gql(tok, `mutation{ logout{ ok } }`, nil).OK()
		if r := e.gql(tok, see, nil); r.Code() != "UNAUTHENTICATED" || r.Status != 401 {
			t.Fatalf("revoked token: %s", r.Raw)
		}
		// Expiry: 12 hours by default.
		tok = e.login("leadership@a.example.org", "a-password-1")
		e.clock.Set(e.clock.Now().Add(11 * time.Hour))
		e.gql(tok, see, nil).OK()
		e.clock.Set(e.clock.Now().Add(2 * time.Hour))
		if r := e.gql(tok, see, nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("expired token: %s", r.Raw)
		}
		if r := e.gql("gtt_made-up", see, nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("unknown token: %s", r.Raw)
		}
		// API key: reads as PARTNER over the listed institution only; the
		// secret is shown once and works until revoked.
		coord := e.login("coordinator@a.example.org", "a-password-1")
		r = e.gql(coord, `mutation($i:ID!){ createApiKey(input:{name:"Donor dashboard", role:PARTNER, institutionIds:[$i]}){ id secret userErrors{code field} } }`,
			map[string]any{"i": f.a}).OK()
		key, keyID := r.Str("createApiKey.secret"), r.Str("createApiKey.id")
		if !strings.HasPrefix(key, "gtk_") {
			t.Fatalf("api key: %s", r.Raw)
		}
		r = e.gql(key, see, nil).OK()
		if r.Get("viewer") != nil || r.Num("institutions.totalCount") != 1 || r.Str("institutions.edges.0.node.name") != "Institution A" {
			t.Fatalf("api key reads: %s", r.Raw)
		}
		if r := e.gql(key, `mutation($i:ID!){ createUnit(input:{institutionId:$i, name:"x", kind:OTHER}){ unit{id} } }`, map[string]any{"i": f.a}); r.Code() != "FORBIDDEN" {
			t.Fatalf("api key writes: %s", r.Raw)
		}
		r = e.gql(coord, `mutation($k:ID!){ revokeApiKey(input:{id:$k}){ ok userErrors{code field} } }`, map[string]any{"k": keyID}).OK()
		if r.Get("revokeApiKey.ok") != true {
			t.Fatalf("revoke: %s", r.Raw)
		}
		if r := e.gql(key, see, nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("revoked key: %s", r.Raw)
		}
		if r := e.gql(coord, `mutation{ createApiKey(input:{name:"x", role:COORDINATOR, institutionIds:[]}){ id userErrors{code field} } }`, nil).OK(); strings.Join(r.UserErrors("createApiKey"), " ") != "INVALID@input.role INVALID@input.institutionIds" {
			t.Fatalf("bad api key input: %s", r.Raw)
		}
		// Objects of another institution resolve to null.
		unitB := e.mkUnit(e.admin(), f.b, "", "B unit") // the fixture's admin token has expired by now
		r = e.gql(coord, `query($a:ID!,$b:ID!,$u:ID!){ a: node(id:$a){ id } b: node(id:$b){ id } u: node(id:$u){ id } }`, map[string]any{"a": f.a, "b": f.b, "u": unitB}).OK()
		if r.Get("a") == nil || r.Get("b") != nil || r.Get("u") != nil {
			t.Fatalf("node of another institution: %s", r.Raw)
		}
	}, withAdmin)
}

func TestLoginLockout(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		e.admin()
		try := func(email, pw string) *resp {
			return e.gql("", `mutation($e:String!,$p:String!){ login(input:{email:$e,password:$p}){ token userErrors{code field message} } }`, map[string]any{"e": email, "p": pw}).OK()
		}
		// A wrong email and a wrong password answer the same.
		a, b := try("nobody@example.org", "whatever-pw"), try(adminEmail, "wrong-password")
		if a.Str("login.userErrors.0.message") != b.Str("login.userErrors.0.message") || a.Get("login.token") != nil {
			t.Fatalf("answers differ: %s / %s", a.Raw, b.Raw)
		}
		for i := 0; i < 4; i++ {
			try(adminEmail, "wrong-password")
		}
		// Five failures from this address on this email: the pair is
		// locked now, even with the right password, with the same
		// userError shape (the rule by address is in e2e_throttle_test.go).
		r := try(adminEmail, adminPassword)
		if r.Get("login.token") != nil || strings.Join(r.UserErrors("login"), " ") != "INVALID@input" ||
			!strings.Contains(r.Str("login.userErrors.0.message"), "Too many failed sign-ins") {
			t.Fatalf("not locked: %s", r.Raw)
		}
		e.clock.Set(e.clock.Now().Add(15 * time.Minute))
		if r := try(adminEmail, adminPassword); r.Str("login.token") == "" {
			t.Fatalf("still locked after the lock time: %s", r.Raw)
		}
	}, withAdmin)
}

func TestAuditTrail(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		f := newFixture(t, e)
		coord := f.people["COORDINATOR"].token
		unit := e.mkUnit(coord, f.a, "", "Northern Command")
		e.gql(coord, `mutation($id:ID!){ updateUnit(input:{id:$id, expectedVersion:1, region:"North", genderFocalPoint:"Capt. K"}){ userErrors{code} } }`, map[string]any{"id": unit}).OK()
		// A refused change writes nothing.
		e.gql(coord, `mutation($id:ID!){ updateUnit(input:{id:$id, expectedVersion:1, region:"South"}){ userErrors{code} } }`, map[string]any{"id": unit}).OK()
		q := `query($s:ID){ auditEvents(filter:{subjectId:$s}, first:10){ totalCount edges{ node{ operation actor{ email } subjectId institution{ name } changes } } } }`
		r := e.gql(coord, q, map[string]any{"s": unit}).OK()
		if r.Num("auditEvents.totalCount") != 2 || r.Str("auditEvents.edges.0.node.operation") != "updateUnit" ||
			r.Str("auditEvents.edges.0.node.actor.email") != "coordinator@a.example.org" ||
			r.Str("auditEvents.edges.0.node.institution.name") != "Institution A" ||
			r.Str("auditEvents.edges.0.node.changes") != `{"genderFocalPoint":[null,"Capt. K"],"region":[null,"North"]}` ||
			r.Str("auditEvents.edges.1.node.operation") != "createUnit" {
			t.Fatalf("audit: %s", r.Raw)
		}
		// AUDITOR reads it; COMMITTEE_MEMBER may not.
		if r := e.gql(f.people["AUDITOR"].token, q, map[string]any{"s": unit}).OK(); r.Num("auditEvents.totalCount") != 2 {
			t.Fatalf("auditor: %s", r.Raw)
		}
		if r := e.gql(f.people["COMMITTEE_MEMBER"].token, q, map[string]any{"s": unit}); r.Code() != "FORBIDDEN" {
			t.Fatalf("committee member reads audit: %s", r.Raw)
		}
		// No password, hash or token in any event.
		r = e.gql(f.admin, `{ auditEvents(first:500){ edges{ node{ operation changes } } } }`, nil).OK()
		for _, bad := range []string{"a-password-1", "argon2", "passwordHash", "gtt_", "gtk_", "secretHash"} {
			if strings.Contains(string(r.Raw), bad) {
				t.Fatalf("audit trail holds %q: %s", bad, r.Raw)
			}
		}
	}, withAdmin)
}

// TestRoleChangeReachesOtherInstances grants a role through one server and
// waits for a second server on the same database to enforce it.
func TestRoleChangeReachesOtherInstances(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		// Each instance polls the stored role state every RolePoll (a
		// second by default); polling more often lets the test wait less,
		// the two-second bound stays.
		one, two, adm := twoServers(t, dsn, func(c *app.Config) { c.RolePoll = 50 * time.Millisecond })
		inst := one.mkInstitution(adm, "Shared")
		f := &fixture{e: one, admin: adm}
		user := f.mkUser("late@example.org")
		tok := two.login("late@example.org", "a-password-1")
		see := `{ institutions { totalCount } }`
		if r := two.gql(tok, see, nil).OK(); r.Num("institutions.totalCount") != 0 {
			t.Fatalf("before: %s", r.Raw)
		}
		f.grant(user, "LEADERSHIP", inst)
		began := time.Now()
		for two.gql(tok, see, nil).OK().Num("institutions.totalCount") != 1 {
			if time.Since(began) > 2*time.Second {
				t.Fatal("the second instance did not see the granted role within two seconds")
			}
			time.Sleep(50 * time.Millisecond)
		}
		one.gql(adm, `mutation($u:ID!,$i:ID){ revokeRole(input:{userId:$u, role:LEADERSHIP, institutionId:$i}){ userErrors{code} } }`, map[string]any{"u": user, "i": inst}).OK()
		began = time.Now()
		for two.gql(tok, see, nil).OK().Num("institutions.totalCount") != 0 {
			if time.Since(began) > 2*time.Second {
				t.Fatal("the second instance did not drop the revoked role within two seconds")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// TestNoSecretsInLogs signs in, uses a token and an API key, and checks the
// log lines hold none of them.
func TestNoSecretsInLogs(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var buf bytes.Buffer
	storetest.Each(t, func(t *testing.T, dsn string) {
		cfg := app.Defaults()
		cfg.DB, cfg.AdminEmail, cfg.AdminPassword = dsn, adminEmail, adminPassword
		e := serve(t, cfg, slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil)))
		tok := e.admin()
		inst := e.mkInstitution(tok, "Logged")
		key := e.gql(tok, `mutation($i:ID!){ createApiKey(input:{name:"k", role:PARTNER, institutionIds:[$i]}){ secret } }`, map[string]any{"i": inst}).OK().Str("createApiKey.secret")
		e.gql(key, `{ institutions { totalCount } }`, nil).OK()
		e.gql("gtt_wrong-token-value", `{ institutions { totalCount } }`, nil)
		mu.Lock()
		logs := buf.String()
		mu.Unlock()
		for _, secret := range []string{adminPassword, tok, key, "gtt_wrong-token-value"} {
			if strings.Contains(logs, secret) {
				t.Fatalf("a secret appears in the logs:\n%s", logs)
			}
		}
		if !strings.Contains(logs, "msg=graphql") {
			t.Fatalf("no request log lines:\n%s", logs)
		}
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestSignInRuleHoldsPerRootField: the rule that every mutation but login
// needs sign-in (RULES.md section 3) is applied to each root field of a
// mutation document by its name, not its alias: an anonymous login still
// signs in beside a refused field, the error names the aliased field, and
// the refused field changes nothing.
func TestSignInRuleHoldsPerRootField(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		r := e.gql("", `mutation($e:String!,$p:String!){
			in: login(input:{email:$e,password:$p}){ token }
			p: createPartner(input:{name:"Anonymous partner", kind:NGO}){ partner{ id } }
		}`, map[string]any{"e": adminEmail, "p": adminPassword})
		if r.Code() != "UNAUTHENTICATED" || len(r.Errors) != 1 {
			t.Fatalf("anonymous createPartner beside login: %s", r.Raw)
		}
		if p := r.Errors[0].Path; len(p) != 1 || p[0] != "p" {
			t.Errorf("error path %v, want [p]", p)
		}
		if r = e.gql("", `mutation { logout { ok } }`, nil); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("anonymous logout: %s", r.Raw)
		}
		if r = e.gql("", `mutation { __typename }`, nil); r.Code() != "" || r.Str("__typename") != "Mutation" {
			t.Errorf("anonymous __typename: %s", r.Raw)
		}
		r = e.gql(e.admin(), `{ partners(first: 50) { edges { node { name } } } }`, nil).OK()
		if contains(string(r.Raw), "Anonymous partner") {
			t.Errorf("the refused mutation stored a partner: %s", r.Raw)
		}
	}, withAdmin)
}
