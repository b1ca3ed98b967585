package app_test

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// TestCachedFlagsFollowWritesOnAnotherInstance: each instance caches the
// derived gap flags of an institution; a write through one instance must
// show in the very next read on the other.
func TestCachedFlagsFollowWritesOnAnotherInstance(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		one, two, adm := twoServers(t, dsn)
		inst := one.mkInstitution(adm, "Cached")
		unit := one.mkUnit(adm, inst, "", "Lead unit")
		f := &fixture{e: one, admin: adm}
		plan, action := planTarget(f, inst, "DRAFT")
		flags := `query($p:ID!){ node(id:$p){ ... on ActionPlan { gapFlags(first:100){ edges{ node{ rule } } } } } }`
		has := func(e *env, rule string) bool {
			r := e.gql(adm, flags, map[string]any{"p": plan}).OK()
			for i := 0; i < r.Len("node.gapFlags.edges"); i++ {
				if r.Str("node.gapFlags.edges."+strconv.Itoa(i)+".node.rule") == rule {
					return true
				}
			}
			return false
		}
		for read := 0; read < 2; read++ { // the second read is served from the cache
			if !has(two, "ACTION_WITHOUT_LEAD_UNIT") {
				t.Fatal("the action has no lead unit: the flag must show")
			}
		}
		r := one.gql(adm, `mutation($a:ID!,$u:ID!){ updateAction(input:{id:$a, expectedVersion:1, leadUnitId:$u}){ userErrors{code field} } }`,
			map[string]any{"a": action, "u": unit}).OK()
		if ue := r.UserErrors("updateAction"); len(ue) > 0 {
			t.Fatalf("updateAction: %v", ue)
		}
		if has(two, "ACTION_WITHOUT_LEAD_UNIT") {
			t.Fatal("the other instance served a flag the data no longer supports")
		}
	})
}

// TestOverloadIsRefusedNotQueuedForever: with one execution slot and no
// queue, requests beyond capacity get 503 with Retry-After; the rest answer.
func TestOverloadIsRefusedNotQueuedForever(t *testing.T) {
	t.Parallel()
	dsn := storetest.NewURL(t, "sqlite")
	cfg := app.Defaults()
	cfg.DB, cfg.MaxInFlight, cfg.MaxQueued = dsn, 1, 0
	cfg.AdminEmail, cfg.AdminPassword = adminEmail, adminPassword
	e := serve(t, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	tok := e.admin()
	var (
		wg            sync.WaitGroup
		mu            sync.Mutex
		ok, refused   int
		retryAfterSet = true
	)
	begin := make(chan struct{})
	for i := 0; i < 60; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-begin // all at once
			req, _ := http.NewRequest("POST", e.URL+"/graphql", jsonBody(`{"query":"{ institutions { totalCount } gapRules { rule description } __schema { types { name fields { name args { name } } } } }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			switch res.StatusCode {
			case 200:
				ok++
			case 503:
				refused++
				retryAfterSet = retryAfterSet && res.Header.Get("Retry-After") != ""
			default:
				t.Errorf("HTTP %d", res.StatusCode)
			}
		}()
	}
	close(begin)
	wg.Wait()
	if ok == 0 || refused == 0 || !retryAfterSet {
		t.Fatalf("answered %d, refused %d (Retry-After on all: %v): want some of each", ok, refused, retryAfterSet)
	}
	if code, body := e.get("/metrics"); code != 200 || !contains(body, "gendertrack_graphql_rejected_total") {
		t.Fatalf("metrics: %d", code)
	}
}

// cacheHits reads the response cache's hit counter from /metrics.
func (e *env) cacheHits() int {
	e.t.Helper()
	_, body := e.get("/metrics")
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, "gendertrack_response_cache_hits_total "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				e.t.Fatal(err)
			}
			return int(n)
		}
	}
	e.t.Fatal("no gendertrack_response_cache_hits_total on /metrics")
	return 0
}

// TestResponseCacheNeverServesAnswersOlderThanAChange: a read repeated
// with nothing changed is answered from the cache; after a change made
// through another instance — to an institution's data or to data of no
// institution — the very next read shows it; and an answer is never given
// to another caller, who may see less.
func TestResponseCacheNeverServesAnswersOlderThanAChange(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		one, two, adm := twoServers(t, dsn)
		inst := one.mkInstitution(adm, "Cached answers")
		f := &fixture{e: one, admin: adm}
		plan, action := planTarget(f, inst, "DRAFT")
		read := `query($p:ID!){ node(id:$p){ ... on ActionPlan { title actions(first:10){ edges{ node{ title } } } } } }`
		vars := map[string]any{"p": plan}
		first := two.gql(adm, read, vars).OK()
		hits := two.cacheHits()
		again := two.gql(adm, read, vars).OK()
		if string(again.Raw) != string(first.Raw) {
			t.Fatalf("the same read answered differently with nothing changed:\n%s\n%s", first.Raw, again.Raw)
		}
		if got := two.cacheHits(); got != hits+1 {
			t.Fatalf("the repeated read was executed again (hits %d, then %d)", hits, got)
		}

		one.planMutate(adm, "updateAction", `mutation($a:ID!){ updateAction(input:{id:$a, expectedVersion:1, title:"Renamed on one"}){ userErrors{code field} } }`,
			map[string]any{"a": action})
		if got := two.gql(adm, read, vars).OK().Str("node.actions.edges.0.node.title"); got != "Renamed on one" {
			t.Fatalf("after the change, the other instance answered %q", got)
		}

		// Saving a draft's answers changes what a read of that draft shows,
		// not what a plan page shows.
		draft := asmTarget(f, inst, "DRAFT")
		completion := `query($a:ID!){ node(id:$a){ ... on Assessment { completion{ answered } } } }`
		if n := two.gql(adm, completion, map[string]any{"a": draft}).OK().Num("node.completion.answered"); n != 0 {
			t.Fatalf("a new draft has %v answers", n)
		}
		two.gql(adm, read, vars).OK()
		hits = two.cacheHits()
		one.gql(adm, asmSave, map[string]any{"a": draft, "r": []map[string]any{{"questionKey": "ok", "boolValue": true}}}).OK()
		if n := two.gql(adm, completion, map[string]any{"a": draft}).OK().Num("node.completion.answered"); n != 1 {
			t.Fatalf("after an answer was saved, the other instance shows %v answers", n)
		}
		two.gql(adm, read, vars).OK()
		if got := two.cacheHits(); got != hits+1 {
			t.Fatalf("saving a draft's answers threw away the plan page's answer (hits %d, then %d)", hits, got)
		}
		hits = two.cacheHits()
		one.admin() // a sign-in is audited, but changes nothing a plan page shows
		two.gql(adm, read, vars).OK()
		if got := two.cacheHits(); got != hits+1 {
			t.Fatalf("a sign-in threw away the plan page's answer (hits %d, then %d)", hits, got)
		}

		partners := `query{ partners(first:100){ edges{ node{ name } } } }`
		before := two.gql(adm, partners, nil).OK()
		two.gql(adm, partners, nil).OK() // now cached
		one.gql(adm, `mutation{ createPartner(input:{name:"Partner after the cache", kind:NGO}){ userErrors{code field} } }`, nil).OK()
		after := two.gql(adm, partners, nil).OK()
		if after.Len("partners.edges") != before.Len("partners.edges")+1 || !strings.Contains(string(after.Raw), "Partner after the cache") {
			t.Fatalf("a partner created on one instance is missing on the other:\n%s", after.Raw)
		}

		other := one.mkInstitution(adm, "Another institution")
		outsider := one.planUser(adm, other, "outsider@example.org", "COORDINATOR")
		two.gql(adm, read, vars).OK() // the admin's answer is cached
		r := two.gql(outsider, read, vars)
		if strings.Contains(string(r.Raw), "Renamed on one") {
			t.Fatalf("a caller of another institution was given the admin's cached answer: %s", r.Raw)
		}
	})
}

// TestResponseCacheKeepsOtherInstitutionsAnswers: an answer depends on the
// institutions its execution read. A change in another institution keeps
// it (served from the cache, on another instance too); a change in its own
// institution is shown by the very next read. An ADMIN's answer, computed
// with every institution in scope, follows every institution.
func TestResponseCacheKeepsOtherInstitutionsAnswers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		one, _, adm := twoServers(t, dsn)
		two := one // reads and changes on one instance: a new role reaches the other only at its next poll
		instA, instB := one.mkInstitution(adm, "Institution A"), one.mkInstitution(adm, "Institution B")
		f := &fixture{e: one, admin: adm}
		planA, actionA := planTarget(f, instA, "DRAFT")
		_, actionB := planTarget(f, instB, "DRAFT")
		coordA := one.planUser(adm, instA, "coordinator-a@example.org", "COORDINATOR")
		read := `query($p:ID!){ node(id:$p){ ... on ActionPlan { title actions(first:10){ edges{ node{ title leadUnit{ name } resources{ kind } } } } } } }`
		vars := map[string]any{"p": planA}
		versions := map[string]int{}
		rename := func(action, title string) {
			versions[action]++
			one.planMutate(adm, "updateAction", `mutation($a:ID!,$v:Int!,$t:String!){ updateAction(input:{id:$a, expectedVersion:$v, title:$t}){ userErrors{code field} } }`,
				map[string]any{"a": action, "v": versions[action], "t": title})
		}
		for _, caller := range []struct {
			name   string
			tok    string
			keepsB bool
		}{{"coordinator of A", coordA, true}, {"admin", adm, false}} {
			two.gql(caller.tok, read, vars).OK()
			hits := two.cacheHits()
			two.gql(caller.tok, read, vars).OK()
			if got := two.cacheHits(); got != hits+1 {
				t.Fatalf("%s: the repeated read was executed again", caller.name)
			}
			// A change in institution B.
			hits = two.cacheHits()
			rename(actionB, "Changed in B by "+caller.name)
			two.gql(caller.tok, read, vars).OK()
			if got := two.cacheHits(); (got == hits+1) != caller.keepsB {
				t.Fatalf("%s: after a change in B, hits %d then %d (kept: want %v)", caller.name, hits, got, caller.keepsB)
			}
		}
		// A change in A itself is shown at once, to both.
		rename(actionA, "Changed in A")
		for _, tok := range []string{coordA, adm} {
			if r := two.gql(tok, read, vars).OK(); r.Str("node.actions.edges.0.node.title") != "Changed in A" {
				t.Fatalf("after a change in A, the other instance answered %s", r.Raw)
			}
		}
	})
}
