package migrations

// institutions.revision counts the changes made to an institution's data.
// Every audited mutation of the institution advances it in the change's own
// transaction, so caches of derived data (the gap flags) can tell, with one
// cheap read, whether what they hold is still current — on every instance.
func init() {
	All.MustRegister(tx(
		`ALTER TABLE institutions ADD COLUMN revision {bigint} NOT NULL DEFAULT 0`,
	), tx(`ALTER TABLE institutions DROP COLUMN revision`))
}
