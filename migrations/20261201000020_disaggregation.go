package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// Disaggregation (issue #15, RULES.md §7 and §8): an indicator's dimensions
// and per-category targets, each a row of its own so that the gap rule
// PEOPLE_INDICATOR_NOT_DISAGGREGATED is one set-based query; a
// measurement's breakdown as JSON text on the measurement (always read and
// written whole with it), and the newest measurement's breakdown mirrored
// on the indicator beside latest_value, so that category targets' status
// needs no read of the measurements. Both new tables get touch triggers:
// their rows are plan data.
func init() {
	stmts := []string{
		`ALTER TABLE indicators ADD COLUMN counts_people BOOLEAN NOT NULL DEFAULT FALSE`,
		`ALTER TABLE indicators ADD COLUMN aggregation TEXT NOT NULL DEFAULT 'SUM'`,
		`ALTER TABLE indicators ADD COLUMN latest_breakdown TEXT`,
		`ALTER TABLE measurements ADD COLUMN breakdown TEXT`,
		`CREATE TABLE indicator_dimensions (
			id {id},
			indicator_id {bigint} NOT NULL REFERENCES indicators (id),
			ordinal INTEGER NOT NULL,
			kind TEXT NOT NULL,
			dim_key TEXT NOT NULL,
			label TEXT,
			categories TEXT,
			UNIQUE (indicator_id, dim_key)
		)`,
		`CREATE TABLE indicator_category_targets (
			id {id},
			indicator_id {bigint} NOT NULL REFERENCES indicators (id),
			ordinal INTEGER NOT NULL,
			dimension TEXT NOT NULL,
			category TEXT NOT NULL,
			baseline {float},
			target {float} NOT NULL,
			UNIQUE (indicator_id, dimension, category)
		)`,
	}
	viaIndicator := func(col string) string { return "SELECT " + col + " FROM indicators WHERE id = $R.indicator_id" }
	touchUp, touchDown := touchMigration(
		Touch{Table: "indicator_dimensions", Institution: viaIndicator("institution_id"), Plan: viaIndicator("plan_id")},
		Touch{Table: "indicator_category_targets", Institution: viaIndicator("institution_id"), Plan: viaIndicator("plan_id")},
	)
	up := func(ctx context.Context, db *bun.DB) error {
		if err := tx(stmts...)(ctx, db); err != nil {
			return err
		}
		return touchUp(ctx, db)
	}
	down := func(ctx context.Context, db *bun.DB) error {
		if err := touchDown(ctx, db); err != nil {
			return err
		}
		return tx(
			`DROP TABLE IF EXISTS indicator_category_targets`,
			`DROP TABLE IF EXISTS indicator_dimensions`,
			`ALTER TABLE measurements DROP COLUMN breakdown`,
			`ALTER TABLE indicators DROP COLUMN latest_breakdown`,
			`ALTER TABLE indicators DROP COLUMN aggregation`,
			`ALTER TABLE indicators DROP COLUMN counts_people`,
		)(ctx, db)
	}
	All.MustRegister(up, down)
}
