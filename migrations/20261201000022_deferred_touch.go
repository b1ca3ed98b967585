package migrations

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// The touch triggers run at commit on PostgreSQL (deferred constraint
// triggers): a write locked its institution's row from its first changed
// row until its commit, so every write of one institution waited for the
// whole transactions of the others. At commit the counters advance in the
// same transaction as before, so no reader sees a change without its new
// revision, nor the reverse. SQLite, with one writer at a time, keeps its
// triggers.
func init() {
	convert := func(from, to func(def string) string, constraint bool) func(ctx context.Context, db *bun.DB) error {
		return func(ctx context.Context, db *bun.DB) error {
			if db.Dialect().Name() != dialect.PG {
				return nil
			}
			return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				var rows []struct {
					Name  string `bun:"name"`
					Table string `bun:"tbl"`
					Def   string `bun:"def"`
				}
				cond := "t.tgconstraint = 0"
				if constraint {
					cond = "t.tgconstraint <> 0"
				}
				if err := tx.NewRaw(`SELECT t.tgname AS name, t.tgrelid::regclass::text AS tbl, pg_get_triggerdef(t.oid) AS def
					FROM pg_trigger AS t WHERE t.tgname LIKE 'touch\_%' AND NOT t.tgisinternal AND `+cond+` ORDER BY t.tgname`).Scan(ctx, &rows); err != nil {
					return err
				}
				for _, r := range rows {
					def := from(r.Def)
					if def == r.Def {
						return fmt.Errorf("trigger %s: unexpected definition %q", r.Name, r.Def)
					}
					if err := Exec(ctx, tx, fmt.Sprintf("DROP TRIGGER %s ON %s", r.Name, r.Table), to(def)); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
	deferred := func(def string) string {
		def = strings.Replace(def, "CREATE TRIGGER ", "CREATE CONSTRAINT TRIGGER ", 1)
		return strings.Replace(def, " FOR EACH ROW", " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW", 1)
	}
	immediate := func(def string) string {
		def = strings.Replace(def, "CREATE CONSTRAINT TRIGGER ", "CREATE TRIGGER ", 1)
		return strings.Replace(def, " DEFERRABLE INITIALLY DEFERRED", "", 1)
	}
	same := func(def string) string { return def }
	All.MustRegister(convert(deferred, same, false), convert(immediate, same, true))
}
