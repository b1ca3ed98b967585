// Package assessment runs gender self-assessments: it imports questionnaire
// templates, and takes an institution's assessment through its life cycle
// (DRAFT, SUBMITTED, VALIDATED), storing responses, raising findings and
// scoring, by RULES.md sections 5 and 6.
//
// Scoring, completion and finding rules are pure Go in internal/questionnaire;
// this package authorizes, validates, and reads and writes the database.
package assessment

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/assessments"
	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/questionnaire"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Service is the assessment service. The zero value of its unexported
// fields is ready to use.
type Service struct {
	DB    *store.DB
	Guard *authz.Guard
	Now   func() time.Time

	// cache holds every questionnaire parsed so far, by id. Stored
	// questionnaires never change, so entries never go stale.
	mu    sync.RWMutex
	cache map[int64]*Questionnaire
}

// Questionnaire is a stored questionnaire: its row id and its parsed,
// read-only document.
type Questionnaire struct {
	ID        int64
	CreatedAt time.Time
	*questionnaire.Questionnaire
}

// Lang is the language in which the request of ctx reads q's texts: the best
// of q's languages for the Accept-Language header, else q's default.
func (q *Questionnaire) Lang(ctx context.Context) string {
	return i18n.Pick(ctx, q.Languages, q.DefaultLanguage)
}

// In returns t in the request's language.
func (q *Questionnaire) In(ctx context.Context, t questionnaire.Text) string {
	return t.In(q.Lang(ctx), q.DefaultLanguage)
}

// InOpt is In for an optional text; nil stays nil.
func (q *Questionnaire) InOpt(ctx context.Context, t *questionnaire.Text) *string {
	if t.IsZero() {
		return nil
	}
	s := q.In(ctx, *t)
	return &s
}

// Area is one area of a stored questionnaire.
type Area struct {
	Questionnaire *Questionnaire
	*questionnaire.Area
}

// Question is one question of a stored questionnaire.
type Question struct {
	Questionnaire *Questionnaire
	AreaDef       *questionnaire.Area
	*questionnaire.Question
}

// AreaByKey returns the area with key, or nil.
func (q *Questionnaire) AreaByKey(key string) *Area {
	if a := q.Area(key); a != nil {
		return &Area{Questionnaire: q, Area: a}
	}
	return nil
}

// QuestionByKey returns the question with key, or nil.
func (q *Questionnaire) QuestionByKey(key string) *Question {
	if qu, a := q.Question(key); qu != nil {
		return &Question{Questionnaire: q, AreaDef: a, Question: qu}
	}
	return nil
}

// AreaList returns every area in questionnaire order.
func (q *Questionnaire) AreaList() []*Area {
	out := make([]*Area, len(q.Areas))
	for i := range q.Areas {
		out[i] = &Area{Questionnaire: q, Area: &q.Areas[i]}
	}
	return out
}

// QuestionList returns the questions of area a in order.
func (a *Area) QuestionList() []*Question {
	out := make([]*Question, len(a.Questions))
	for i := range a.Questions {
		out[i] = &Question{Questionnaire: a.Questionnaire, AreaDef: a.Area, Question: &a.Questions[i]}
	}
	return out
}

// GlobalID is the area's ID: the questionnaire's row id and the area key.
func (a *Area) GlobalID() string { return gid.EncodeKey(gid.Area, a.Questionnaire.ID, a.Key) }

// GlobalID is the question's ID: the questionnaire's row id and the
// question key. node(id:) resolves it.
func (q *Question) GlobalID() string { return gid.EncodeKey(gid.Question, q.Questionnaire.ID, q.Key) }

// ---------------------------------------------------------------- cache

func (s *Service) cached(id int64) *Questionnaire {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cache[id]
}

func (s *Service) remember(q *Questionnaire) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache == nil {
		s.cache = map[int64]*Questionnaire{}
	}
	s.cache[q.ID] = q
}

// load returns the questionnaires with the given ids from the cache, reading
// and parsing the missing ones in one query. No authorization: callers
// check it.
func (s *Service) load(ctx context.Context, db bun.IDB, ids []int64) (map[int64]*Questionnaire, error) {
	out := make(map[int64]*Questionnaire, len(ids))
	var missing []int64
	for _, id := range ids {
		if q := s.cached(id); q != nil {
			out[id] = q
		} else if !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	var rows []store.Questionnaire
	if err := db.NewSelect().Model(&rows).Where("id IN (?)", bun.List(missing)).Scan(ctx); err != nil {
		return nil, err
	}
	for _, r := range rows {
		parsed, probs := questionnaire.Parse([]byte(r.Document))
		if len(probs) > 0 {
			return nil, fmt.Errorf("stored questionnaire %d (%s version %d) no longer parses: %s", r.ID, r.Key, r.Version, probs[0])
		}
		q := &Questionnaire{ID: r.ID, CreatedAt: r.CreatedAt, Questionnaire: parsed}
		s.remember(q)
		out[r.ID] = q
	}
	return out, nil
}

// questionnaireOf returns the questionnaire with the given id, which must
// exist (assessments reference it).
func (s *Service) questionnaireOf(ctx context.Context, db bun.IDB, id int64) (*Questionnaire, error) {
	m, err := s.load(ctx, db, []int64{id})
	if err != nil {
		return nil, err
	}
	if m[id] == nil {
		return nil, fmt.Errorf("questionnaire %d is missing", id)
	}
	return m[id], nil
}

// ---------------------------------------------------------------- reads

// Questionnaires are templates, not institution data: every signed-in
// caller reads them, anonymous callers none (like partners).
func signedIn(ctx context.Context) bool { return authz.SignedIn(ctx) == nil }

// QuestionnairesByID loads questionnaires by id for signed-in callers.
func (s *Service) QuestionnairesByID(ctx context.Context, ids []int64) (map[int64]*Questionnaire, error) {
	if !signedIn(ctx) {
		return map[int64]*Questionnaire{}, nil
	}
	return s.load(ctx, s.DB, ids)
}

// Questionnaires lists the stored questionnaires by key, newest version
// first; only the newest version of each key unless allVersions.
func (s *Service) Questionnaires(ctx context.Context, allVersions bool) ([]*Questionnaire, error) {
	out := []*Questionnaire{}
	if !signedIn(ctx) {
		return out, nil
	}
	var rows []store.Questionnaire
	if err := s.DB.NewSelect().Model(&rows).Column("id", "key", "version").OrderExpr("key ASC, version DESC").Scan(ctx); err != nil {
		return nil, err
	}
	var ids []int64
	for i, r := range rows {
		if allVersions || i == 0 || rows[i-1].Key != r.Key {
			ids = append(ids, r.ID)
		}
	}
	m, err := s.load(ctx, s.DB, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if q := m[id]; q != nil {
			out = append(out, q)
		}
	}
	return out, nil
}

// QuestionnaireByKey returns the questionnaire with key and version, or the
// newest version of key when version is nil; nil when there is none.
func (s *Service) QuestionnaireByKey(ctx context.Context, key string, version *int) (*Questionnaire, error) {
	if !signedIn(ctx) {
		return nil, nil
	}
	return s.byKey(ctx, s.DB, key, version)
}

func (s *Service) byKey(ctx context.Context, db bun.IDB, key string, version *int) (*Questionnaire, error) {
	var ids []int64
	q := db.NewSelect().Model((*store.Questionnaire)(nil)).Column("id").Where("key = ?", key)
	if version != nil {
		q = q.Where("version = ?", *version)
	}
	if err := q.OrderExpr("version DESC").Limit(1).Scan(ctx, &ids); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return s.questionnaireOf(ctx, db, ids[0])
}

// Question returns a question of a stored questionnaire by the parts of its
// global ID; nil when there is none or the caller is anonymous.
func (s *Service) Question(ctx context.Context, questionnaireID int64, key string) (*Question, error) {
	m, err := s.QuestionnairesByID(ctx, []int64{questionnaireID})
	if err != nil || m[questionnaireID] == nil {
		return nil, err
	}
	return m[questionnaireID].QuestionByKey(key), nil
}

// ---------------------------------------------------------------- import

// Import validates a questionnaire document (YAML or JSON) and stores it.
// Every problem of the document is an INVALID user error at
// ["input", "document", <path inside the document>...]; a key and version
// already stored is DUPLICATE.
func (s *Service) Import(ctx context.Context, document string) (*Questionnaire, error) {
	if err := s.Guard.Require(ctx, 0, authz.ManageGlobal); err != nil {
		return nil, err
	}
	q, probs := questionnaire.Parse([]byte(document))
	if len(probs) > 0 {
		var l errs.List
		for _, p := range probs {
			l.Addf(errs.Invalid, append([]string{"input", "document"}, p.Path...), "error.questionnaire.problem",
				i18n.Data{"Problem": p.Message, "Line": p.Line})
		}
		return nil, l.Err()
	}
	return s.store(ctx, q)
}

// store writes a parsed questionnaire in its canonical form.
func (s *Service) store(ctx context.Context, q *questionnaire.Questionnaire) (*Questionnaire, error) {
	doc, err := questionnaire.Encode(q)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	row := &store.Questionnaire{Key: q.Key, Version: q.Version, DefaultLanguage: q.DefaultLanguage, Document: string(doc), CreatedAt: now}
	err = s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// DO NOTHING rather than a unique violation: two instances starting
		// at once may import the same bundled file.
		if _, err := tx.NewInsert().Model(row).On("CONFLICT (key, version) DO NOTHING").Returning("id").Exec(ctx); err != nil {
			return err
		}
		if row.ID == 0 {
			return errs.Newf(errs.Duplicate, []string{"input", "document", "version"},
				"error.questionnaire.stored", i18n.Data{"Key": q.Key, "Version": q.Version})
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "importQuestionnaire", SubjectID: gid.Encode(gid.Questionnaire, row.ID),
			Changes: map[string][2]any{"key": {nil, q.Key}, "version": {nil, q.Version}, "questionCount": {nil, q.QuestionCount()}}})
	})
	if err != nil {
		return nil, err
	}
	out := &Questionnaire{ID: row.ID, CreatedAt: now, Questionnaire: q}
	s.remember(out)
	return out, nil
}

// ImportBundled imports, as the system, every questionnaire of assessments/
// whose key and version are not stored yet, and returns the names of the
// files it imported.
func (s *Service) ImportBundled(ctx context.Context) ([]string, error) {
	return s.importFS(authz.System(ctx), assessments.FS)
}

func (s *Service) importFS(ctx context.Context, fsys fs.FS) ([]string, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	var imported []string
	for _, name := range names {
		doc, err := fs.ReadFile(fsys, name)
		if err != nil {
			return imported, err
		}
		q, probs := questionnaire.Parse(doc)
		if len(probs) > 0 {
			return imported, fmt.Errorf("bundled questionnaire %s: %s", name, probs[0])
		}
		exists, err := s.DB.NewSelect().Model((*store.Questionnaire)(nil)).Where("key = ?", q.Key).Where("version = ?", q.Version).Exists(ctx)
		if err != nil {
			return imported, err
		}
		if exists {
			continue
		}
		if _, err := s.store(ctx, q); err != nil {
			if u, ok := errs.AsUser(err); ok && len(u) == 1 && u[0].Code == errs.Duplicate {
				continue // another instance was first
			}
			return imported, fmt.Errorf("bundled questionnaire %s: %w", name, err)
		}
		imported = append(imported, name)
	}
	return imported, nil
}
