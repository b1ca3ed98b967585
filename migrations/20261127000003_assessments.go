package migrations

// Questionnaires (stored as their canonical JSON document), assessments,
// responses and findings. Calendar dates are TEXT 'YYYY-MM-DD' on both
// databases: they compare correctly as strings.
func init() {
	All.MustRegister(tx(
		`CREATE TABLE questionnaires (
			id {id},
			key TEXT NOT NULL,
			version INTEGER NOT NULL,
			default_language TEXT NOT NULL,
			document TEXT NOT NULL,
			created_at {ts} NOT NULL
		)`,
		`CREATE UNIQUE INDEX questionnaires_key_version_key ON questionnaires (key, version)`,
		`CREATE TABLE assessments (
			id {id},
			institution_id {bigint} NOT NULL REFERENCES institutions (id),
			questionnaire_id {bigint} NOT NULL REFERENCES questionnaires (id),
			title TEXT NOT NULL,
			start_date TEXT NOT NULL,
			end_date TEXT,
			status TEXT NOT NULL,
			submitted_at {ts},
			validated_at {ts},
			validated_by {bigint} REFERENCES users (id),
			version INTEGER NOT NULL DEFAULT 1,
			created_at {ts} NOT NULL,
			updated_at {ts} NOT NULL
		)`,
		`CREATE INDEX assessments_institution_idx ON assessments (institution_id, id)`,
		`CREATE TABLE responses (
			id {id},
			assessment_id {bigint} NOT NULL REFERENCES assessments (id),
			question_key TEXT NOT NULL,
			bool_value BOOLEAN,
			number_value {float},
			text_value TEXT,
			choice_keys TEXT,
			not_applicable BOOLEAN NOT NULL DEFAULT FALSE,
			comment TEXT,
			evidence TEXT,
			answered_by {bigint} REFERENCES users (id),
			version INTEGER NOT NULL DEFAULT 1,
			updated_at {ts} NOT NULL
		)`,
		`CREATE UNIQUE INDEX responses_assessment_question_key ON responses (assessment_id, question_key)`,
		`CREATE TABLE findings (
			id {id},
			assessment_id {bigint} NOT NULL REFERENCES assessments (id),
			institution_id {bigint} NOT NULL REFERENCES institutions (id),
			area_key TEXT NOT NULL,
			question_key TEXT,
			title TEXT NOT NULL,
			title_i18n TEXT,
			detail TEXT,
			category TEXT NOT NULL,
			severity TEXT NOT NULL,
			origin TEXT NOT NULL,
			created_at {ts} NOT NULL
		)`,
		`CREATE INDEX findings_assessment_idx ON findings (assessment_id, id)`,
		`CREATE INDEX findings_institution_idx ON findings (institution_id)`,
	), dropAll("findings", "responses", "assessments", "questionnaires"))
}
