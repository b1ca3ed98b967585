package migrations

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
)

// The data versions (institutions.revision and flag_revision,
// plan_flag_revisions, the data_revision rows) advance in the database
// itself, by triggers on every table that holds data a read can show: what
// a transaction writes decides what it invalidates, whichever code wrote
// it, and a table nobody thought of cannot be forgotten (a test fails when
// a table has no touch triggers and is not listed as bookkeeping).
//
// Each changed row advances:
//   - its institution's revision, and its flag revision unless the change
//     is on the "answers" side (Touch.Answers): gap flags and every read
//     but the answers of assessments that are not validated stay valid;
//   - its plan's flag revision when the row belongs to one plan's data and
//     is not on the answers side, so the flag cache derives that plan
//     again and not the whole institution (each such row advances the
//     institution and the plan by one, so the cache can tell that every
//     change since it looked was in those plans);
//   - when the row belongs to no institution (users, partners,
//     questionnaires, API keys, sessions), the global data_revision row: 1
//     for the general side, 2 for the answers side.

// Touch says how changes to the rows of one table advance the data
// versions. Expressions are SQL over the changed row, written $R.column;
// they are evaluated on NEW for inserts and updates and on OLD for
// deletes.
type Touch struct {
	Table string
	// Institution is the institution the row belongs to ("" or NULL: none).
	Institution string
	// Plan is the plan whose data the row is ("": none).
	Plan string
	// Answers, per operation (INSERT, UPDATE, DELETE), is a condition under
	// which the change is on the answers side; "" means never.
	Answers map[string]string
	// When, per operation, limits the changes that count at all; "" means
	// every change does.
	When map[string]string
}

var touchOps = []string{"INSERT", "UPDATE", "DELETE"}

// touchFunction is the PostgreSQL function gendertrack_touch, which every
// touch trigger calls with its row's institution, plan and side: it
// advances the counters at most once per transaction for each
// institution and plan a transaction changed, where the per-row bodies
// advanced them once per changed row (migration 20261202000024). A
// record-progress request changes three rows of one plan: it updated its
// institution's row three times and its plan's twice, all while
// committing, and the writes of one institution queued on that row.
//
// The pairing the flag cache relies on holds (gaps.changedPlans): each
// advance of a plan comes with one of its institution's flag revision,
// and a change outside any plan advances the institution alone, so the
// two still agree only when every change since was in those plans. A
// change on the answers side advances the institution's revision unless
// the transaction advanced it already: a reader of the answers compares
// the whole revision, which any advance changes. Which (institution,
// plan) a transaction advanced is kept in transaction-local settings,
// gone at its end.
const touchFunction = `CREATE OR REPLACE FUNCTION gendertrack_touch(inst bigint, plan bigint, answers boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	done text := 'gendertrack.touched_' || coalesce(inst::text, 'none');
	planned text := done || '_' || coalesce(plan::text, 'none');
BEGIN
	answers := coalesce(answers, FALSE);
	IF inst IS NULL THEN
		done := done || CASE WHEN answers THEN '_answers' ELSE '_general' END;
		IF current_setting(done, TRUE) = '1' THEN RETURN; END IF;
		PERFORM set_config(done, '1', TRUE);
		UPDATE data_revision SET revision = revision + 1 WHERE id = CASE WHEN answers THEN 2 ELSE 1 END;
		RETURN;
	END IF;
	IF answers THEN
		IF current_setting(done, TRUE) = '1' THEN RETURN; END IF;
		PERFORM set_config(done, '1', TRUE);
		UPDATE institutions SET revision = revision + 1 WHERE id = inst;
		RETURN;
	END IF;
	IF current_setting(planned, TRUE) = '1' THEN RETURN; END IF;
	PERFORM set_config(planned, '1', TRUE);
	PERFORM set_config(done, '1', TRUE);
	UPDATE institutions SET revision = revision + 1, flag_revision = flag_revision + 1 WHERE id = inst;
	IF plan IS NOT NULL THEN
		INSERT INTO plan_flag_revisions (plan_id, revision) VALUES (plan, 1)
			ON CONFLICT (plan_id) DO UPDATE SET revision = plan_flag_revisions.revision + 1;
	END IF;
END
$$`

// touched lists every table given touch triggers (touchMigration), for the
// migrations that rewrite their functions.
var touched []Touch

// overRow is the expression s of a Touch as SQL over the row op changed:
// NEW for inserts and updates, OLD for deletes; def when s is "".
func overRow(s, op, def string) string {
	if s == "" {
		return def
	}
	row := "NEW."
	if op == "DELETE" {
		row = "OLD."
	}
	return "(" + strings.ReplaceAll(s, "$R.", row) + ")"
}

// touchExprs are t's institution, plan and answers-side condition for op.
func touchExprs(t Touch, op string) (inst, plan, answers string) {
	return overRow(t.Institution, op, "NULL"), overRow(t.Plan, op, "NULL"), overRow(t.Answers[op], op, "FALSE")
}

// touchBody is the body of t's trigger for op: on PostgreSQL one call of
// gendertrack_touch, or, with perRow (SQLite, and PostgreSQL before
// migration 20261202000024), the statements that advance the counters for
// each changed row.
func touchBody(t Touch, op string, perRow bool) string {
	inst, plan, answers := touchExprs(t, op)
	if !perRow {
		return fmt.Sprintf("PERFORM gendertrack_touch(%s, %s, %s)", inst, plan, answers)
	}
	body := []string{
		fmt.Sprintf("UPDATE institutions SET revision = revision + 1, flag_revision = flag_revision + CASE WHEN %s THEN 0 ELSE 1 END WHERE id = %s", answers, inst),
	}
	if t.Plan != "" {
		body = append(body, fmt.Sprintf(`INSERT INTO plan_flag_revisions (plan_id, revision) SELECT %s, 1 WHERE %s IS NOT NULL AND %s IS NOT NULL AND NOT %s
				ON CONFLICT (plan_id) DO UPDATE SET revision = plan_flag_revisions.revision + 1`, plan, plan, inst, answers))
	}
	body = append(body, fmt.Sprintf("UPDATE data_revision SET revision = revision + 1 WHERE id = CASE WHEN %s THEN 2 ELSE 1 END AND %s IS NULL", answers, inst))
	return strings.Join(body, ";\n")
}

// touchFunctionOf is the PostgreSQL function behind t's trigger for op.
func touchFunctionOf(t Touch, op string, perRow bool) string {
	name := "touch_" + t.Table + "_" + strings.ToLower(op)
	return fmt.Sprintf("CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n%s;\nRETURN NULL;\nEND\n$$", name, touchBody(t, op, perRow))
}

// touchStatements returns the statements that create t's triggers on d.
func touchStatements(d dialect.Name, t Touch) []string {
	var out []string
	for _, op := range touchOps {
		name := "touch_" + t.Table + "_" + strings.ToLower(op)
		when := ""
		if w := overRow(t.When[op], op, ""); w != "" {
			when = " WHEN " + w
		}
		if d == dialect.SQLite {
			// One writer at a time, rows rewritten in place: the counters
			// advance for each changed row.
			out = append(out, fmt.Sprintf("CREATE TRIGGER %s AFTER %s ON %s FOR EACH ROW%s BEGIN\n%s;\nEND",
				name, op, t.Table, when, touchBody(t, op, true)))
			continue
		}
		// Deferred to the commit: the transaction locks its institution's
		// row (and its plan's) only while it commits, not from its first
		// write on, so the writes of one institution queue for a moment,
		// not for each other's whole transactions (docs/PERFORMANCE.md).
		out = append(out, touchFunctionOf(t, op, false),
			fmt.Sprintf("CREATE CONSTRAINT TRIGGER %s AFTER %s ON %s DEFERRABLE INITIALLY DEFERRED FOR EACH ROW%s EXECUTE FUNCTION %s()", name, op, t.Table, when, name))
	}
	return out
}

// dropTouchStatements returns the statements that remove t's triggers.
func dropTouchStatements(d dialect.Name, table string) []string {
	var out []string
	for _, op := range touchOps {
		name := "touch_" + table + "_" + strings.ToLower(op)
		if d == dialect.SQLite {
			out = append(out, "DROP TRIGGER IF EXISTS "+name)
			continue
		}
		out = append(out, fmt.Sprintf("DROP TRIGGER IF EXISTS %s ON %s", name, table), "DROP FUNCTION IF EXISTS "+name+"()")
	}
	return out
}

// touchMigration creates (up) or drops (down) the touch triggers of
// tables, in one transaction.
func touchMigration(tables ...Touch) (up, down migrate.MigrationFunc) {
	touched = append(touched, tables...)
	run := func(stmts func(dialect.Name) []string) migrate.MigrationFunc {
		return func(ctx context.Context, db *bun.DB) error {
			return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				return Exec(ctx, tx, stmts(db.Dialect().Name())...)
			})
		}
	}
	up = run(func(d dialect.Name) []string {
		var out []string
		if d != dialect.SQLite {
			// The function the PostgreSQL triggers call.
			out = append(out, touchFunction)
		}
		for _, t := range tables {
			out = append(out, touchStatements(d, t)...)
		}
		return out
	})
	down = run(func(d dialect.Name) []string {
		var out []string
		for _, t := range tables {
			out = append(out, dropTouchStatements(d, t.Table)...)
		}
		return out
	})
	return up, down
}

// Bookkeeping lists the tables without touch triggers: the versions
// themselves, and what no read of the data shows (idempotency answers,
// sign-in throttling, the authorization version, the migrations).
var Bookkeeping = []string{
	"data_revision", "plan_flag_revisions", "authz_state",
	"idempotency_keys", "sign_in_throttle",
	"bun_migrations", "bun_migration_locks",
}
