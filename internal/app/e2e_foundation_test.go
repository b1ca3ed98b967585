package app_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

const (
	adminEmail    = "admin@example.org"
	adminPassword = "admin-password-1"
)

// withAdmin creates the first admin at start-up, as GENDERTRACK_ADMIN_* do.
func withAdmin(c *app.Config) { c.AdminEmail, c.AdminPassword = adminEmail, adminPassword }

// login signs in and returns the token, failing the test otherwise.
func (e *env) login(email, password string) string {
	e.t.Helper()
	r := e.gql("", `mutation($e:String!,$p:String!){ login(input:{email:$e,password:$p}){ token userErrors{code field message} } }`,
		map[string]any{"e": email, "p": password}).OK()
	tok := r.Str("login.token")
	if tok == "" {
		e.t.Fatalf("login %s failed: %s", email, r.Raw)
	}
	return tok
}

func (e *env) admin() string { return e.login(adminEmail, adminPassword) }

// mkInstitution creates an institution as admin and returns its ID.
func (e *env) mkInstitution(tok, name string) string {
	e.t.Helper()
	r := e.gql(tok, `mutation($n:String!){ createInstitution(input:{name:$n, acronym:"X", sector:POLICE, country:"ml"}){ institution{ id country version } userErrors{code field} } }`,
		map[string]any{"n": name}).OK()
	if ue := r.UserErrors("createInstitution"); len(ue) > 0 {
		e.t.Fatalf("createInstitution: %v", ue)
	}
	return r.Str("createInstitution.institution.id")
}

func (e *env) mkUnit(tok, inst, parent, name string) string {
	e.t.Helper()
	vars := map[string]any{"i": inst, "n": name, "p": nil}
	if parent != "" {
		vars["p"] = parent
	}
	r := e.gql(tok, `mutation($i:ID!,$p:ID,$n:String!){ createUnit(input:{institutionId:$i, parentId:$p, name:$n, kind:DIRECTORATE}){ unit{ id } userErrors{code field message} } }`, vars).OK()
	if ue := r.UserErrors("createUnit"); len(ue) > 0 {
		e.t.Fatalf("createUnit: %v %s", ue, r.Raw)
	}
	return r.Str("createUnit.unit.id")
}

func TestInstitutionsUnitsPartners(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		tok := e.admin()
		inst := e.mkInstitution(tok, "National Police")
		// Created, then read back through node and through the connection.
		r := e.gql(tok, `query($id:ID!){ node(id:$id){ id ... on Institution { name acronym sector country version } } }`, map[string]any{"id": inst}).OK()
		if r.Str("node.name") != "National Police" || r.Str("node.country") != "ML" || r.Num("node.version") != 1 {
			t.Fatalf("node: %s", r.Raw)
		}
		hq := e.mkUnit(tok, inst, "", "Headquarters")
		dir := e.mkUnit(tok, inst, hq, "Directorate")
		r = e.gql(tok, `query{ institutions(first:10){ totalCount edges{ node{ id units(first:10){ totalCount edges{ node{ name parent{ name } children{ name } institution{ name } } } } } } } }`, nil).OK()
		if r.Num("institutions.totalCount") != 1 || r.Num("institutions.edges.0.node.units.totalCount") != 2 ||
			r.Str("institutions.edges.0.node.units.edges.1.node.parent.name") != "Headquarters" ||
			r.Str("institutions.edges.0.node.units.edges.0.node.children.0.name") != "Directorate" {
			t.Fatalf("connection: %s", r.Raw)
		}
		// A move that would make a cycle is refused, and so is a parent of
		// another institution.
		r = e.gql(tok, `mutation($id:ID!,$p:ID!){ updateUnit(input:{id:$id, expectedVersion:1, parentId:$p}){ unit{id} userErrors{code field} } }`,
			map[string]any{"id": hq, "p": dir}).OK()
		if ue := r.UserErrors("updateUnit"); len(ue) != 1 || ue[0] != "INVALID@input.parentId" {
			t.Fatalf("cycle: %v", ue)
		}
		other := e.mkInstitution(tok, "National Gendarmerie")
		otherUnit := e.mkUnit(tok, other, "", "Gendarmerie HQ")
		r = e.gql(tok, `mutation($id:ID!,$p:ID!){ updateUnit(input:{id:$id, expectedVersion:1, parentId:$p}){ unit{id} userErrors{code field} } }`,
			map[string]any{"id": dir, "p": otherUnit}).OK()
		if ue := r.UserErrors("updateUnit"); len(ue) != 1 || ue[0] != "INVALID@input.parentId" {
			t.Fatalf("cross-institution parent: %v", ue)
		}
		// Partners.
		r = e.gql(tok, `mutation{ createPartner(input:{name:"UN Women", kind:UN_AGENCY, country:"ml"}){ partner{ id name kind country } userErrors{code field} } }`, nil).OK()
		if r.Str("createPartner.partner.country") != "ML" {
			t.Fatalf("partner: %s", r.Raw)
		}
		r = e.gql(tok, `mutation{ createPartner(input:{name:"UN Women", kind:NGO}){ partner{ id } userErrors{code field} } }`, nil).OK()
		if ue := r.UserErrors("createPartner"); len(ue) != 1 || ue[0] != "DUPLICATE@input.name" || r.Get("createPartner.partner") != nil {
			t.Fatalf("duplicate partner: %s", r.Raw)
		}
		r = e.gql(tok, `query{ partners{ totalCount edges{ node{ name } } } }`, nil).OK()
		if r.Num("partners.totalCount") != 1 {
			t.Fatalf("partners: %s", r.Raw)
		}
	}, withAdmin)
}

func TestPaginationAndVersions(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		tok := e.admin()
		for i := 0; i < 5; i++ {
			e.mkInstitution(tok, fmt.Sprintf("Institution %d", i))
		}
		var names []string
		after := any(nil)
		for pages := 0; ; pages++ {
			r := e.gql(tok, `query($a:String){ institutions(first:2, after:$a){ totalCount pageInfo{ hasNextPage hasPreviousPage endCursor } edges{ cursor node{ name } } } }`,
				map[string]any{"a": after}).OK()
			if r.Num("institutions.totalCount") != 5 {
				t.Fatalf("totalCount: %s", r.Raw)
			}
			for i := 0; i < r.Len("institutions.edges"); i++ {
				names = append(names, r.Str(fmt.Sprintf("institutions.edges.%d.node.name", i)))
			}
			if r.Get("institutions.pageInfo.hasNextPage") != true {
				break
			}
			after = r.Str("institutions.pageInfo.endCursor")
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
		}
		if strings.Join(names, ",") != "Institution 0,Institution 1,Institution 2,Institution 3,Institution 4" {
			t.Fatalf("pages: %v", names)
		}
		r := e.gql(tok, `query{ institutions(search:"TUTION 3"){ totalCount } }`, nil).OK()
		if r.Num("institutions.totalCount") != 1 {
			t.Fatalf("search: %s", r.Raw)
		}
		// first above 500 and a foreign cursor are refused.
		if r := e.gql(tok, `query{ institutions(first:501){ totalCount } }`, nil); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("first 501: %s", r.Raw)
		}
		if r := e.gql(tok, `query{ institutions(after:"bogus"){ totalCount } }`, nil); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("bad cursor: %s", r.Raw)
		}
		// Version: an update bumps it; a stale one is CONFLICT and changes nothing.
		inst := e.mkInstitution(tok, "Versioned")
		upd := `mutation($id:ID!,$v:Int!,$n:String){ updateInstitution(input:{id:$id, expectedVersion:$v, name:$n}){ institution{ name version } userErrors{code field message} } }`
		r = e.gql(tok, upd, map[string]any{"id": inst, "v": 1, "n": "Versioned 2"}).OK()
		if r.Num("updateInstitution.institution.version") != 2 {
			t.Fatalf("update: %s", r.Raw)
		}
		r = e.gql(tok, upd, map[string]any{"id": inst, "v": 1, "n": "Stale"}).OK()
		if ue := r.UserErrors("updateInstitution"); len(ue) != 1 || ue[0] != "CONFLICT@input.expectedVersion" {
			t.Fatalf("stale: %s", r.Raw)
		}
		r = e.gql(tok, `query($id:ID!){ node(id:$id){ ... on Institution { name version } } }`, map[string]any{"id": inst}).OK()
		if r.Str("node.name") != "Versioned 2" || r.Num("node.version") != 2 {
			t.Fatalf("stale update changed something: %s", r.Raw)
		}
		// Invalid input: every problem at its field, nothing created.
		r = e.gql(tok, `mutation{ createInstitution(input:{name:"  ", sector:POLICE, country:"Mali"}){ institution{id} userErrors{code field} } }`, nil).OK()
		if ue := r.UserErrors("createInstitution"); strings.Join(ue, " ") != "INVALID@input.name INVALID@input.country" {
			t.Fatalf("invalid: %v", ue)
		}
		r = e.gql(tok, `query{ institutions{ totalCount } }`, nil).OK()
		if r.Num("institutions.totalCount") != 6 {
			t.Fatalf("invalid input created something: %s", r.Raw)
		}
		// Unknown and malformed IDs resolve to null.
		r = e.gql(tok, `query{ nodes(ids:["nope", "SW5zdGl0dXRpb246OTk5"]){ id } }`, nil).OK()
		if r.Len("nodes") != 2 || r.Get("nodes.0") != nil || r.Get("nodes.1") != nil {
			t.Fatalf("nodes: %s", r.Raw)
		}
	}, withAdmin)
}

func TestRequestLimits(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		tok := e.admin()
		// Body over 1 MiB: 413 before any parsing.
		big := []byte(`{"query":"{ __typename }","variables":{"x":"` + strings.Repeat("a", 1<<20) + `"}}`)
		if r := e.post(tok, big); r.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("oversize body: HTTP %d", r.Status)
		}
		// Too deep: 21 levels of nesting.
		deep := "{ institutions(first:1) { edges { node { units(first:1) { edges { node " + strings.Repeat("{ parent ", 15) + "{ name }" + strings.Repeat(" }", 15) + " } } } } } }"
		if r := e.gql(tok, deep, nil); r.Code() != "DEPTH_LIMIT_EXCEEDED" || r.Get("institutions") != nil {
			t.Fatalf("deep query: %s", r.Raw)
		}
		// Too complex: 500 institutions × 500 units.
		complexQ := `{ institutions(first:500){ edges{ node{ units(first:500){ edges{ node{ name } } } } } } }`
		if r := e.gql(tok, complexQ, nil); r.Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
			t.Fatalf("complex query: %s", r.Raw)
		}
		// GET runs queries, never mutations.
		q := url.Values{"query": {`{ __typename }`}}
		req, _ := http.NewRequest("GET", e.URL+"/graphql?"+q.Encode(), nil)
		if r := e.do(req); r.Status != 200 || r.Get("__typename") != "Query" {
			t.Fatalf("GET query: %s", r.Raw)
		}
		q = url.Values{"query": {`mutation{ logout{ ok } }`}}
		req, _ = http.NewRequest("GET", e.URL+"/graphql?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if r := e.do(req); r.Status == 200 && len(r.Errors) == 0 {
			t.Fatalf("GET ran a mutation: %s", r.Raw)
		}
		// Health, readiness, metrics, GraphiQL.
		if code, _ := e.get("/healthz"); code != 200 {
			t.Fatalf("healthz %d", code)
		}
		if code, _ := e.get("/readyz"); code != 200 {
			t.Fatalf("readyz %d", code)
		}
		body := `{"query":"query ListInstitutions { institutions { totalCount } }","operationName":"ListInstitutions"}`
		e.post(tok, []byte(body)).OK()
		code, metrics := e.get("/metrics")
		if code != 200 || !strings.Contains(metrics, `gendertrack_graphql_requests_total{operation="ListInstitutions",status="200"} 1`) ||
			!strings.Contains(metrics, `gendertrack_graphql_request_duration_seconds_count{operation="ListInstitutions"} 1`) ||
			!strings.Contains(metrics, `gendertrack_graphql_errors_total{code="DEPTH_LIMIT_EXCEEDED",operation="anonymous"} 1`) ||
			!strings.Contains(metrics, "go_sql_open_connections") {
			t.Fatalf("metrics:\n%s", metrics)
		}
		if code, page := e.get("/graphiql"); code != 200 || !strings.Contains(strings.ToLower(page), "graphiql") {
			t.Fatalf("GraphiQL page: %d", code)
		}
	}, withAdmin)
}

// TestReadinessFollowsTheDatabase cuts the server's PostgreSQL connection
// with a TCP proxy: /readyz answers 503 while the database is unreachable
// and 200 again once it is back, without a restart.
func TestReadinessFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	dsn := storetest.NewURL(t, "postgres")
	u, _ := url.Parse(dsn)
	p := newProxy(t, u.Host)
	u.Host = p.addr
	e := start(t, u.String())
	if code, _ := e.get("/readyz"); code != 200 {
		t.Fatalf("readyz before the cut: %d", code)
	}
	p.cut()
	if code, body := e.get("/readyz"); code != 503 {
		t.Fatalf("readyz while the database is unreachable: %d %s", code, body)
	}
	if code, _ := e.get("/healthz"); code != 200 {
		t.Fatalf("healthz must not depend on the database: %d", code)
	}
	p.resume()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _ := e.get("/readyz")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz did not recover: %d", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// proxy forwards TCP to a target until cut.
type proxy struct {
	t      testing.TB
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
	// stalled: connections are accepted and never answered.
	stalled bool
}

func newProxy(t testing.TB, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, target: target, addr: ln.Addr().String()}
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			stalled := p.stalled
			if stalled {
				p.conns = append(p.conns, c)
			}
			p.mu.Unlock()
			if stalled {
				continue // held open, never answered
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// stall closes the forwarded connections and from then on accepts new
// ones without ever answering, as a database host that stopped
// responding does.
func (p *proxy) stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) resume() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(ln)
}

var _ = bytes.NewReader
