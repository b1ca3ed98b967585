package migrations

// Each action counts its progress updates, kept by recordProgress in the
// transaction that adds one. A plan page showed the count of every
// action's updates by counting them: with a long history (80 updates an
// action) that was a quarter of PostgreSQL's time under the mixed load,
// and it grows with the history, where the stored count does not.
func init() {
	All.MustRegister(tx(
		`ALTER TABLE actions ADD COLUMN update_count INTEGER NOT NULL DEFAULT 0`,
		`UPDATE actions SET update_count = (SELECT COUNT(*) FROM progress_updates u WHERE u.action_id = actions.id)
			WHERE EXISTS (SELECT 1 FROM progress_updates u WHERE u.action_id = actions.id)`,
	), tx(`ALTER TABLE actions DROP COLUMN update_count`))
}
