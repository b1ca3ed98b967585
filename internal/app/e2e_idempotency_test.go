package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// gqlKeyed posts a GraphQL request with an Idempotency-Key header.
func (e *env) gqlKeyed(token, key, query string, vars map[string]any) *resp {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", e.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	return e.do(req)
}

// idemWorld is an adopted plan with one action, as ADMIN.
func idemWorld(t *testing.T, e *env) (admin, inst, action string) {
	admin = e.admin()
	inst = e.mkInstitution(admin, "Police nationale")
	plan := e.planMutate(admin, "createActionPlan", planCreate, map[string]any{"i": inst, "t": "Plan", "s": "2026-01-01", "e": "2027-12-31"}).Str("createActionPlan.plan.id")
	action = e.planMutate(admin, "createAction", planAction, map[string]any{"p": plan, "t": "Train", "k": "TRAINING"}).Str("createAction.action.id")
	e.planMutate(admin, "adoptActionPlan", planAdopt, map[string]any{"p": plan})
	return admin, inst, action
}

func (e *env) progressCount(tok, action string) (updates, audits int) {
	e.t.Helper()
	r := e.gql(tok, `query($a:ID!){ node(id:$a){ ... on Action { updates { totalCount } } } auditEvents(filter:{subjectId:$a}, first: 100){ edges{ node{ operation } } } }`, map[string]any{"a": action}).OK()
	for _, n := range r.Get("auditEvents.edges").([]any) {
		if n.(map[string]any)["node"].(map[string]any)["operation"] == "recordProgress" {
			audits++
		}
	}
	return int(r.Num("node.updates.totalCount")), audits
}

// TestIdempotentRetries: a mutation request sent twice with one
// Idempotency-Key is applied once and answered twice the same; the key
// with another body is refused and changes nothing; other callers and
// other keys are independent; after 24 hours the key is free again.
func TestIdempotentRetries(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		admin, inst, action := idemWorld(t, e)
		vars := map[string]any{"a": action, "s": "IN_PROGRESS", "p": 30}
		first := e.gqlKeyed(admin, "retry-1", planProgress, vars)
		if first.Status != 200 || len(first.UserErrors("recordProgress")) > 0 || first.Str("recordProgress.update.id") == "" {
			t.Fatalf("first: %s", first.Raw)
		}
		again := e.gqlKeyed(admin, "retry-1", planProgress, vars)
		if string(again.Raw) != string(first.Raw) || again.Status != 200 || again.Header("Idempotent-Replayed") != "true" {
			t.Fatalf("the retry did not get the first answer:\n%s\n%s", first.Raw, again.Raw)
		}
		if u, a := e.progressCount(admin, action); u != 1 || a != 1 {
			t.Fatalf("after a retry: %d updates, %d audit events; want 1 and 1", u, a)
		}
		// The same key with another body: refused, nothing applied.
		other := e.gqlKeyed(admin, "retry-1", planProgress, map[string]any{"a": action, "s": "IN_PROGRESS", "p": 60})
		if other.Status != http.StatusUnprocessableEntity || other.Code() != "IDEMPOTENCY_KEY_REUSED" || other.Data != nil {
			t.Fatalf("reused key: HTTP %d %s", other.Status, other.Raw)
		}
		if u, a := e.progressCount(admin, action); u != 1 || a != 1 {
			t.Fatalf("a reused key applied a change: %d updates, %d audit events", u, a)
		}
		// A userError answer is kept too: the retry sees it again.
		bad := map[string]any{"a": action, "s": "COMPLETED", "p": 50}
		r1 := e.gqlKeyed(admin, "retry-bad", planProgress, bad)
		r2 := e.gqlKeyed(admin, "retry-bad", planProgress, bad)
		if len(r1.UserErrors("recordProgress")) != 1 || string(r1.Raw) != string(r2.Raw) {
			t.Fatalf("userError answers: %s / %s", r1.Raw, r2.Raw)
		}
		// Another key, or another caller with the same key: applied.
		e.gqlKeyed(admin, "retry-2", planProgress, vars).OK()
		coord := e.planUser(admin, inst, "coord@example.org", "COORDINATOR")
		if r := e.gqlKeyed(coord, "retry-1", planProgress, vars).OK(); r.Header("Idempotent-Replayed") != "" {
			t.Fatalf("another caller got the admin's answer: %s", r.Raw)
		}
		if u, a := e.progressCount(admin, action); u != 3 || a != 3 {
			t.Fatalf("after two more keys: %d updates, %d audit events; want 3", u, a)
		}
		// A day later the key is free.
		e.clock.Set(e.clock.Now().Add(IdempotencyDay + time.Minute))
		admin = e.admin() // the old token has expired
		if r := e.gqlKeyed(admin, "retry-1", planProgress, map[string]any{"a": action, "s": "IN_PROGRESS", "p": 60}).OK(); len(r.UserErrors("recordProgress")) > 0 {
			t.Fatalf("a day later: %s", r.Raw)
		}
		// Keys that are not visible ASCII, or too long, are refused.
		if r := e.gqlKeyed(admin, strings.Repeat("k", 300), planProgress, vars); r.Status != 400 || r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("bad key: HTTP %d %s", r.Status, r.Raw)
		}
		// Queries ignore the header.
		if r := e.gqlKeyed(admin, "retry-1", `{ institutions { totalCount } }`, nil).OK(); r.Header("Idempotent-Replayed") != "" {
			t.Fatalf("a query was replayed: %s", r.Raw)
		}
	}, withAdmin)
}

// TestConcurrentRetriesApplyOnce: retries racing each other with one key
// apply the change once; the others get its answer or are told to retry.
func TestConcurrentRetriesApplyOnce(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		admin, _, action := idemWorld(t, e)
		vars := map[string]any{"a": action, "s": "IN_PROGRESS", "p": 30}
		var wg sync.WaitGroup
		results := make([]*resp, 6)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.gqlKeyed(admin, "race", planProgress, vars)
			}()
		}
		wg.Wait()
		applied := 0
		for _, r := range results {
			switch {
			case r.Status == 200 && r.Header("Idempotent-Replayed") == "" && r.Str("recordProgress.update.id") != "":
				applied++
			case r.Status == 200 && r.Header("Idempotent-Replayed") == "true":
			case r.Status == 409 || hasCode(r, "IDEMPOTENCY_KEY_IN_PROGRESS"):
			default:
				t.Fatalf("unexpected answer: HTTP %d %s", r.Status, r.Raw)
			}
		}
		if u, a := e.progressCount(admin, action); applied != 1 || u != 1 || a != 1 {
			t.Fatalf("%d applied answers, %d updates, %d audit events; want 1 each", applied, u, a)
		}
	}, withAdmin)
}

// IdempotencyDay is how long a key answers with its first response.
const IdempotencyDay = 24 * time.Hour
