package assessment

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/questionnaire"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Assessment statuses (RULES.md section 5).
const (
	Draft     = "DRAFT"
	Submitted = "SUBMITTED"
	Validated = "VALIDATED"
)

// Finding origins.
const (
	OriginRule   = "RULE"
	OriginManual = "MANUAL"
)

// Statuses lists the assessment statuses in the order of the GraphQL enum.
var Statuses = []string{Draft, Submitted, Validated}

// Limits on free text.
const (
	maxTitle   = 200
	maxFinding = 300
	maxDetail  = 5000
)

// CreateInput holds the fields of a new assessment. Dates are YYYY-MM-DD.
type CreateInput struct {
	InstitutionID        int64
	QuestionnaireKey     string
	QuestionnaireVersion *int
	Title                string
	StartDate            string
	EndDate              *string
}

func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// Create starts a DRAFT assessment of an institution with the given
// questionnaire (its newest version unless one is named).
func (s *Service) Create(ctx context.Context, in CreateInput) (*store.Assessment, error) {
	if err := s.Guard.Check(ctx, in.InstitutionID, authz.EditAssessment, "error.noSuch.institution", "input", "institutionId"); err != nil {
		return nil, err
	}
	var l errs.List
	l.Text(&in.Title, maxTitle, true, "input", "title")
	if !validDate(in.StartDate) {
		l.Add(errs.Invalid, "error.assessment.startDate", "input", "startDate")
	}
	in.EndDate = errs.BlankNil(in.EndDate)
	if in.EndDate != nil {
		switch {
		case !validDate(*in.EndDate):
			l.Add(errs.Invalid, "error.assessment.endDate", "input", "endDate")
		case *in.EndDate < in.StartDate:
			l.Add(errs.Invalid, "error.assessment.endBeforeStart", "input", "endDate")
		}
	}
	if in.QuestionnaireVersion != nil && *in.QuestionnaireVersion < 1 {
		l.Add(errs.Invalid, "error.assessment.questionnaireVersion", "input", "questionnaireVersion")
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	a := &store.Assessment{InstitutionID: in.InstitutionID, Title: in.Title, StartDate: in.StartDate, EndDate: in.EndDate,
		Status: Draft, Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ok, err := tx.NewSelect().Table("institutions").Where("id = ?", in.InstitutionID).Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.NotFound, "error.noSuch.institution", "input", "institutionId")
		}
		q, err := s.byKey(ctx, tx, strings.TrimSpace(in.QuestionnaireKey), in.QuestionnaireVersion)
		if err != nil {
			return err
		}
		if q == nil {
			if in.QuestionnaireVersion != nil {
				return errs.Newf(errs.NotFound, []string{"input", "questionnaireVersion"}, "error.assessment.noQuestionnaireVersion", i18n.Data{"Key": in.QuestionnaireKey, "Version": *in.QuestionnaireVersion})
			}
			return errs.Newf(errs.NotFound, []string{"input", "questionnaireKey"}, "error.assessment.noQuestionnaire", i18n.Data{"Key": in.QuestionnaireKey})
		}
		a.QuestionnaireID = q.ID
		if _, err := tx.NewInsert().Model(a).Returning("id").Exec(ctx); err != nil {
			return err
		}
		ch := audit.Change(nil, a)
		ch["questionnaire"] = [2]any{nil, map[string]any{"key": q.Key, "version": q.Version}}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "createAssessment", SubjectID: gid.Encode(gid.Assessment, a.ID),
			InstitutionID: &a.InstitutionID, Changes: ch})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// forChange reads an assessment inside tx and checks that the actor may do
// c on it: NOT_FOUND at input.assessmentId when it may not read it,
// FORBIDDEN when it may read but not do c.
func (s *Service) forChange(ctx context.Context, db bun.IDB, id int64, c authz.Capability) (*store.Assessment, error) {
	if auth.ActorFrom(ctx) == nil {
		return nil, errs.ErrUnauthenticated
	}
	var a store.Assessment
	if err := db.NewSelect().Model(&a).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, errs.NotFoundIf(err, "error.noSuch.assessment", "input", "assessmentId")
	}
	if err := s.Guard.Check(ctx, a.InstitutionID, c, "error.noSuch.assessment", "input", "assessmentId"); err != nil {
		return nil, err
	}
	return &a, nil
}

// wrongState answers INVALID_STATE for action, the ID of the message that
// says when the assessment can be so changed ("error.assessment.submitState").
func wrongState(a *store.Assessment, action string, allowed ...string) error {
	return errs.Newf(errs.InvalidState, []string{"input", "assessmentId"}, action,
		i18n.Data{"Status": a.Status, "Allowed": either(allowed)})
}

// either is a list of states for a message: "DRAFT", "DRAFT or SUBMITTED".
func either(states []string) any {
	if len(states) < 2 {
		return strings.Join(states, "")
	}
	return errs.Msg{ID: "error.either", Args: i18n.Data{"First": strings.Join(states[:len(states)-1], ", "), "Last": states[len(states)-1]}}
}

// move sets the assessment's status from one of from to to, with the other
// columns of set, and bumps its version. It is the first write of the
// transaction, so on PostgreSQL it also locks the row against a concurrent
// save or transition; zero rows means the status changed meanwhile.
func move(ctx context.Context, tx bun.IDB, a *store.Assessment, to, action string, set map[string]any, from ...string) error {
	q := tx.NewUpdate().Model((*store.Assessment)(nil)).Set("status = ?", to).Set("updated_at = ?", a.UpdatedAt).
		Set("version = version + 1").Where("id = ?", a.ID).Where("status IN (?)", bun.List(from))
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q = q.Set("? = ?", bun.Ident(k), set[k])
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return wrongState(a, action, from...)
	}
	a.Status = to
	a.Version++
	return nil
}

// transition runs one life-cycle step in a transaction: check, move, then
// more (which may fail and undo everything), then audit.
func (s *Service) transition(ctx context.Context, id int64, c authz.Capability, op, action, to string, reason *string,
	set func(a *store.Assessment) map[string]any, more func(ctx context.Context, tx bun.Tx, a *store.Assessment) (map[string][2]any, error), from ...string) (*store.Assessment, error) {
	var out *store.Assessment
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		a, err := s.forChange(ctx, tx, id, c)
		if err != nil {
			return err
		}
		before := *a
		ok := false
		for _, f := range from {
			ok = ok || a.Status == f
		}
		if !ok {
			return wrongState(a, action, from...)
		}
		a.UpdatedAt = s.Now().UTC()
		if err := move(ctx, tx, a, to, action, set(a), from...); err != nil {
			return err
		}
		changes := audit.Change(&before, a)
		if more != nil {
			extra, err := more(ctx, tx, a)
			if err != nil {
				return err
			}
			for k, v := range extra {
				changes[k] = v
			}
		}
		if reason != nil {
			changes["reason"] = [2]any{nil, *reason}
		}
		out = a
		return audit.Record(ctx, tx, a.UpdatedAt, audit.Event{Operation: op, SubjectID: gid.Encode(gid.Assessment, a.ID),
			InstitutionID: &a.InstitutionID, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Submit moves a DRAFT assessment to SUBMITTED when every required question
// is answered, and replaces its RULE findings with those its answers raise
// now; MANUAL findings stay.
func (s *Service) Submit(ctx context.Context, id int64, reason *string) (*store.Assessment, error) {
	return s.transition(ctx, id, authz.EditAssessment, "submitAssessment", "error.assessment.submitState", Submitted, errs.BlankNil(reason),
		func(a *store.Assessment) map[string]any { return map[string]any{"submitted_at": a.UpdatedAt} },
		func(ctx context.Context, tx bun.Tx, a *store.Assessment) (map[string][2]any, error) {
			a.SubmittedAt = &a.UpdatedAt
			q, err := s.questionnaireOf(ctx, tx, a.QuestionnaireID)
			if err != nil {
				return nil, err
			}
			var rs []store.Response
			if err := tx.NewSelect().Model(&rs).Where("assessment_id = ?", a.ID).Scan(ctx); err != nil {
				return nil, err
			}
			given := answers(rs)
			if c := questionnaire.Complete(q.Questionnaire, given); len(c.RequiredMissing) > 0 {
				return nil, errs.Newf(errs.InvalidState, []string{"input", "assessmentId"}, "error.assessment.requiredMissing",
					i18n.Data{"Count": len(c.RequiredMissing), "Questions": strings.Join(c.RequiredMissing, ", ")})
			}
			fs := RuleFindings(q, a, given, a.UpdatedAt)
			var old int
			if err := tx.NewSelect().Model((*store.Finding)(nil)).ColumnExpr("count(*)").Where("assessment_id = ?", a.ID).Where("origin = ?", OriginRule).Scan(ctx, &old); err != nil {
				return nil, err
			}
			if _, err := tx.NewDelete().Model((*store.Finding)(nil)).Where("assessment_id = ?", a.ID).Where("origin = ?", OriginRule).Exec(ctx); err != nil {
				return nil, err
			}
			if len(fs) > 0 {
				if _, err := tx.NewInsert().Model(&fs).Exec(ctx); err != nil {
					return nil, err
				}
			}
			return map[string][2]any{"ruleFindings": {old, len(fs)}}, nil
		}, Draft)
}

// RuleFindings are the RULE findings the answers raise (RULES.md section 6),
// titled in the questionnaire's default language with every language kept
// in TitleI18n; Detail is the question's text in the default language.
func RuleFindings(q *Questionnaire, a *store.Assessment, answers map[string]questionnaire.Answer, now time.Time) []store.Finding {
	raised := questionnaire.Findings(q.Questionnaire, answers)
	out := make([]store.Finding, 0, len(raised))
	for _, f := range raised {
		qk := f.QuestionKey
		row := store.Finding{AssessmentID: a.ID, InstitutionID: a.InstitutionID, AreaKey: f.AreaKey, QuestionKey: &qk,
			Title: f.Title.In(q.DefaultLanguage, q.DefaultLanguage), Category: f.Category, Severity: f.Severity, Origin: OriginRule, CreatedAt: now}
		if f.Title.ByLang != nil {
			if b, err := json.Marshal(f.Title.ByLang); err == nil {
				s := string(b)
				row.TitleI18n = &s
			}
		}
		if qu, _ := q.Question(f.QuestionKey); qu != nil {
			d := qu.Text.In(q.DefaultLanguage, q.DefaultLanguage)
			row.Detail = &d
		}
		out = append(out, row)
	}
	return out
}

// FindingTitle is a finding's title in the request's language: RULE
// findings keep their title in every language of their questionnaire.
func FindingTitle(ctx context.Context, f *store.Finding) string {
	if f.TitleI18n == nil {
		return f.Title
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(*f.TitleI18n), &m); err != nil || len(m) == 0 {
		return f.Title
	}
	langs := make([]string, 0, len(m))
	for l := range m {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	if t, ok := m[i18n.Pick(ctx, langs, "")]; ok {
		return t
	}
	return f.Title
}

// FindingDetail is a finding's detail in the request's language: for a
// RULE finding, the text of the question that raised it.
func FindingDetail(ctx context.Context, q *Questionnaire, f *store.Finding) *string {
	if f.Origin == OriginRule && f.QuestionKey != nil && q != nil {
		if qu, _ := q.Question(*f.QuestionKey); qu != nil {
			d := q.In(ctx, qu.Text)
			return &d
		}
	}
	return f.Detail
}

// Validate moves a SUBMITTED assessment to VALIDATED, for good.
func (s *Service) Validate(ctx context.Context, id int64, reason *string) (*store.Assessment, error) {
	return s.transition(ctx, id, authz.ValidateAssessment, "validateAssessment", "error.assessment.validateState", Validated, errs.BlankNil(reason),
		func(a *store.Assessment) map[string]any {
			a.ValidatedAt = &a.UpdatedAt
			if act := auth.ActorFrom(ctx); act != nil && act.UserID > 0 && act.APIKeyID == 0 {
				uid := act.UserID
				a.ValidatedBy = &uid
			}
			return map[string]any{"validated_at": a.ValidatedAt, "validated_by": a.ValidatedBy}
		}, nil, Submitted)
}

// Reopen moves a SUBMITTED assessment back to DRAFT; a reason is required.
func (s *Service) Reopen(ctx context.Context, id int64, reason *string) (*store.Assessment, error) {
	r := errs.BlankNil(reason)
	if r == nil {
		if _, err := s.forChange(ctx, s.DB, id, authz.ValidateAssessment); err != nil {
			return nil, err
		}
		return nil, errs.New(errs.Invalid, "error.assessment.reopenReason", "input", "reason")
	}
	if len([]rune(*r)) > maxDetail {
		return nil, errs.Newf(errs.Invalid, []string{"input", "reason"}, "error.maxLength", i18n.Data{"Max": maxDetail})
	}
	return s.transition(ctx, id, authz.ValidateAssessment, "reopenAssessment", "error.assessment.reopenState", Draft, r,
		func(a *store.Assessment) map[string]any {
			a.SubmittedAt = nil
			return map[string]any{"submitted_at": nil}
		}, nil, Submitted)
}

// FindingInput holds a finding added by hand.
type FindingInput struct {
	AssessmentID int64
	AreaKey      string
	QuestionKey  *string
	Title        string
	Detail       *string
	Category     string
	Severity     string
}

// AddFinding adds a MANUAL finding to a DRAFT or SUBMITTED assessment.
func (s *Service) AddFinding(ctx context.Context, in FindingInput) (*store.Finding, error) {
	var f *store.Finding
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		a, err := s.forChange(ctx, tx, in.AssessmentID, authz.EditAssessment)
		if err != nil {
			return err
		}
		q, err := s.questionnaireOf(ctx, tx, a.QuestionnaireID)
		if err != nil {
			return err
		}
		var l errs.List
		l.Text(&in.Title, maxFinding, true, "input", "title")
		l.Text(in.Detail, maxDetail, false, "input", "detail")
		if !contains(questionnaire.GapCategories(), in.Category) {
			l.Add(errs.Invalid, "error.unknownGapCategory", "input", "category")
		}
		if !contains(questionnaire.Severities(), in.Severity) {
			l.Add(errs.Invalid, "error.unknownSeverity", "input", "severity")
		}
		area := q.Area(in.AreaKey)
		if area == nil {
			l.Addf(errs.NotFound, []string{"input", "areaKey"}, "error.assessment.noArea", i18n.Data{"Questionnaire": q.Key, "Area": in.AreaKey})
		}
		in.QuestionKey = errs.BlankNil(in.QuestionKey)
		if in.QuestionKey != nil {
			qu, qa := q.Question(*in.QuestionKey)
			switch {
			case qu == nil:
				l.Addf(errs.NotFound, []string{"input", "questionKey"}, "error.assessment.noQuestion", i18n.Data{"Questionnaire": q.Key, "Question": *in.QuestionKey})
			case area != nil && qa.Key != area.Key:
				l.Addf(errs.Invalid, []string{"input", "questionKey"}, "error.assessment.questionOfOtherArea", i18n.Data{"Question": *in.QuestionKey, "Area": qa.Key, "Given": area.Key})
			}
		}
		if err := l.Err(); err != nil {
			return err
		}
		if a.Status != Draft && a.Status != Submitted {
			return errs.Newf(errs.InvalidState, []string{"input", "assessmentId"},
				"error.assessment.findingState", i18n.Data{"Status": a.Status})
		}
		now := s.Now().UTC()
		f = &store.Finding{AssessmentID: a.ID, InstitutionID: a.InstitutionID, AreaKey: in.AreaKey, QuestionKey: in.QuestionKey,
			Title: in.Title, Detail: errs.BlankNil(in.Detail), Category: in.Category, Severity: in.Severity, Origin: OriginManual, CreatedAt: now}
		if _, err := tx.NewInsert().Model(f).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "addFinding", SubjectID: gid.Encode(gid.Finding, f.ID),
			InstitutionID: &a.InstitutionID, Changes: audit.Change(nil, f)})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------- reads

// AssessmentsByID loads assessments by id, leaving out those of
// institutions the actor may not read.
func (s *Service) AssessmentsByID(ctx context.Context, ids []int64) (map[int64]*store.Assessment, error) {
	m, err := store.ByIDs(ctx, s.DB, ids, func(a *store.Assessment) int64 { return a.ID })
	for id, a := range m {
		if !s.Guard.CanRead(ctx, a.InstitutionID) {
			delete(m, id)
		}
	}
	return m, err
}

// Assessments lists an institution's assessments in id order, optionally
// of one status; none of an institution the actor may not read.
func (s *Service) Assessments(ctx context.Context, institutionID int64, status *string, p store.Page) ([]store.Assessment, bool, int, error) {
	if !s.Guard.CanRead(ctx, institutionID) {
		return []store.Assessment{}, false, 0, nil
	}
	return store.List[store.Assessment](ctx, s.DB, func(q *bun.SelectQuery, a *store.Args) *bun.SelectQuery {
		q = q.Where("institution_id = ?", a.Value(institutionID))
		if status != nil {
			q = q.Where("status = ?", a.Value(*status))
		}
		return q
	}, "id", p)
}

// Results are the responses of one assessment as a caller that may read
// the assessment uses them: every such caller gets its completion, scores
// and comparison with another assessment, which RULES.md section 4 lets
// every role read; only a caller that may also read responses (every role
// but PARTNER) gets the responses themselves, with their answers, comments
// and evidence. Only ResultsOf makes them.
type Results struct {
	rows []store.Response
	raw  bool
}

// Responses returns the stored responses, in id order, or
// errs.ErrForbidden when the caller may not read responses.
func (r *Results) Responses() ([]store.Response, error) {
	if !r.raw {
		return nil, errs.ErrForbidden
	}
	return r.rows, nil
}

// Completion is how much of q the responses answer.
func (r *Results) Completion(q *Questionnaire) questionnaire.Completion {
	return questionnaire.Complete(q.Questionnaire, answers(r.rows))
}

// Scores are the scores of the responses by q (RULES.md section 6).
func (r *Results) Scores(q *Questionnaire) questionnaire.Scores {
	return questionnaire.Compute(q.Questionnaire, answers(r.rows))
}

// resultRow is an asked assessment and one of its responses, if any.
type resultRow struct {
	Assessment    int64 `bun:"a_id"`
	InstitutionID int64 `bun:"a_institution_id"`
	store.Response
}

// results loads the responses of each assessment of an institution of
// scope sc, in id order: one statement, which also tells the institution
// of an assessment without responses. The assessments that are missing or
// outside the scope are absent from the answer.
func (s *Service) results(ctx context.Context, assessmentIDs []int64, sc authz.Scope) (map[int64]*Results, error) {
	out := make(map[int64]*Results, len(assessmentIDs))
	if len(assessmentIDs) == 0 || sc.Empty() {
		return out, nil
	}
	var rows []resultRow
	args := s.DB.Args() // bound: every read of results runs it (store.Args)
	if err := s.DB.Select(ctx, s.DB.NewRaw(`SELECT a.id AS a_id, a.institution_id AS a_institution_id, r.*
		FROM assessments AS a LEFT JOIN responses AS r ON r.assessment_id = a.id
		WHERE ? AND ? ORDER BY a.id, r.id`, args.In("a.id", assessmentIDs), sc.Where("a.institution_id")), args, &rows); err != nil {
		return nil, err
	}
	for i := range rows {
		row := &rows[i]
		res := out[row.Assessment]
		if res == nil {
			res = &Results{rows: []store.Response{}, raw: s.Guard.Can(ctx, row.InstitutionID, authz.ReadResponses)}
			out[row.Assessment] = res
		}
		if row.ID != 0 { // a LEFT JOIN row without a response
			res.rows = append(res.rows, row.Response)
		}
	}
	return out, nil
}

// ResultsOf loads the results of each assessment the actor may read;
// those it may not are absent.
func (s *Service) ResultsOf(ctx context.Context, assessmentIDs []int64) (map[int64]*Results, error) {
	return s.results(ctx, assessmentIDs, s.Guard.Readable(ctx))
}

// ResponsesOf loads the responses of each assessment, in id order, for a
// caller that may read them: assessments of institutions where it may not
// (all of them for a PARTNER or an anonymous caller) are absent.
func (s *Service) ResponsesOf(ctx context.Context, assessmentIDs []int64) (map[int64][]store.Response, error) {
	m, err := s.results(ctx, assessmentIDs, s.Guard.Allowed(ctx, authz.ReadResponses))
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]store.Response, len(m))
	for id, r := range m {
		if rs, err := r.Responses(); err == nil {
			out[id] = rs
		}
	}
	return out, nil
}

// FindingsOf loads the findings of each assessment, in id order; those of
// assessments the actor may not read are empty.
func (s *Service) FindingsOf(ctx context.Context, assessmentIDs []int64) (map[int64][]store.Finding, error) {
	out := make(map[int64][]store.Finding, len(assessmentIDs))
	for _, id := range assessmentIDs {
		out[id] = []store.Finding{}
	}
	sc := s.Guard.Readable(ctx)
	if len(assessmentIDs) == 0 || sc.Empty() {
		return out, nil
	}
	var rows []store.Finding
	args := s.DB.Args()
	if err := s.DB.Select(ctx, s.DB.NewSelect().Model(&rows).Where("?", args.In("assessment_id", assessmentIDs)).
		Where("?", sc.Where("institution_id")).OrderExpr("id"), args, &rows); err != nil {
		return nil, err
	}
	for _, f := range rows {
		out[f.AssessmentID] = append(out[f.AssessmentID], f)
	}
	return out, nil
}

// FindingsByID loads findings by id, leaving out those of institutions the
// actor may not read.
func (s *Service) FindingsByID(ctx context.Context, ids []int64) (map[int64]*store.Finding, error) {
	m, err := store.ByIDs(ctx, s.DB, ids, func(f *store.Finding) int64 { return f.ID })
	for id, f := range m {
		if !s.Guard.CanRead(ctx, f.InstitutionID) {
			delete(m, id)
		}
	}
	return m, err
}

// ResponsesByID loads responses by id, leaving out those the actor may not
// read: responses of unreadable institutions, and all of them for roles
// without ReadResponses (PARTNER).
func (s *Service) ResponsesByID(ctx context.Context, ids []int64) (map[int64]*store.Response, error) {
	out := make(map[int64]*store.Response, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		store.Response
		InstitutionID int64 `bun:"institution_id"`
	}
	err := s.DB.NewSelect().Model((*store.Response)(nil)).ColumnExpr("?TableAlias.*").ColumnExpr("a.institution_id").
		Join("JOIN assessments AS a ON a.id = ?TableAlias.assessment_id").Where("?TableAlias.id IN (?)", bun.List(ids)).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		if s.Guard.CanRead(ctx, rows[i].InstitutionID) && s.Guard.Can(ctx, rows[i].InstitutionID, authz.ReadResponses) {
			out[rows[i].ID] = &rows[i].Response
		}
	}
	return out, nil
}

// CanReadResponses reports whether the actor may read the raw responses of
// institution inst.
func (s *Service) CanReadResponses(ctx context.Context, inst int64) bool {
	return s.Guard.CanRead(ctx, inst) && s.Guard.Can(ctx, inst, authz.ReadResponses)
}

// answers turns stored responses into answers keyed by question key.
func answers(rs []store.Response) map[string]questionnaire.Answer {
	out := make(map[string]questionnaire.Answer, len(rs))
	for i := range rs {
		out[rs[i].QuestionKey] = answerOf(&rs[i])
	}
	return out
}

func answerOf(r *store.Response) questionnaire.Answer {
	return questionnaire.Answer{Bool: r.BoolValue, Number: r.NumberValue, Text: r.TextValue, Choices: r.ChoiceKeys, NotApplicable: r.NotApplicable}
}

// Points is a response's Response.score: fraction * weight, nil when not
// scored (TEXT, not applicable, NUMBER without bands).
func Points(q *Questionnaire, r *store.Response) *float64 {
	qu, _ := q.Question(r.QuestionKey)
	if qu == nil {
		return nil
	}
	p, ok := qu.Points(answerOf(r))
	if !ok {
		return nil
	}
	return &p
}

// Comparison is one area of AreaComparison.
type Comparison struct {
	Area                 *Area
	Before, After, Delta *float64
}

// Comparable checks that b may be compared with a: same institution, same
// questionnaire key. The error is a query argument problem (BAD_USER_INPUT).
func Comparable(a, b *store.Assessment, qa, qb *Questionnaire) error {
	if b == nil || qb == nil {
		return errs.BadInput{Message: "error.compare.noAssessment"}
	}
	if a.InstitutionID != b.InstitutionID {
		return errs.BadInput{Message: "error.compare.otherInstitution"}
	}
	if qa.Key != qb.Key {
		return errs.BadInput{Message: "error.compare.otherQuestionnaire", Args: i18n.Data{"Other": qb.Key, "This": qa.Key}}
	}
	return nil
}

// Compare gives, for each area of a's questionnaire, b's area percent
// (before), a's (after) and the difference (RULES.md section 6). Areas are
// matched by key, so versions of one questionnaire compare too.
func Compare(qa *Questionnaire, ra *Results, qb *Questionnaire, rb *Results) []Comparison {
	sa, sb := ra.Scores(qa), rb.Scores(qb)
	before := map[string]*float64{}
	for _, as := range sb.Areas {
		before[as.AreaKey] = as.Score.Percent
	}
	out := make([]Comparison, len(sa.Areas))
	for i, as := range sa.Areas {
		c := Comparison{Area: &Area{Questionnaire: qa, Area: &qa.Areas[i]}, Before: before[as.AreaKey], After: as.Score.Percent}
		if c.Before != nil && c.After != nil {
			d := *c.After - *c.Before
			c.Delta = &d
		}
		out[i] = c
	}
	return out
}
