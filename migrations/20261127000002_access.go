package migrations

// Users, their roles per institution, sign-in sessions, API keys, the audit
// trail, and the counter that tells every instance when roles changed.
func init() {
	All.MustRegister(tx(
		`CREATE TABLE users (
			id {id},
			email TEXT NOT NULL,
			name TEXT NOT NULL,
			password_hash TEXT NOT NULL,
			version INTEGER NOT NULL DEFAULT 1,
			created_at {ts} NOT NULL
		)`,
		`CREATE UNIQUE INDEX users_email_key ON users (email)`,
		`CREATE TABLE role_assignments (
			id {id},
			user_id {bigint} NOT NULL REFERENCES users (id),
			role TEXT NOT NULL,
			institution_id {bigint} REFERENCES institutions (id),
			created_at {ts} NOT NULL
		)`,
		`CREATE INDEX role_assignments_user_idx ON role_assignments (user_id)`,
		`CREATE TABLE sessions (
			id {id},
			user_id {bigint} NOT NULL REFERENCES users (id),
			token_hash TEXT NOT NULL,
			created_at {ts} NOT NULL,
			expires_at {ts} NOT NULL,
			revoked_at {ts}
		)`,
		`CREATE UNIQUE INDEX sessions_token_key ON sessions (token_hash)`,
		`CREATE TABLE api_keys (
			id {id},
			name TEXT NOT NULL,
			role TEXT NOT NULL,
			secret_hash TEXT NOT NULL,
			created_by {bigint} REFERENCES users (id),
			created_at {ts} NOT NULL,
			revoked_at {ts}
		)`,
		`CREATE UNIQUE INDEX api_keys_secret_key ON api_keys (secret_hash)`,
		`CREATE TABLE api_key_institutions (
			api_key_id {bigint} NOT NULL REFERENCES api_keys (id),
			institution_id {bigint} NOT NULL REFERENCES institutions (id),
			PRIMARY KEY (api_key_id, institution_id)
		)`,
		`CREATE TABLE audit_events (
			id {id},
			at {ts} NOT NULL,
			actor_id {bigint} REFERENCES users (id),
			api_key_id {bigint} REFERENCES api_keys (id),
			operation TEXT NOT NULL,
			subject_id TEXT,
			institution_id {bigint} REFERENCES institutions (id),
			changes TEXT
		)`,
		`CREATE INDEX audit_events_institution_idx ON audit_events (institution_id, id)`,
		`CREATE INDEX audit_events_subject_idx ON audit_events (subject_id, id)`,
		`CREATE TABLE authz_state (
			id INTEGER PRIMARY KEY,
			version {bigint} NOT NULL
		)`,
		`INSERT INTO authz_state (id, version) VALUES (1, 1)`,
	), dropAll("authz_state", "audit_events", "api_key_institutions", "api_keys", "sessions", "role_assignments", "users"))
}
