package migrations

// Institutions, their unit trees, and partner organisations.
func init() {
	All.MustRegister(tx(
		`CREATE TABLE institutions (
			id {id},
			name TEXT NOT NULL,
			acronym TEXT,
			sector TEXT NOT NULL,
			country TEXT NOT NULL,
			version INTEGER NOT NULL DEFAULT 1,
			created_at {ts} NOT NULL,
			updated_at {ts} NOT NULL
		)`,
		`CREATE UNIQUE INDEX institutions_name_key ON institutions (name)`,
		`CREATE TABLE units (
			id {id},
			institution_id {bigint} NOT NULL REFERENCES institutions (id),
			parent_id {bigint} REFERENCES units (id),
			name TEXT NOT NULL,
			kind TEXT NOT NULL,
			region TEXT,
			gender_focal_point TEXT,
			focal_point_dedicated BOOLEAN NOT NULL DEFAULT FALSE,
			version INTEGER NOT NULL DEFAULT 1,
			created_at {ts} NOT NULL,
			updated_at {ts} NOT NULL
		)`,
		`CREATE INDEX units_institution_idx ON units (institution_id, id)`,
		`CREATE INDEX units_parent_idx ON units (parent_id)`,
		`CREATE TABLE partners (
			id {id},
			name TEXT NOT NULL,
			kind TEXT NOT NULL,
			country TEXT,
			version INTEGER NOT NULL DEFAULT 1,
			created_at {ts} NOT NULL
		)`,
		`CREATE UNIQUE INDEX partners_name_key ON partners (name)`,
	), dropAll("partners", "units", "institutions"))
}
