package gaps

import (
	"strings"
	"testing"
)

// The rule queries are shared by every detection of the process, often at
// once: the SQL of a scope must not depend on the scopes asked for before
// it. PLAN_NOT_DISSEMINATED's query once wrote its plan condition into its
// own template on first use, so a whole-database detection after a plan's
// lost its one argument, and a plan's detection after a whole-database one
// looked at every plan.
func TestRuleQueriesDoNotDependOnEarlierScopes(t *testing.T) {
	t.Parallel()
	scopes := []Scope{
		{Institutions: []int64{3}, Plans: []int64{7, 8}},
		{All: true},
		{Institutions: []int64{3, 4}},
		{All: true, Plans: []int64{9}},
	}
	for _, pg := range []bool{false, true} {
		d := dialect{pg: pg}
		for rule, query := range queries {
			first := make([]string, len(scopes))
			for round := range 3 {
				for i, sc := range scopes {
					q, args := query(d, sc, DefaultConfig(), fxNow)
					if round == 0 {
						first[i] = q
					} else if q != first[i] {
						t.Fatalf("%s (pg %v), scope %+v: the SQL changed after other scopes:\n%s\nthen\n%s", rule, pg, sc, first[i], q)
					}
					if n := strings.Count(q, "?"); n != len(args) {
						t.Fatalf("%s (pg %v), scope %+v: %d placeholders, %d arguments:\n%s", rule, pg, sc, n, len(args), q)
					}
					if want := sc.Plans != nil; rule == PlanNotDisseminated && strings.Contains(q, "ds.plan_id IN (?)") != want {
						t.Fatalf("%s, scope %+v: restricted to the scope's plans %v, want %v:\n%s", rule, sc, !want, want, q)
					}
				}
			}
		}
	}
}
