package migrations

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// The revision counters (institutions.revision and flag_revision,
// plan_flag_revisions, data_revision) are updated by every write (up to
// three times until migration 20261202000024, once since), under readers
// that scan them for every cacheable request.
// Without autovacuum (it is off on some servers, this project's test
// machines among them) the old row versions piled up: 30 institutions
// took 38 MB after a load run of ~30,000 writes, and the version read
// became an 11 ms scan. With pages kept four-fifths empty, a new version
// nearly always finds room in its row's page, where it is pruned as the
// page is read: the same writes then left 88 kB (docs/PERFORMANCE.md).
// Existing bloat goes with the next VACUUM FULL. SQLite rewrites rows in
// place.
func init() {
	set := func(ff int) func(ctx context.Context, db *bun.DB) error {
		return func(ctx context.Context, db *bun.DB) error {
			if db.Dialect().Name() != dialect.PG {
				return nil
			}
			return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				var stmts []string
				for _, t := range []string{"institutions", "plan_flag_revisions", "data_revision"} {
					if ff == 100 {
						stmts = append(stmts, "ALTER TABLE "+t+" RESET (fillfactor)")
					} else {
						stmts = append(stmts, "ALTER TABLE "+t+" SET (fillfactor = 20)")
					}
				}
				return Exec(ctx, tx, stmts...)
			})
		}
	}
	All.MustRegister(set(20), set(100))
}
