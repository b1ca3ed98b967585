package migrations

// A mutation request sent with an Idempotency-Key header is applied once
// per caller and key: the key is written in the transaction of the change
// it belongs to, and the answer next to it once it is known, so a retry
// gets that answer back instead of applying the change again. Rows older
// than a day carry nothing and are deleted.
func init() {
	All.MustRegister(tx(
		`CREATE TABLE idempotency_keys (
			caller TEXT NOT NULL,
			idem_key TEXT NOT NULL,
			request_hash TEXT NOT NULL,
			status INTEGER,
			response TEXT,
			created_at {ts} NOT NULL,
			PRIMARY KEY (caller, idem_key)
		)`,
		`CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)`,
	), dropAll("idempotency_keys"))
}
