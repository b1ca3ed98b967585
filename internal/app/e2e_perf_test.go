package app_test

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// TestCachedFlagsFollowWritesOnAnotherInstance: each instance caches the
// derived gap flags of an institution; a write through one instance must
// show in the very next read on the other.
func TestCachedFlagsFollowWritesOnAnotherInstance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		one := start(t, dsn, withAdmin)
		two := start(t, dsn)
		adm := one.admin()
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
