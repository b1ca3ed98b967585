package migrations

// The data versions advance by triggers from what each transaction writes
// (see touch.go), no longer at each audit call.
func init() {
	viaAction := func(col string) string { return "SELECT " + col + " FROM actions WHERE id = $R.action_id" }
	viaIndicator := func(col string) string { return "SELECT " + col + " FROM indicators WHERE id = $R.indicator_id" }
	viaObjective := func(col string) string { return "SELECT " + col + " FROM objectives WHERE id = $R.objective_id" }
	always := map[string]string{"INSERT": "TRUE", "UPDATE": "TRUE", "DELETE": "TRUE"}
	up, down := touchMigration(
		// An institution's own row: its revision columns are what the
		// triggers advance, so only other changes count.
		Touch{Table: "institutions", Institution: "$R.id",
			When: map[string]string{"UPDATE": "NEW.revision = OLD.revision AND NEW.flag_revision = OLD.flag_revision"}},
		Touch{Table: "units", Institution: "$R.institution_id"},
		Touch{Table: "partners"},
		Touch{Table: "users"},
		Touch{Table: "role_assignments", Institution: "$R.institution_id"},
		Touch{Table: "api_keys"},
		Touch{Table: "api_key_institutions", Institution: "$R.institution_id"},
		// Signing in and out shows in the audit trail and the viewer alone.
		Touch{Table: "sessions", Answers: always},
		Touch{Table: "audit_events", Institution: "$R.institution_id", Answers: always},
		Touch{Table: "questionnaires"},
		// A draft's answers are read by that assessment's own fields alone
		// (the gap rules read validated assessments): saving them, which
		// also stamps the draft, is on the answers side; creating, moving
		// and every other change is not.
		Touch{Table: "assessments", Institution: "$R.institution_id",
			Answers: map[string]string{"UPDATE": "OLD.status = 'DRAFT' AND NEW.status = 'DRAFT'"}},
		Touch{Table: "responses", Institution: "SELECT institution_id FROM assessments WHERE id = $R.assessment_id", Answers: always},
		Touch{Table: "findings", Institution: "$R.institution_id"},
		Touch{Table: "action_plans", Institution: "$R.institution_id", Plan: "$R.id"},
		Touch{Table: "objectives", Institution: "$R.institution_id", Plan: "$R.plan_id"},
		Touch{Table: "objective_findings", Institution: viaObjective("institution_id"), Plan: viaObjective("plan_id")},
		Touch{Table: "actions", Institution: "$R.institution_id", Plan: "$R.plan_id"},
		Touch{Table: "action_findings", Institution: viaAction("institution_id"), Plan: viaAction("plan_id")},
		Touch{Table: "action_partners", Institution: viaAction("institution_id"), Plan: viaAction("plan_id")},
		Touch{Table: "action_supporting_units", Institution: viaAction("institution_id"), Plan: viaAction("plan_id")},
		Touch{Table: "resource_requirements", Institution: "$R.institution_id", Plan: "$R.plan_id"},
		Touch{Table: "indicators", Institution: "$R.institution_id", Plan: "$R.plan_id"},
		Touch{Table: "measurements", Institution: viaIndicator("institution_id"), Plan: viaIndicator("plan_id")},
		Touch{Table: "progress_updates", Institution: viaAction("institution_id"), Plan: viaAction("plan_id")},
		Touch{Table: "disseminations", Institution: "SELECT institution_id FROM action_plans WHERE id = $R.plan_id", Plan: "$R.plan_id"},
		// Gap flags: a raised flag, and a change of state, note or version
		// (setGapFlagState) count; what a read records of automatic flags
		// (first sighting, resolution, labels) is derived from data whose
		// change was already counted.
		Touch{Table: "gap_flags", Institution: "$R.institution_id", Plan: "$R.plan_id",
			When: map[string]string{
				"INSERT": "NEW.rule = 'MANUAL'",
				"UPDATE": "OLD.state <> NEW.state OR OLD.version <> NEW.version OR COALESCE(OLD.note, '') <> COALESCE(NEW.note, '')",
			}},
	)
	All.MustRegister(up, down)
}
