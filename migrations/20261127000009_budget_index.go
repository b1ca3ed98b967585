package migrations

// The leadership summary sums an institution's budget lines. Without this
// index PostgreSQL scanned every resource requirement of every institution
// (400 ms at 810,000 rows); with it, only the institution's.
func init() {
	All.MustRegister(tx(
		`CREATE INDEX resource_requirements_institution_idx ON resource_requirements (institution_id, plan_id)`,
	), tx(`DROP INDEX resource_requirements_institution_idx`))
}
