package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/gendertrack/gendertrack/internal/store"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
	"github.com/gendertrack/gendertrack/migrations"
)

// versions is what the touch triggers advance, read in one go.
type versions struct {
	rev, flag, plan, general, answers int64
}

// Whatever code writes a row, plain SQL included, the database advances
// the data versions from it (migrations/touch.go): an institution's data
// its revision and flag revision (and its plan's), a draft's answers and
// the audit trail its revision alone, rows of no institution the global
// revision; what a read records of automatic flags advances nothing.
func TestWritesAdvanceTheDataVersions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		ctx := context.Background()
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.NewRaw(q, args...).Exec(ctx); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		insert := func(model any) {
			t.Helper()
			if _, err := db.NewInsert().Model(model).Returning("id").Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		inst := &store.Institution{Name: "Touch", Sector: "POLICE", Country: "ml", Version: 1, CreatedAt: now, UpdatedAt: now}
		insert(inst)
		other := &store.Institution{Name: "Other", Sector: "POLICE", Country: "ml", Version: 1, CreatedAt: now, UpdatedAt: now}
		insert(other)
		plan := &store.ActionPlan{InstitutionID: inst.ID, Title: "Plan", StartDate: "2026-01-01", EndDate: "2026-12-31", Status: "DRAFT", Version: 1, CreatedAt: now, UpdatedAt: now}
		insert(plan)
		q := &store.Questionnaire{Key: "touch", Version: 1, DefaultLanguage: "en", Document: "{}", CreatedAt: now}
		insert(q)
		a := &store.Assessment{InstitutionID: inst.ID, QuestionnaireID: q.ID, Title: "A", StartDate: "2026-01-01", Status: "DRAFT", Version: 1, CreatedAt: now, UpdatedAt: now}
		insert(a)
		u := &store.User{Email: "touch@example.org", Name: "T", PasswordHash: "x", Version: 1, CreatedAt: now}
		insert(u)

		read := func() versions {
			t.Helper()
			var v versions
			if err := db.NewRaw(`SELECT revision, flag_revision,
				COALESCE((SELECT revision FROM plan_flag_revisions WHERE plan_id = ?), 0)
				FROM institutions WHERE id = ?`, plan.ID, inst.ID).Scan(ctx, &v.rev, &v.flag, &v.plan); err != nil {
				t.Fatal(err)
			}
			var err error
			if v.general, v.answers, err = db.DataVersion(ctx); err != nil {
				t.Fatal(err)
			}
			return v
		}
		otherRev := func() (r int64) {
			t.Helper()
			if err := db.NewRaw(`SELECT revision + flag_revision FROM institutions WHERE id = ?`, other.ID).Scan(ctx, &r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		tx := func(fn func(tx bun.Tx)) {
			t.Helper()
			if err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { fn(tx); return nil }); err != nil {
				t.Fatal(err)
			}
		}
		txExec := func(tx bun.Tx, q string, args ...any) {
			t.Helper()
			if _, err := tx.NewRaw(q, args...).Exec(ctx); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		var actionID, unitID int64
		steps := []struct {
			name string
			do   func()
			// the expected moves of: revision, flag revision, plan
			// revision, general version, answers version
			want versions
			// pg, when set, is what PostgreSQL moves: there a transaction
			// advances each institution and plan it changed once, not once
			// per row (gendertrack_touch).
			pg *versions
		}{
			{"a unit", func() {
				unit := &store.Unit{InstitutionID: inst.ID, Name: "U", Kind: "HQ", Version: 1, CreatedAt: now, UpdatedAt: now}
				insert(unit)
				unitID = unit.ID
			}, versions{1, 1, 0, 1, 0}, nil},
			{"a unit renamed by plain SQL", func() { exec(`UPDATE units SET name = 'V' WHERE id = ?`, unitID) },
				versions{1, 1, 0, 1, 0}, nil},
			{"an action of the plan", func() {
				act := &store.Action{PlanID: plan.ID, InstitutionID: inst.ID, Title: "Act", Kind: "TRAINING", Status: "PLANNED", Version: 1, CreatedAt: now, UpdatedAt: now}
				insert(act)
				actionID = act.ID
			}, versions{1, 1, 1, 1, 0}, nil},
			{"two progress updates in one statement", func() {
				exec(`INSERT INTO progress_updates (action_id, created_at, status, progress_percent) VALUES (?, ?, 'IN_PROGRESS', 10), (?, ?, 'IN_PROGRESS', 20)`,
					actionID, now, actionID, now)
			}, versions{2, 2, 2, 2, 0}, &versions{1, 1, 1, 1, 0}},
			{"an action changed and its audit event, in one transaction (a progress update's shape)", func() {
				tx(func(tx bun.Tx) {
					txExec(tx, `UPDATE actions SET progress_percent = 30 WHERE id = ?`, actionID)
					txExec(tx, `INSERT INTO audit_events (at, operation, institution_id, changes) VALUES (?, 'test', ?, '{}')`, now, inst.ID)
				})
			}, versions{2, 1, 1, 1, 1}, &versions{1, 1, 1, 1, 0}},
			{"a plan's action and a unit, in one transaction", func() {
				tx(func(tx bun.Tx) {
					txExec(tx, `UPDATE actions SET progress_percent = 40 WHERE id = ?`, actionID)
					txExec(tx, `UPDATE units SET name = 'W' WHERE id = ?`, unitID)
				})
			}, versions{2, 2, 1, 2, 0}, nil},
			{"two transactions on one connection", func() {
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				for pct := range 2 {
					if err := conn.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
						_, err := tx.ExecContext(ctx, `UPDATE actions SET progress_percent = ? WHERE id = ?`, 50+pct, actionID)
						return err
					}); err != nil {
						t.Fatal(err)
					}
				}
			}, versions{2, 2, 2, 2, 0}, nil},
			{"two answers of a draft, in one transaction", func() {
				tx(func(tx bun.Tx) {
					txExec(tx, `INSERT INTO responses (assessment_id, question_key, not_applicable, version, updated_at) VALUES (?, 'q8', FALSE, 1, ?)`, a.ID, now)
					txExec(tx, `INSERT INTO responses (assessment_id, question_key, not_applicable, version, updated_at) VALUES (?, 'q9', FALSE, 1, ?)`, a.ID, now)
				})
			}, versions{2, 0, 0, 0, 2}, &versions{1, 0, 0, 0, 1}},
			{"a supporting unit", func() {
				exec(`INSERT INTO action_supporting_units (action_id, unit_id) VALUES (?, ?)`, actionID, unitID)
			}, versions{1, 1, 1, 1, 0}, nil},
			{"the supporting unit removed", func() {
				exec(`DELETE FROM action_supporting_units WHERE action_id = ?`, actionID)
			}, versions{1, 1, 1, 1, 0}, nil},
			{"a draft's answer", func() {
				exec(`INSERT INTO responses (assessment_id, question_key, not_applicable, version, updated_at) VALUES (?, 'q1', FALSE, 1, ?)`, a.ID, now)
			}, versions{1, 0, 0, 0, 1}, nil},
			{"the draft stamped", func() { exec(`UPDATE assessments SET updated_at = ? WHERE id = ?`, now.Add(time.Hour), a.ID) },
				versions{1, 0, 0, 0, 1}, nil},
			{"the draft submitted", func() { exec(`UPDATE assessments SET status = 'SUBMITTED' WHERE id = ?`, a.ID) },
				versions{1, 1, 0, 1, 0}, nil},
			{"an audit event", func() {
				insert(&store.AuditEvent{At: now, Operation: "test", InstitutionID: &inst.ID})
			}, versions{1, 0, 0, 0, 1}, nil},
			{"a sign-in", func() {
				insert(&store.Session{UserID: u.ID, TokenHash: "h", CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
			}, versions{0, 0, 0, 0, 1}, nil},
			{"a partner", func() {
				insert(&store.Partner{Name: "NGO", Kind: "NGO", Version: 1, CreatedAt: now})
			}, versions{0, 0, 0, 1, 0}, nil},
			{"an automatic flag first seen by a read", func() {
				exec(`INSERT INTO gap_flags (institution_id, plan_id, rule, flag_key, category, severity, state, detected_at, version, created_at, updated_at)
					VALUES (?, ?, 'ACTION_STALE', 'k1', 'MONITORING', 'LOW', 'OPEN', ?, 1, ?, ?)`, inst.ID, plan.ID, now, now, now)
			}, versions{0, 0, 0, 0, 0}, nil},
			{"and resolved by a read", func() { exec(`UPDATE gap_flags SET resolved_at = ? WHERE flag_key = 'k1'`, now) },
				versions{0, 0, 0, 0, 0}, nil},
			{"and acknowledged", func() {
				exec(`UPDATE gap_flags SET state = 'ACKNOWLEDGED', version = version + 1 WHERE flag_key = 'k1'`)
			},
				versions{1, 1, 1, 1, 0}, nil},
			{"a manual flag", func() {
				exec(`INSERT INTO gap_flags (institution_id, rule, category, severity, state, detected_at, version, created_at, updated_at)
					VALUES (?, 'MANUAL', 'STRUCTURE', 'HIGH', 'OPEN', ?, 1, ?, ?)`, inst.ID, now, now, now)
			}, versions{1, 1, 0, 1, 0}, nil},
			{"the institution renamed", func() { exec(`UPDATE institutions SET name = 'Touched', version = version + 1 WHERE id = ?`, inst.ID) },
				versions{1, 1, 0, 1, 0}, nil},
		}
		before := otherRev()
		for _, s := range steps {
			v0 := read()
			s.do()
			v1 := read()
			got := versions{v1.rev - v0.rev, v1.flag - v0.flag, v1.plan - v0.plan, v1.general - v0.general, v1.answers - v0.answers}
			if s.pg != nil && db.Dialect().Name() == dialect.PG {
				s.want = *s.pg
			}
			if got != s.want {
				t.Errorf("%s: moved (revision, flags, plan, general, answers) by %v, want %v", s.name, got, s.want)
			}
		}
		if after := otherRev(); after != before {
			t.Errorf("another institution's revisions moved by %d", after-before)
		}
	})
}

// Every table holding data has touch triggers for inserts, updates and
// deletes, unless it is bookkeeping: a table added without them fails
// here.
func TestEveryTableHasTouchTriggers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		ctx := context.Background()
		var tables, triggers []string
		if db.Dialect().Name() == dialect.SQLite {
			if err := db.NewRaw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(ctx, &tables); err != nil {
				t.Fatal(err)
			}
			if err := db.NewRaw(`SELECT name FROM sqlite_master WHERE type = 'trigger'`).Scan(ctx, &triggers); err != nil {
				t.Fatal(err)
			}
		} else {
			if err := db.NewRaw(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`).Scan(ctx, &tables); err != nil {
				t.Fatal(err)
			}
			if err := db.NewRaw(`SELECT DISTINCT trigger_name FROM information_schema.triggers WHERE trigger_schema = current_schema()`).Scan(ctx, &triggers); err != nil {
				t.Fatal(err)
			}
		}
		if len(tables) < 20 {
			t.Fatalf("found only %d tables: %v", len(tables), tables)
		}
		for _, table := range tables {
			if slices.Contains(migrations.Bookkeeping, table) {
				continue
			}
			for _, op := range []string{"insert", "update", "delete"} {
				if name := "touch_" + table + "_" + op; !slices.Contains(triggers, name) {
					t.Errorf("table %s has no trigger %s: give it a Touch (migrations/touch.go) or list it in migrations.Bookkeeping", table, name)
				}
			}
		}
	})
}

// TestConcurrentWritesAdvanceTheRevision: eight writers changing one
// institution at once each advance its revision (the touch triggers run at
// commit on PostgreSQL, deferred, so the row is locked only while each
// commits): no change is lost and none counted twice.
func TestConcurrentWritesAdvanceTheRevision(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		ctx := context.Background()
		var inst int64
		if err := db.NewRaw(`INSERT INTO institutions (name, sector, country, version, created_at, updated_at, revision, flag_revision)
			VALUES ('Bloat', 'POLICE', 'ML', 1, ?, ?, 0, 0) RETURNING id`, time.Now(), time.Now()).Scan(ctx, &inst); err != nil {
			t.Fatal(err)
		}
		var before int64
		if err := db.NewRaw(`SELECT revision FROM institutions WHERE id = ?`, inst).Scan(ctx, &before); err != nil {
			t.Fatal(err)
		}
		const writers, each = 8, 500
		var wg sync.WaitGroup
		errc := make(chan error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
						_, err := tx.ExecContext(ctx, `UPDATE institutions SET acronym = ? WHERE id = ?`, fmt.Sprint(w, "-", i), inst)
						return err
					})
					if err != nil {
						errc <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		var after int64
		if err := db.NewRaw(`SELECT revision FROM institutions WHERE id = ?`, inst).Scan(ctx, &after); err != nil {
			t.Fatal(err)
		}
		if after != before+writers*each {
			t.Errorf("%d changes advanced the revision from %d to %d", writers*each, before, after)
		}
		if db.Dialect().Name() != dialect.PG {
			return // SQLite: one writer at a time, immediate triggers
		}
		var deferred, all int
		if err := db.NewRaw(`SELECT count(*) FILTER (WHERE tgdeferrable AND tginitdeferred), count(*) FROM pg_trigger WHERE tgname LIKE 'touch\_%'`).Scan(ctx, &deferred, &all); err != nil {
			t.Fatal(err)
		}
		if all == 0 || deferred != all {
			t.Errorf("%d of %d touch triggers run at commit", deferred, all)
		}
		// Each advances the counters through gendertrack_touch: once per
		// transaction and institution or plan, not once per row.
		var calling, functions int
		if err := db.NewRaw(`SELECT count(*) FILTER (WHERE prosrc LIKE '%gendertrack_touch(%'), count(*) FROM pg_proc WHERE proname LIKE 'touch\_%'`).Scan(ctx, &calling, &functions); err != nil {
			t.Fatal(err)
		}
		if functions != all || calling != functions {
			t.Errorf("%d of %d touch functions call gendertrack_touch (%d triggers)", calling, functions, all)
		}
	})
}

// TestRevisionCountersKeepRoom: the tables of the revision counters, which
// every write updates, keep their pages four-fifths empty on PostgreSQL
// (migration 20261201000023), so that they bloat later where autovacuum
// is off (docs/PERFORMANCE.md, steps 30 and 35: the server then also
// vacuums them, TestCountersAreVacuumed). SQLite rewrites rows in place:
// there the tables have no such option, and the counters still advance.
func TestRevisionCountersKeepRoom(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		ctx := context.Background()
		tables := []string{"data_revision", "institutions", "plan_flag_revisions"}
		if db.Dialect().Name() != dialect.PG {
			var n int
			if err := db.NewRaw(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (?)`, bun.List(tables)).Scan(ctx, &n); err != nil || n != len(tables) {
				t.Fatalf("%d of the counter tables: %v", n, err)
			}
			return
		}
		var rows []struct {
			Name string `bun:"relname"`
			Opts string `bun:"opts"`
		}
		if err := db.NewRaw(`SELECT relname, coalesce(array_to_string(reloptions, ','), '') AS opts FROM pg_class
			WHERE relname IN (?) AND relkind = 'r' ORDER BY relname`, bun.List(tables)).Scan(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(tables) {
			t.Fatalf("counter tables: %+v", rows)
		}
		for _, r := range rows {
			if r.Opts != "fillfactor=20" {
				t.Errorf("%s: options %q, want fillfactor=20", r.Name, r.Opts)
			}
		}
	})
}

// VacuumCounters vacuums every counter table on PostgreSQL (the server
// does so every 30 s when autovacuum is off: KeepCountersVacuumed), and is
// a no-op on SQLite.
func TestCountersAreVacuumed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		ctx := context.Background()
		if db.Dialect().Name() != dialect.PG {
			if err := db.VacuumCounters(ctx); err != nil {
				t.Fatal(err)
			}
			return
		}
		count := func() map[string]int64 {
			var rows []struct {
				Name string `bun:"relname"`
				N    int64  `bun:"n"`
			}
			if err := db.NewRaw(`SELECT relname, vacuum_count AS n FROM pg_stat_user_tables WHERE relname IN (?)`, bun.List(store.CounterTables)).Scan(ctx, &rows); err != nil {
				t.Fatal(err)
			}
			m := map[string]int64{}
			for _, r := range rows {
				m[r.Name] = r.N
			}
			return m
		}
		before := count()
		if err := db.VacuumCounters(ctx); err != nil {
			t.Fatal(err)
		}
		after := count()
		for _, tbl := range store.CounterTables {
			if after[tbl] <= before[tbl] {
				t.Errorf("%s: vacuumed %d times before, %d after", tbl, before[tbl], after[tbl])
			}
		}
	})
}
