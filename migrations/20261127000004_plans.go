package migrations

// Action plans and everything below them. Rows below a plan carry plan_id
// and institution_id so that every rule and list is one set-based query
// scoped by tenant. Money is NUMERIC on PostgreSQL and TEXT on SQLite: it
// never passes through a float. resource_requirements.funding_status is
// derived on write (exactly, in Go) so that SQL can filter on it.
func init() {
	All.MustRegister(tx(
		`CREATE TABLE action_plans (
			id {id},
			institution_id {bigint} NOT NULL REFERENCES institutions (id),
			source_assessment_id {bigint} REFERENCES assessments (id),
			title TEXT NOT NULL,
			start_date TEXT NOT NULL,
			end_date TEXT NOT NULL,
			status TEXT NOT NULL,
			adopted_at {ts},
			adopted_by {bigint} REFERENCES users (id),
			closed_at {ts},
			version INTEGER NOT NULL DEFAULT 1,
			created_at {ts} NOT NULL,
			updated_at {ts} NOT NULL
		)`,
		`CREATE INDEX action_plans_institution_idx ON action_plans (institution_id, id)`,
		`CREATE TABLE objectives (
			id {id},
			plan_id {bigint} NOT NULL REFERENCES action_plans (id),
			institution_id {bigint} NOT NULL REFERENCES institutions (id),
			title TEXT NOT NULL,
			description TEXT,
			version INTEGER NOT NULL DEFAULT 1,
			created_at {ts} NOT NULL,
			updated_at {ts} NOT NULL
		)`,
		`CREATE INDEX objectives_plan_idx ON objectives (plan_id, id)`,
		`CREATE TABLE objective_findings (
			objective_id {bigint} NOT NULL REFERENCES objectives (id),
			finding_id {bigint} NOT NULL REFERENCES findings (id),
			PRIMARY KEY (objective_id, finding_id)
		)`,
		`CREATE INDEX objective_findings_finding_idx ON objective_findings (finding_id)`,
		`CREATE TABLE actions (
			id {id},
			plan_id {bigint} NOT NULL REFERENCES action_plans (id),
			institution_id {bigint} NOT NULL REFERENCES institutions (id),
			objective_id {bigint} REFERENCES objectives (id),
			title TEXT NOT NULL,
			description TEXT,
			kind TEXT NOT NULL,
			lead_unit_id {bigint} REFERENCES units (id),
			accountable TEXT,
			start_date TEXT,
			due_date TEXT,
			status TEXT NOT NULL,
			progress_percent INTEGER NOT NULL DEFAULT 0,
			last_progress_at {ts},
			version INTEGER NOT NULL DEFAULT 1,
			created_at {ts} NOT NULL,
			updated_at {ts} NOT NULL
		)`,
		`CREATE INDEX actions_plan_idx ON actions (plan_id, id)`,
		`CREATE INDEX actions_objective_idx ON actions (objective_id)`,
		`CREATE INDEX actions_lead_unit_idx ON actions (lead_unit_id)`,
		`CREATE INDEX actions_institution_idx ON actions (institution_id, status)`,
		`CREATE TABLE action_supporting_units (
			action_id {bigint} NOT NULL REFERENCES actions (id),
			unit_id {bigint} NOT NULL REFERENCES units (id),
			PRIMARY KEY (action_id, unit_id)
		)`,
		`CREATE TABLE action_partners (
			action_id {bigint} NOT NULL REFERENCES actions (id),
			partner_id {bigint} NOT NULL REFERENCES partners (id),
			PRIMARY KEY (action_id, partner_id)
		)`,
		`CREATE TABLE action_findings (
			action_id {bigint} NOT NULL REFERENCES actions (id),
			finding_id {bigint} NOT NULL REFERENCES findings (id),
			PRIMARY KEY (action_id, finding_id)
		)`,
		`CREATE INDEX action_findings_finding_idx ON action_findings (finding_id)`,
		`CREATE TABLE resource_requirements (
			id {id},
			action_id {bigint} NOT NULL REFERENCES actions (id),
			plan_id {bigint} NOT NULL REFERENCES action_plans (id),
			institution_id {bigint} NOT NULL REFERENCES institutions (id),
			kind TEXT NOT NULL,
			description TEXT NOT NULL,
			quantity_required {float},
			quantity_secured {float},
			unit TEXT,
			amount_required {decimal},
			amount_secured {decimal},
			currency TEXT,
			provider_id {bigint} REFERENCES partners (id),
			funding_status TEXT NOT NULL,
			version INTEGER NOT NULL DEFAULT 1,
			created_at {ts} NOT NULL,
			updated_at {ts} NOT NULL
		)`,
		`CREATE INDEX resource_requirements_action_idx ON resource_requirements (action_id, id)`,
		`CREATE INDEX resource_requirements_plan_idx ON resource_requirements (plan_id)`,
		`CREATE TABLE indicators (
			id {id},
			plan_id {bigint} NOT NULL REFERENCES action_plans (id),
			institution_id {bigint} NOT NULL REFERENCES institutions (id),
			objective_id {bigint} REFERENCES objectives (id),
			action_id {bigint} REFERENCES actions (id),
			name TEXT NOT NULL,
			level TEXT NOT NULL,
			unit TEXT,
			baseline {float},
			target {float} NOT NULL,
			baseline_date TEXT,
			target_date TEXT,
			means_of_verification TEXT,
			latest_value {float},
			latest_measured_on TEXT,
			version INTEGER NOT NULL DEFAULT 1,
			created_at {ts} NOT NULL,
			updated_at {ts} NOT NULL
		)`,
		`CREATE INDEX indicators_plan_idx ON indicators (plan_id, id)`,
		`CREATE INDEX indicators_objective_idx ON indicators (objective_id)`,
		`CREATE INDEX indicators_action_idx ON indicators (action_id)`,
		`CREATE TABLE measurements (
			id {id},
			indicator_id {bigint} NOT NULL REFERENCES indicators (id),
			value {float} NOT NULL,
			measured_on TEXT NOT NULL,
			source TEXT,
			note TEXT,
			recorded_by {bigint} REFERENCES users (id),
			created_at {ts} NOT NULL
		)`,
		`CREATE INDEX measurements_indicator_idx ON measurements (indicator_id, measured_on)`,
		`CREATE TABLE progress_updates (
			id {id},
			action_id {bigint} NOT NULL REFERENCES actions (id),
			author_id {bigint} REFERENCES users (id),
			created_at {ts} NOT NULL,
			status TEXT NOT NULL,
			progress_percent INTEGER NOT NULL,
			note TEXT,
			evidence TEXT
		)`,
		`CREATE INDEX progress_updates_action_idx ON progress_updates (action_id, id)`,
		`CREATE TABLE disseminations (
			id {id},
			plan_id {bigint} NOT NULL REFERENCES action_plans (id),
			unit_id {bigint} NOT NULL REFERENCES units (id),
			date TEXT NOT NULL,
			method TEXT NOT NULL,
			note TEXT,
			recorded_by {bigint} REFERENCES users (id),
			created_at {ts} NOT NULL
		)`,
		`CREATE INDEX disseminations_plan_idx ON disseminations (plan_id, unit_id)`,
	), dropAll("disseminations", "progress_updates", "measurements", "indicators", "resource_requirements",
		"action_findings", "action_partners", "action_supporting_units", "actions", "objective_findings", "objectives", "action_plans"))
}
