// Package evidence owns evidence files (RULES.md sections 4 and 7): files
// attached to a Response or a ProgressUpdate, kept in the database with
// their SHA-256, size, type (read from the content against an allow-list),
// cleaned name, uploader and time, and served back to who may read what
// they are attached to.
//
// Every exported read authorizes its caller, as the other services do: a
// Response's files are read as its answers (ReadResponses: never
// PARTNER), a ProgressUpdate's as the plan (ReadInstitution). Attaching
// and removing need the evidence row of RULES.md section 4 for the kind of
// object (authz.EvidenceOperations), a Response's files only while its
// assessment is DRAFT, a ProgressUpdate's only while its plan is ADOPTED;
// each writes one audit event in the same transaction, naming the file's
// id, name, type, size and SHA-256, never its bytes.
package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/gendertrack/gendertrack/internal/assessment"
	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
)

// DefaultMaxFileBytes is the default bound of one file: 10 MB
// (GENDERTRACK_MAX_FILE_MB).
const DefaultMaxFileBytes = 10 << 20

// MaxFilesPerSubject bounds the files of one Response or ProgressUpdate.
const MaxFilesPerSubject = 20

// Service attaches, lists, serves and removes evidence files.
type Service struct {
	DB    *store.DB
	Guard *authz.Guard
	Now   func() time.Time
	// MaxFileBytes bounds one file; DefaultMaxFileBytes when 0.
	MaxFileBytes int64
}

// MaxFile is the bound of one file in bytes.
func (s *Service) MaxFile() int64 {
	if s.MaxFileBytes > 0 {
		return s.MaxFileBytes
	}
	return DefaultMaxFileBytes
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// AttachInput is a file to attach: to the Response or ProgressUpdate
// (Kind) SubjectID, under Name (the client's file name, cleaned here),
// with its bytes read from Content.
type AttachInput struct {
	Kind      gid.Kind
	SubjectID int64
	Name      string
	Content   io.Reader
}

// field paths of the attachEvidence and removeEvidence inputs.
var (
	fieldSubject = []string{"input", "subjectId"}
	fieldFile    = []string{"input", "file"}
	fieldFileID  = []string{"input", "fileId"}
)

// subject is what a file is attached to, as a mutation checks it.
type subject struct {
	kind          gid.Kind
	id            int64
	institutionID int64
	assessmentID  *int64
	planID        *int64
}

func (s *Service) lock(q *bun.SelectQuery, mode string) *bun.SelectQuery {
	if s.DB.Postgres {
		return q.For(mode)
	}
	return q
}

// subjectFor loads and checks what a file is (to be) attached to, in tx:
// NOT_FOUND when it does not exist or the caller may not read it (a
// Response: its answers), FORBIDDEN when the caller may read it but not
// change its evidence, INVALID_STATE when its assessment is not DRAFT or
// its plan not ADOPTED.
func (s *Service) subjectFor(ctx context.Context, tx bun.IDB, kind gid.Kind, id int64, noSuch string, field []string) (*subject, error) {
	sub := &subject{kind: kind, id: id}
	switch kind {
	case gid.Response:
		var a store.Assessment
		err := s.lock(tx.NewSelect().Model(&a).Where("id = (SELECT assessment_id FROM responses WHERE id = ?)", id), "SHARE").Scan(ctx)
		if err != nil {
			return nil, errs.NotFoundIf(err, noSuch, field...)
		}
		if !s.Guard.CanRead(ctx, a.InstitutionID) || !s.Guard.Can(ctx, a.InstitutionID, authz.ReadResponses) {
			return nil, errs.New(errs.NotFound, noSuch, field...)
		}
		if err := s.Guard.Require(ctx, a.InstitutionID, authz.ResponseEvidence); err != nil {
			return nil, err
		}
		if a.Status != assessment.Draft {
			return nil, errs.Newf(errs.InvalidState, field, "error.evidence.assessmentState", i18n.Data{"Status": a.Status})
		}
		sub.institutionID, sub.assessmentID = a.InstitutionID, &a.ID
	case gid.ProgressUpdate:
		var p store.ActionPlan
		err := s.lock(tx.NewSelect().Model(&p).Where("id = (SELECT a.plan_id FROM progress_updates AS u JOIN actions AS a ON a.id = u.action_id WHERE u.id = ?)", id), "SHARE").Scan(ctx)
		if err != nil {
			return nil, errs.NotFoundIf(err, noSuch, field...)
		}
		if err := s.Guard.Check(ctx, p.InstitutionID, authz.UpdateEvidence, noSuch, field...); err != nil {
			return nil, err
		}
		if !plan.PlanAllowsRecording(p.Status) {
			return nil, errs.Newf(errs.InvalidState, field, "error.evidence.planState", i18n.Data{"Status": p.Status})
		}
		sub.institutionID, sub.planID = p.InstitutionID, &p.ID
	default:
		return nil, errs.New(errs.NotFound, noSuch, field...)
	}
	return sub, nil
}

// fileRow is an evidence file with its bytes, as written.
type fileRow struct {
	bun.BaseModel `bun:"table:evidence_files"`
	store.EvidenceFile
	Content []byte `bun:"content,notnull"`
}

// Attach reads the file (at most MaxFile bytes: a longer one is INVALID at
// file), checks its type from its content against the allow-list and its
// name's extension against that type (a name without one gets the
// type's), and stores it.
func (s *Service) Attach(ctx context.Context, in AttachInput) (*store.EvidenceFile, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, err
	}
	max := s.MaxFile()
	var content []byte
	if in.Content != nil {
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(in.Content, max+1))
		if err != nil {
			return nil, err
		}
		if n > max {
			return nil, errs.Newf(errs.Invalid, fieldFile, "error.evidence.tooLarge", i18n.Data{"MaxMB": max >> 20, "Max": max})
		}
		content = buf.Bytes()
	}
	var f *store.EvidenceFile
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		sub, err := s.subjectFor(ctx, tx, in.Kind, in.SubjectID, "error.noSuch.evidenceSubject", fieldSubject)
		if err != nil {
			return err
		}
		name := cleanName(in.Name)
		k, ok := sniff(content, extension(name))
		if len(content) == 0 {
			return errs.New(errs.Invalid, "error.evidence.empty", fieldFile...)
		}
		if !ok {
			return errs.New(errs.Invalid, "error.evidence.type", fieldFile...)
		}
		switch ext := extension(name); {
		case ext == "":
			name = cleanName(name + k.extensions[0])
		case !contains(k.extensions, ext):
			return errs.Newf(errs.Invalid, fieldFile, "error.evidence.extension", i18n.Data{"Extension": ext, "Type": k.mediaType})
		}
		q := tx.NewSelect().Model((*store.EvidenceFile)(nil))
		if sub.kind == gid.Response {
			q = q.Where("response_id = ?", sub.id)
		} else {
			q = q.Where("progress_update_id = ?", sub.id)
		}
		if n, err := q.Count(ctx); err != nil {
			return err
		} else if n >= MaxFilesPerSubject {
			return errs.Newf(errs.Invalid, fieldSubject, "error.evidence.tooMany", i18n.Data{"Max": MaxFilesPerSubject})
		}
		sum := sha256.Sum256(content)
		row := &fileRow{EvidenceFile: store.EvidenceFile{InstitutionID: sub.institutionID,
			AssessmentID: sub.assessmentID, PlanID: sub.planID,
			Name: name, ContentType: k.mediaType, Size: len(content), SHA256: hex.EncodeToString(sum[:]),
			UploadedBy: actorUser(ctx), UploadedAt: s.now()}, Content: []byte{}}
		if sub.kind == gid.Response {
			row.ResponseID = &sub.id
		} else {
			row.UpdateID = &sub.id
		}
		if _, err := tx.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
			return err
		}
		// The bytes go to the driver as a bound parameter: written into
		// the statement's text (as bun formats values) they would take
		// several times their size in memory, as hex, on PostgreSQL.
		set := "UPDATE evidence_files SET content = ? WHERE id = ?"
		if tx.Dialect().Name() == dialect.PG {
			set = "UPDATE evidence_files SET content = $1 WHERE id = $2"
		}
		if _, err := tx.Tx.ExecContext(ctx, set, content, row.ID); err != nil {
			return err
		}
		f = &row.EvidenceFile
		return audit.Record(ctx, tx, f.UploadedAt, audit.Event{Operation: "attachEvidence", SubjectID: gid.Encode(sub.kind, sub.id),
			InstitutionID: &sub.institutionID, Changes: map[string][2]any{"file": {nil, described(f)}}})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// described is what the audit trail keeps of a file: never its bytes.
func described(f *store.EvidenceFile) map[string]any {
	return map[string]any{"id": f.GID(), "name": f.Name, "contentType": f.ContentType, "size": f.Size, "sha256": f.SHA256}
}

// Remove deletes a file, its bytes with it, under the rules of Attach.
func (s *Service) Remove(ctx context.Context, id int64) (*store.EvidenceFile, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, err
	}
	var f store.EvidenceFile
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&f).Where("id = ?", id).Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "error.noSuch.evidenceFile", fieldFileID...)
		}
		kind, subjectID := subjectOf(&f)
		if !s.readable(ctx, &f) {
			return errs.New(errs.NotFound, "error.noSuch.evidenceFile", fieldFileID...)
		}
		sub, err := s.subjectFor(ctx, tx, kind, subjectID, "error.noSuch.evidenceFile", fieldFileID)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*store.EvidenceFile)(nil)).Where("id = ?", f.ID).Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Event{Operation: "removeEvidence", SubjectID: gid.Encode(sub.kind, sub.id),
			InstitutionID: &sub.institutionID, Changes: map[string][2]any{"file": {described(&f), nil}}})
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

func subjectOf(f *store.EvidenceFile) (gid.Kind, int64) {
	if f.ResponseID != nil {
		return gid.Response, *f.ResponseID
	}
	if f.UpdateID != nil {
		return gid.ProgressUpdate, *f.UpdateID
	}
	return gid.Kind{}, 0
}

// readable reports whether the caller may read f: a Response's file as
// its answers, a ProgressUpdate's as its plan.
func (s *Service) readable(ctx context.Context, f *store.EvidenceFile) bool {
	if !s.Guard.CanRead(ctx, f.InstitutionID) {
		return false
	}
	return f.ResponseID == nil || s.Guard.Can(ctx, f.InstitutionID, authz.ReadResponses)
}

// FilesByID loads files by id; those the caller may not read are left
// out, as if they did not exist.
func (s *Service) FilesByID(ctx context.Context, ids []int64) (map[int64]*store.EvidenceFile, error) {
	m, err := store.ByIDs(ctx, s.DB, ids, func(f *store.EvidenceFile) int64 { return f.ID })
	for k, f := range m {
		if !s.readable(ctx, f) {
			delete(m, k)
		}
	}
	return m, err
}

// ResponseFiles lists the files of responses, oldest first: none of a
// response whose answers the caller may not read.
func (s *Service) ResponseFiles(ctx context.Context, responseIDs []int64) (map[int64][]store.EvidenceFile, error) {
	return s.filesOf(ctx, "response_id", authz.ReadResponses, responseIDs, func(f *store.EvidenceFile) int64 { return *f.ResponseID })
}

// UpdateFiles lists the files of progress updates, oldest first: none of
// an institution the caller may not read.
func (s *Service) UpdateFiles(ctx context.Context, updateIDs []int64) (map[int64][]store.EvidenceFile, error) {
	return s.filesOf(ctx, "progress_update_id", authz.ReadInstitution, updateIDs, func(f *store.EvidenceFile) int64 { return *f.UpdateID })
}

func (s *Service) filesOf(ctx context.Context, col string, c authz.Capability, ids []int64, key func(*store.EvidenceFile) int64) (map[int64][]store.EvidenceFile, error) {
	out := make(map[int64][]store.EvidenceFile, len(ids))
	for _, id := range ids {
		out[id] = []store.EvidenceFile{}
	}
	sc := s.Guard.Allowed(ctx, c)
	if len(ids) == 0 || sc.Empty() {
		return out, nil
	}
	var rows []store.EvidenceFile
	if err := s.DB.NewSelect().Model(&rows).Where("? IN (?)", bun.Ident(col), bun.List(ids)).
		Where("?", sc.Where("institution_id")).OrderExpr("id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, f := range rows {
		out[key(&f)] = append(out[key(&f)], f)
	}
	return out, nil
}

// Open returns a file the caller may read with its bytes; nil (and no
// error) when there is no such file or the caller may not read it, alike.
func (s *Service) Open(ctx context.Context, id int64) (*store.EvidenceFile, []byte, error) {
	var f store.EvidenceFile
	if err := s.DB.NewSelect().Model(&f).Where("id = ?", id).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	if !s.readable(ctx, &f) {
		return nil, nil, nil
	}
	var content []byte
	if err := s.DB.NewRaw("SELECT content FROM evidence_files WHERE id = ?", id).Scan(ctx, &content); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil, nil // removed meanwhile
		}
		return nil, nil, err
	}
	return &f, content, nil
}

// actorUser is the signed-in user's id, nil for the system and API keys.
func actorUser(ctx context.Context) *int64 {
	if a := auth.ActorFrom(ctx); a != nil && a.UserID > 0 {
		id := a.UserID
		return &id
	}
	return nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
