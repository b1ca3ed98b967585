package migrations

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// On PostgreSQL the touch triggers advance the revision counters once per
// transaction for each institution and plan it changed, not once per
// changed row (gendertrack_touch, touch.go): a record-progress request
// updated its institution's counter row three times and its plan's twice
// while committing, and the writes of one institution queue on that row.
// The triggers stay; their functions are rewritten. SQLite keeps its
// per-row triggers: one writer at a time, rows rewritten in place.
func init() {
	rewrite := func(perRow bool) func(ctx context.Context, db *bun.DB) error {
		return func(ctx context.Context, db *bun.DB) error {
			if db.Dialect().Name() != dialect.PG {
				return nil
			}
			return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				var stmts []string
				if !perRow {
					stmts = append(stmts, touchFunction)
				}
				for _, t := range touched {
					for _, op := range touchOps {
						stmts = append(stmts, touchFunctionOf(t, op, perRow))
					}
				}
				if perRow {
					stmts = append(stmts, "DROP FUNCTION IF EXISTS gendertrack_touch(bigint, bigint, boolean)")
				}
				return Exec(ctx, tx, stmts...)
			})
		}
	}
	All.MustRegister(rewrite(false), rewrite(true))
}
