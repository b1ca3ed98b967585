package migrations

// Gap flags. Automatic flags are derived from the data on every read; this
// table keeps what the data cannot say: when each automatic flag was first
// seen, the state set by hand (OPEN, ACKNOWLEDGED, DISMISSED) with its note,
// and when its condition was last seen to stop holding (resolved_at). Their
// flag_key is "<rule>:<subject type>:<subject id>:<plan id or 0>", unique.
// MANUAL flags, raised by raiseGapFlag, live here entirely (flag_key NULL):
// category, severity, message and optional subject as raised.
//
// category, severity, label and detail of automatic rows are a snapshot of
// the last sighting, so that a RESOLVED flag (whose condition no longer
// holds) can still be shown.
func init() {
	All.MustRegister(tx(
		`CREATE TABLE gap_flags (
			id {id},
			institution_id {bigint} NOT NULL REFERENCES institutions (id),
			plan_id {bigint} REFERENCES action_plans (id),
			rule TEXT NOT NULL,
			flag_key TEXT,
			subject_type TEXT,
			subject_id {bigint},
			action_id {bigint},
			category TEXT NOT NULL,
			severity TEXT NOT NULL,
			message TEXT,
			label TEXT,
			detail TEXT,
			state TEXT NOT NULL,
			note TEXT,
			detected_at {ts} NOT NULL,
			resolved_at {ts},
			raised_by {bigint} REFERENCES users (id),
			version INTEGER NOT NULL DEFAULT 1,
			created_at {ts} NOT NULL,
			updated_at {ts} NOT NULL
		)`,
		`CREATE UNIQUE INDEX gap_flags_key ON gap_flags (flag_key)`,
		`CREATE INDEX gap_flags_institution_idx ON gap_flags (institution_id, rule)`,
		`CREATE INDEX gap_flags_plan_idx ON gap_flags (plan_id)`,
		`CREATE INDEX gap_flags_state_idx ON gap_flags (institution_id, state)`,
	), dropAll("gap_flags"))
}
