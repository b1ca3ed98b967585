package store

import (
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/gid"
)

// EvidenceFile is a file kept as evidence of a Response or of a
// ProgressUpdate (exactly one of ResponseID and UpdateID is set). Its bytes
// are in the same row (column content: bytea on PostgreSQL, BLOB on
// SQLite) but not in this model, so that listing files never reads them;
// internal/evidence reads and writes the content.
type EvidenceFile struct {
	bun.BaseModel `bun:"table:evidence_files"`

	ID            int64 `bun:"id,pk,autoincrement"`
	InstitutionID int64 `bun:"institution_id,notnull"`
	// ResponseID and AssessmentID are set for a Response's file.
	ResponseID   *int64 `bun:"response_id"`
	AssessmentID *int64 `bun:"assessment_id"`
	// UpdateID and PlanID are set for a ProgressUpdate's file.
	UpdateID    *int64    `bun:"progress_update_id"`
	PlanID      *int64    `bun:"plan_id"`
	Name        string    `bun:"name,notnull"`
	ContentType string    `bun:"content_type,notnull"`
	Size        int       `bun:"size,notnull"`
	SHA256      string    `bun:"sha256,notnull"`
	UploadedBy  *int64    `bun:"uploaded_by"`
	UploadedAt  time.Time `bun:"uploaded_at,notnull"`
}

// GID is the global ID of the EvidenceFile.
func (m *EvidenceFile) GID() string { return gid.Encode(gid.EvidenceFile, m.ID) }

// DownloadPath is where the file is served: GET /files/{id}.
func (m *EvidenceFile) DownloadPath() string { return "/files/" + m.GID() }
