package migrations

import (
	"context"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Evidence files (RULES.md section 7): the bytes of each file in the
// database, next to its checksum, size, type, name, uploader and time, so
// that attaching and removing are transactional and every backup holds
// them. A file belongs to one Response or one ProgressUpdate; the
// institution, and the assessment or plan, are copied onto the row so that
// reads authorize and the touch triggers count without a join.
//
// Touch: a Response's file is on the answers side while its assessment is
// a draft (files attach and go only then, as answers are saved); a
// ProgressUpdate's file is on its plan's side.
func init() {
	create := func(ctx context.Context, db *bun.DB) error {
		blob := "BYTEA"
		if db.Dialect().Name() == dialect.SQLite {
			blob = "BLOB"
		}
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return Exec(ctx, tx,
				strings.ReplaceAll(`CREATE TABLE evidence_files (
					id {id},
					institution_id {bigint} NOT NULL REFERENCES institutions (id),
					response_id {bigint} REFERENCES responses (id) ON DELETE CASCADE,
					assessment_id {bigint} REFERENCES assessments (id) ON DELETE CASCADE,
					progress_update_id {bigint} REFERENCES progress_updates (id) ON DELETE CASCADE,
					plan_id {bigint} REFERENCES action_plans (id) ON DELETE CASCADE,
					name TEXT NOT NULL,
					content_type TEXT NOT NULL,
					size {bigint} NOT NULL,
					sha256 TEXT NOT NULL,
					content {blob} NOT NULL,
					uploaded_by {bigint} REFERENCES users (id),
					uploaded_at {ts} NOT NULL,
					CHECK ((response_id IS NULL AND assessment_id IS NULL AND progress_update_id IS NOT NULL AND plan_id IS NOT NULL)
						OR (response_id IS NOT NULL AND assessment_id IS NOT NULL AND progress_update_id IS NULL AND plan_id IS NULL))
				)`, "{blob}", blob),
				`CREATE INDEX evidence_files_response ON evidence_files (response_id)`,
				`CREATE INDEX evidence_files_progress_update ON evidence_files (progress_update_id)`,
			)
		})
	}
	draftAnswer := "$R.response_id IS NOT NULL AND (SELECT status FROM assessments WHERE id = $R.assessment_id) = 'DRAFT'"
	touchUp, touchDown := touchMigration(Touch{Table: "evidence_files", Institution: "$R.institution_id", Plan: "$R.plan_id",
		Answers: map[string]string{"INSERT": draftAnswer, "UPDATE": draftAnswer, "DELETE": draftAnswer}})
	All.MustRegister(func(ctx context.Context, db *bun.DB) error {
		if err := create(ctx, db); err != nil {
			return err
		}
		return touchUp(ctx, db)
	}, func(ctx context.Context, db *bun.DB) error {
		if err := touchDown(ctx, db); err != nil {
			return err
		}
		return dropAll("evidence_files")(ctx, db)
	})
}
