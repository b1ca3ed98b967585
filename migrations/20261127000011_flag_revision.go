package migrations

// institutions.flag_revision counts the changes that can alter an
// institution's gap flags: every audited change but those that only touch
// a draft assessment's answers. The flag cache follows it instead of
// revision, so saving answers does not make every reader derive the
// institution's flags again.
func init() {
	All.MustRegister(tx(
		`ALTER TABLE institutions ADD COLUMN flag_revision {bigint} NOT NULL DEFAULT 0`,
	), tx(`ALTER TABLE institutions DROP COLUMN flag_revision`))
}
