package migrations

// plan_flag_revisions counts, per plan, the audited changes to it that can
// alter a gap flag. When every change to an institution since its flags
// were derived belongs to a plan, the flag cache derives those plans'
// flags again, not the institution's: a progress update costs one plan's
// rules, not every plan's. The counter has its own table because changes
// hold a share lock on the plan's row (against concurrent transitions):
// two of them updating that row would deadlock.
func init() {
	All.MustRegister(tx(
		`CREATE TABLE plan_flag_revisions (
			plan_id {bigint} PRIMARY KEY REFERENCES action_plans (id),
			revision {bigint} NOT NULL
		)`,
	), tx(`DROP TABLE plan_flag_revisions`))
}
