package assessment

import (
	"context"
	"slices"
	"strconv"
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

// MaxResponses is the most responses one saveResponses call may carry.
const MaxResponses = 1000

// Limits on the free text of a response.
const (
	maxTextValue   = 10000
	maxComment     = 5000
	maxEvidence    = 50
	maxEvidenceLen = 1000
)

// ResponseInput is one answer to save: exactly one value field that fits
// the question's kind, or NotApplicable. Comment and Evidence left nil keep
// what is stored; a blank comment or an empty evidence list clears it.
type ResponseInput struct {
	QuestionKey     string
	Bool            *bool
	Number          *float64
	Text            *string
	Choices         []string
	NotApplicable   *bool
	Comment         *string
	Evidence        []string
	ExpectedVersion *int
}

func (in *ResponseInput) answer() questionnaire.Answer {
	return questionnaire.Answer{Bool: in.Bool, Number: in.Number, Text: in.Text, Choices: in.Choices, NotApplicable: in.NotApplicable != nil && *in.NotApplicable}
}

// SaveResponses stores answers to questions of a DRAFT assessment, all or
// nothing: when any response is wrong, none is saved and every problem is
// answered at ["input", "responses", "<i>", "<field>"]. It costs the same
// few SQL statements whatever the number of responses. Responses that
// change nothing are left as they are (version unchanged); the others get
// version + 1 and the caller as answeredBy. The result lists the stored
// responses in input order.
func (s *Service) SaveResponses(ctx context.Context, assessmentID int64, in []ResponseInput) (*store.Assessment, []store.Response, error) {
	a, err := s.forChange(ctx, s.DB, assessmentID, authz.EditAssessment)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case len(in) == 0:
		return nil, nil, errs.New(errs.Invalid, "error.assessment.noResponse", "input", "responses")
	case len(in) > MaxResponses:
		return nil, nil, errs.Newf(errs.Invalid, []string{"input", "responses"}, "error.assessment.tooManyResponses", i18n.Data{"Max": MaxResponses, "Given": len(in)})
	}
	if a.Status != Draft {
		return nil, nil, errs.Newf(errs.InvalidState, []string{"input", "assessmentId"},
			"error.assessment.saveNotDraft", i18n.Data{"Status": a.Status})
	}
	q, err := s.questionnaireOf(ctx, s.DB, a.QuestionnaireID)
	if err != nil {
		return nil, nil, err
	}
	if err := validateResponses(q, in); err != nil {
		return nil, nil, err
	}

	keys := make([]string, len(in))
	for i := range in {
		keys[i] = in[i].QuestionKey
	}
	var answeredBy *int64
	if act := auth.ActorFrom(ctx); act != nil && act.UserID > 0 && act.APIKeyID == 0 {
		uid := act.UserID
		answeredBy = &uid
	}
	out := make([]store.Response, len(in))
	err = s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.Now().UTC()
		// The first write locks the assessment row (PostgreSQL), so a
		// concurrent submit waits, and fails if the status changed since.
		res, err := tx.NewUpdate().Model((*store.Assessment)(nil)).Set("updated_at = ?", now).
			Where("id = ?", a.ID).Where("status = ?", Draft).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.InvalidState, "error.assessment.noLongerDraft", "input", "assessmentId")
		}
		a.UpdatedAt = now

		var stored []store.Response
		if err := tx.NewSelect().Model(&stored).Where("assessment_id = ?", a.ID).Where("question_key IN (?)", bun.List(keys)).Scan(ctx); err != nil {
			return err
		}
		existing := make(map[string]*store.Response, len(stored))
		for i := range stored {
			existing[stored[i].QuestionKey] = &stored[i]
		}

		var l errs.List
		var changed []store.Response
		changes := map[string][2]any{}
		pos := map[string]int{}
		for i := range in {
			r := &in[i]
			old := existing[r.QuestionKey]
			if r.ExpectedVersion != nil {
				v := 0
				if old != nil {
					v = old.Version
				}
				if v != *r.ExpectedVersion {
					l.Addf(errs.Conflict, field(i, "expectedVersion"), "error.assessment.responseConflict",
						i18n.Data{"Question": r.QuestionKey, "Stored": v, "Sent": *r.ExpectedVersion})
					continue
				}
			}
			row := newRow(a.ID, r, old, answeredBy, now)
			if old != nil && sameAnswer(old, &row) {
				out[i] = *old
				continue
			}
			pos[r.QuestionKey] = i
			changed = append(changed, row)
			changes["responses."+r.QuestionKey] = [2]any{snapshot(old), snapshot(&row)}
		}
		if err := l.Err(); err != nil {
			return err
		}
		if len(changed) > 0 {
			// One statement for every changed response, on both databases.
			_, err := tx.NewInsert().Model(&changed).
				On("CONFLICT (assessment_id, question_key) DO UPDATE").
				Set("bool_value = EXCLUDED.bool_value").
				Set("number_value = EXCLUDED.number_value").
				Set("text_value = EXCLUDED.text_value").
				Set("choice_keys = EXCLUDED.choice_keys").
				Set("not_applicable = EXCLUDED.not_applicable").
				Set("comment = EXCLUDED.comment").
				Set("evidence = EXCLUDED.evidence").
				Set("answered_by = EXCLUDED.answered_by").
				Set("updated_at = EXCLUDED.updated_at").
				Set("version = ?TableAlias.version + 1").
				Returning("*").Exec(ctx)
			if err != nil {
				return err
			}
			for _, row := range changed {
				out[pos[row.QuestionKey]] = row
			}
		}
		if len(changes) == 0 {
			changes = nil
		}
		// A DRAFT assessment's answers feed no gap rule (they read
		// validated assessments' findings): the flags stay as derived.
		return audit.Record(ctx, tx, now, audit.Event{Operation: "saveResponses", SubjectID: gid.Encode(gid.Assessment, a.ID),
			InstitutionID: &a.InstitutionID, Changes: changes})
	})
	if err != nil {
		return nil, nil, err
	}
	return a, out, nil
}

func field(i int, name string, more ...string) []string {
	return append([]string{"input", "responses", strconv.Itoa(i), name}, more...)
}

// validateResponses checks every response against its question; nothing
// here reads the database.
func validateResponses(q *Questionnaire, in []ResponseInput) error {
	var l errs.List
	seen := make(map[string]int, len(in))
	for i := range in {
		r := &in[i]
		r.QuestionKey = strings.TrimSpace(r.QuestionKey)
		qu, _ := q.Question(r.QuestionKey)
		if qu == nil {
			l.Addf(errs.NotFound, field(i, "questionKey"), "error.assessment.noQuestion", i18n.Data{"Questionnaire": q.Key, "Question": r.QuestionKey})
			continue
		}
		if j, dup := seen[r.QuestionKey]; dup {
			l.Addf(errs.Invalid, field(i, "questionKey"), "error.assessment.answeredTwice", i18n.Data{"Question": r.QuestionKey, "Index": j})
			continue
		}
		seen[r.QuestionKey] = i
		for _, p := range qu.Check(r.answer()) {
			l.Addf(errs.Invalid, field(i, p.Field), p.Message, p.Args)
		}
		if r.Text != nil && len([]rune(*r.Text)) > maxTextValue {
			l.Addf(errs.Invalid, field(i, "textValue"), "error.maxLength", i18n.Data{"Max": maxTextValue})
		}
		if r.Comment != nil && len([]rune(*r.Comment)) > maxComment {
			l.Addf(errs.Invalid, field(i, "comment"), "error.maxLength", i18n.Data{"Max": maxComment})
		}
		if len(r.Evidence) > maxEvidence {
			l.Addf(errs.Invalid, field(i, "evidence"), "error.assessment.tooMuchEvidence", i18n.Data{"Max": maxEvidence})
		}
		for j, e := range r.Evidence {
			e = strings.TrimSpace(e)
			r.Evidence[j] = e
			switch {
			case e == "":
				l.Add(errs.Invalid, "error.assessment.blankEvidence", field(i, "evidence", strconv.Itoa(j))...)
			case len([]rune(e)) > maxEvidenceLen:
				l.Addf(errs.Invalid, field(i, "evidence", strconv.Itoa(j)), "error.maxLength", i18n.Data{"Max": maxEvidenceLen})
			}
		}
		if r.ExpectedVersion != nil && *r.ExpectedVersion < 0 {
			l.Add(errs.Invalid, "error.negativeVersion", field(i, "expectedVersion")...)
		}
	}
	return l.Err()
}

// newRow is the stored form of r, keeping old's comment and evidence when r
// leaves them out.
func newRow(assessmentID int64, r *ResponseInput, old *store.Response, answeredBy *int64, now time.Time) store.Response {
	row := store.Response{AssessmentID: assessmentID, QuestionKey: r.QuestionKey, AnsweredBy: answeredBy, Version: 1, UpdatedAt: now}
	if r.NotApplicable != nil && *r.NotApplicable {
		row.NotApplicable = true
	} else {
		row.BoolValue, row.NumberValue, row.ChoiceKeys = r.Bool, r.Number, r.Choices
		if r.Text != nil {
			t := strings.TrimSpace(*r.Text)
			row.TextValue = &t
		}
	}
	switch {
	case r.Comment != nil:
		row.Comment = errs.BlankNil(r.Comment)
	case old != nil:
		row.Comment = old.Comment
	}
	switch {
	case r.Evidence != nil:
		if len(r.Evidence) > 0 {
			row.Evidence = r.Evidence
		}
	case old != nil:
		row.Evidence = old.Evidence
	}
	return row
}

func sameAnswer(a, b *store.Response) bool {
	return eqBool(a.BoolValue, b.BoolValue) && eqFloat(a.NumberValue, b.NumberValue) && eqStr(a.TextValue, b.TextValue) &&
		slices.Equal(a.ChoiceKeys, b.ChoiceKeys) && (a.ChoiceKeys == nil) == (b.ChoiceKeys == nil) &&
		a.NotApplicable == b.NotApplicable && eqStr(a.Comment, b.Comment) && slices.Equal(a.Evidence, b.Evidence)
}

func eqBool(a, b *bool) bool     { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
func eqFloat(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
func eqStr(a, b *string) bool    { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// snapshot is what the audit trail keeps of a response.
func snapshot(r *store.Response) map[string]any {
	if r == nil {
		return nil
	}
	m := map[string]any{}
	switch {
	case r.NotApplicable:
		m["notApplicable"] = true
	case r.BoolValue != nil:
		m["boolValue"] = *r.BoolValue
	case r.NumberValue != nil:
		m["numberValue"] = *r.NumberValue
	case r.TextValue != nil:
		m["textValue"] = *r.TextValue
	case r.ChoiceKeys != nil:
		m["choiceKeys"] = r.ChoiceKeys
	}
	if r.Comment != nil {
		m["comment"] = *r.Comment
	}
	if len(r.Evidence) > 0 {
		m["evidence"] = r.Evidence
	}
	return m
}
