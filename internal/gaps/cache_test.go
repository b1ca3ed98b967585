package gaps

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// After changes that belong to one plan, the cache derives that plan's
// flags again and keeps the others; after any other change, all of them.
// Either way the flags must be exactly what a derivation from scratch
// finds.
func TestCachedFlagsAfterChangesEqualAFreshDerivation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFx(t, dsn)
		inst := seedInstitution(t, f, 60)
		var plans []int64
		if err := f.db.NewRaw(`SELECT id FROM action_plans WHERE institution_id = ? ORDER BY id`, inst).Scan(f.ctx, &plans); err != nil {
			t.Fatal(err)
		}
		var action, unit int64
		if err := f.db.NewRaw(`SELECT id FROM actions WHERE plan_id = ? AND lead_unit_id IS NOT NULL ORDER BY id LIMIT 1`, plans[0]).Scan(f.ctx, &action); err != nil {
			t.Fatal(err)
		}
		if err := f.db.NewRaw(`SELECT MIN(u.id) FROM units u JOIN actions a ON a.lead_unit_id = u.id
			WHERE a.plan_id = ? AND a.id <> ? AND a.status NOT IN ('CANCELLED', 'COMPLETED') AND u.gender_focal_point IS NOT NULL`, plans[0], action).Scan(f.ctx, &unit); err != nil {
			t.Fatal(err)
		}
		// change runs stmt in a transaction of its own, as plain SQL: the
		// database advances the revisions from the rows it writes.
		change := func(stmt string, args ...any) {
			t.Helper()
			err := f.db.Tx(f.ctx, func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.NewRaw(stmt, args...).Exec(ctx)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		describe := func(s *Service) []string {
			t.Helper()
			m, err := s.institutionFlags(f.ctx, []int64{inst}, "fr")
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, fl := range m[inst].Flags {
				out = append(out, fmt.Sprintf("%s %s %s %s %s %v", fl.ID, fl.Rule, fl.State, fl.Severity, fl.Message, fl.DetectedAt))
			}
			slices.Sort(out)
			return out
		}
		same := func(step string) {
			t.Helper()
			cached := describe(f.svc)
			fresh := describe(&Service{DB: f.db, Guard: f.guard, Now: f.clock, Config: DefaultConfig()})
			if !slices.Equal(cached, fresh) {
				t.Fatalf("%s: the cache holds %d flags, a fresh derivation finds %d:\ncached %q\nfresh  %q", step, len(cached), len(fresh), cached, fresh)
			}
		}
		before := describe(f.svc)
		same("first read")

		change(`UPDATE actions SET lead_unit_id = NULL WHERE id = ?`, action)
		if slices.Equal(describe(f.svc), before) {
			t.Fatal("removing a lead unit changed no flag")
		}
		same("a plan's action lost its lead unit")

		before = describe(f.svc)
		change(`UPDATE units SET gender_focal_point = NULL WHERE id = ?`, unit)
		if slices.Equal(describe(f.svc), before) {
			t.Fatal("a lead unit losing its focal point changed no flag")
		}
		same("a unit lost its focal point")

		change(`UPDATE actions SET status = 'CANCELLED' WHERE plan_id = ?`, plans[0])
		same("every action of a plan cancelled")

		change(`UPDATE actions SET lead_unit_id = ? WHERE plan_id = ?`, unit, plans[1])
		change(`UPDATE actions SET status = 'IN_PROGRESS' WHERE plan_id = ?`, plans[0])
		same("two plans changed")
	})
}
