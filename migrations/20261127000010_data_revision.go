package migrations

// data_revision counts the audited changes that belong to no institution
// (users, partners, operator commands). With the institutions' revisions it
// makes the data version: their sum grows with every committed change, so
// a cache keyed by it (the response cache) never serves data older than
// the last change, on any instance.
func init() {
	All.MustRegister(tx(
		`CREATE TABLE data_revision (id INTEGER PRIMARY KEY, revision {bigint} NOT NULL)`,
		`INSERT INTO data_revision (id, revision) VALUES (1, 0)`,
	), tx(`DROP TABLE data_revision`))
}
