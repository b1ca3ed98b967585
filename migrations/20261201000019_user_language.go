package migrations

// A user's language in the web workspace (RULES.md §9: a signed-in user's
// choice wins over Accept-Language). NULL means "no choice yet": the
// browser's Accept-Language decides.
func init() {
	All.MustRegister(tx(
		`ALTER TABLE users ADD COLUMN language TEXT`,
	), tx(`ALTER TABLE users DROP COLUMN language`))
}
