package migrations

// The counts of failed sign-ins by which sign-in is throttled (RULES.md §3),
// shared by every instance on the database. A row is one key: a client
// address ("addr:…") or a client address with an email ("pair:" and a
// hash). A writer holds the row until its transaction ends (the upsert
// that reads it locks it), so that instances writing at once lose no
// count. expires_at is when the row stops carrying information; rows past
// it are deleted as failures are written.
func init() {
	All.MustRegister(tx(
		`CREATE TABLE sign_in_throttle (
			key TEXT PRIMARY KEY,
			failures INTEGER NOT NULL DEFAULT 0,
			window_start {ts},
			locked_until {ts},
			expires_at {ts} NOT NULL
		)`,
		`CREATE INDEX sign_in_throttle_expires_idx ON sign_in_throttle (expires_at)`,
	), dropAll("sign_in_throttle"))
}
