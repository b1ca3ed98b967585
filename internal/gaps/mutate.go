package gaps

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
)

// Get loads flags by global ID, in every state, with messages in lang.
// IDs that name no flag, and flags of institutions the actor may not read,
// are absent from the answer. An automatic flag is found while its
// condition holds, and afterwards (RESOLVED) once it has been seen.
func (s *Service) Get(ctx context.Context, ids []string, lang string) (map[string]*Flag, error) {
	out := make(map[string]*Flag, len(ids))
	var (
		manual   []int64
		plans    []int64
		findings []int64
		rules    = ruleSet{}
		wanted   = map[string]bool{}
	)
	for _, g := range ids {
		k, id, ok := ParseID(g)
		switch {
		case !ok:
		case id > 0:
			manual = append(manual, id)
		case k.Rule == FindingUnaddressed:
			if k.PlanID == 0 {
				findings = append(findings, k.SubjectID)
				wanted[g] = true
			}
		case k.PlanID > 0:
			plans = append(plans, k.PlanID)
			rules[k.Rule] = true
			wanted[g] = true
		}
	}
	take := func(fs []Flag) {
		for i := range fs {
			if wanted[fs[i].ID] {
				out[fs[i].ID] = &fs[i]
			}
		}
	}
	if len(plans) > 0 {
		fs, err := s.flags(ctx, s.readable(ctx, Scope{All: true, Plans: plans}), rules, lang)
		if err != nil {
			return nil, err
		}
		take(fs)
	}
	if len(findings) > 0 {
		var insts []int64
		if err := s.DB.NewSelect().Table("findings").Column("institution_id").Distinct().
			Where("id IN (?)", bun.List(findings)).Scan(ctx, &insts); err != nil {
			return nil, err
		}
		if len(insts) > 0 {
			fs, err := s.flags(ctx, s.readable(ctx, Scope{Institutions: insts}), ruleSet{FindingUnaddressed: true}, lang)
			if err != nil {
				return nil, err
			}
			take(fs)
		}
	}
	if len(manual) > 0 {
		var rows []StoredFlag
		if err := s.DB.NewSelect().Model(&rows).Where("id IN (?)", bun.List(manual)).Where("flag_key IS NULL").Scan(ctx); err != nil {
			return nil, err
		}
		for i := range rows {
			if s.Guard.CanRead(ctx, rows[i].InstitutionID) {
				f := manualFlag(&rows[i])
				out[f.ID] = &f
			}
		}
	}
	return out, nil
}

// RaiseInput is a MANUAL flag to raise. SubjectType is the GraphQL type of
// the optional subject ("" for none).
type RaiseInput struct {
	InstitutionID int64
	PlanID        *int64
	SubjectType   string
	SubjectID     int64
	Category      string
	Severity      string
	Message       string
}

// subjectSQL selects institution_id, plan_id and action_id of a subject by
// id, per subject type a MANUAL flag may name.
var subjectSQL = map[gid.Kind]string{
	gid.Institution:         "SELECT id AS institution_id, CAST(NULL AS BIGINT) AS plan_id, CAST(NULL AS BIGINT) AS action_id FROM institutions WHERE id = ?",
	gid.Unit:                "SELECT institution_id, CAST(NULL AS BIGINT) AS plan_id, CAST(NULL AS BIGINT) AS action_id FROM units WHERE id = ?",
	gid.Assessment:          "SELECT institution_id, CAST(NULL AS BIGINT) AS plan_id, CAST(NULL AS BIGINT) AS action_id FROM assessments WHERE id = ?",
	gid.Finding:             "SELECT institution_id, CAST(NULL AS BIGINT) AS plan_id, CAST(NULL AS BIGINT) AS action_id FROM findings WHERE id = ?",
	gid.ActionPlan:          "SELECT institution_id, id AS plan_id, CAST(NULL AS BIGINT) AS action_id FROM action_plans WHERE id = ?",
	gid.Objective:           "SELECT institution_id, plan_id, CAST(NULL AS BIGINT) AS action_id FROM objectives WHERE id = ?",
	gid.Action:              "SELECT institution_id, plan_id, id AS action_id FROM actions WHERE id = ?",
	gid.ResourceRequirement: "SELECT institution_id, plan_id, action_id FROM resource_requirements WHERE id = ?",
	gid.Indicator:           "SELECT institution_id, plan_id, action_id FROM indicators WHERE id = ?",
}

// SubjectTypes reports whether typ is a type a MANUAL flag may be about.
func SubjectTypes(typ string) bool {
	k, ok := gid.KindOf(typ)
	_, known := subjectSQL[k]
	return ok && known
}

type subjectRow struct {
	InstitutionID int64  `bun:"institution_id"`
	PlanID        *int64 `bun:"plan_id"`
	ActionID      *int64 `bun:"action_id"`
}

// Raise stores a MANUAL flag (raiseGapFlag). A subject inside a plan gives
// the flag that plan when none is named.
func (s *Service) Raise(ctx context.Context, in RaiseInput, lang string) (*Flag, error) {
	if err := s.Guard.Check(ctx, in.InstitutionID, authz.RaiseFlag, "error.noSuch.institution", "input", "institutionId"); err != nil {
		return nil, err
	}
	var l errs.List
	if !ValidCategory(in.Category) {
		l.Add(errs.Invalid, "error.unknownGapCategory", "input", "category")
	}
	if !ValidSeverity(in.Severity) {
		l.Add(errs.Invalid, "error.unknownSeverity", "input", "severity")
	}
	l.Text(&in.Message, 2000, true, "input", "message")
	if in.SubjectType != "" && !SubjectTypes(in.SubjectType) {
		l.Add(errs.NotFound, "error.gap.subjectType", "input", "subjectId")
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	now := s.Now().UTC().Truncate(time.Microsecond)
	row := &StoredFlag{InstitutionID: in.InstitutionID, PlanID: in.PlanID, Rule: Manual, Category: in.Category, Severity: in.Severity,
		Message: &in.Message, State: Open, DetectedAt: now, Version: 1, CreatedAt: now, UpdatedAt: now}
	if a := auth.ActorFrom(ctx); a != nil && a.UserID > 0 {
		row.RaisedBy = &a.UserID
	}
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ok, err := tx.NewSelect().Table("institutions").Where("id = ?", in.InstitutionID).Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.NotFound, "error.noSuch.institution", "input", "institutionId")
		}
		if in.PlanID != nil {
			var inst int64
			err := tx.NewSelect().Table("action_plans").Column("institution_id").Where("id = ?", *in.PlanID).Scan(ctx, &inst)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && !s.Guard.CanRead(ctx, inst)) {
				return errs.New(errs.NotFound, "error.noSuch.plan", "input", "planId")
			}
			if err != nil {
				return err
			}
			if inst != in.InstitutionID {
				return errs.New(errs.Invalid, "error.gap.planOfOtherInstitution", "input", "planId")
			}
		}
		if in.SubjectType != "" {
			var sub subjectRow
			err := tx.NewRaw(subjectSQL[mustKind(in.SubjectType)], in.SubjectID).Scan(ctx, &sub)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && !s.Guard.CanRead(ctx, sub.InstitutionID)) {
				return errs.New(errs.NotFound, "error.noSuch.subject", "input", "subjectId")
			}
			if err != nil {
				return err
			}
			if sub.InstitutionID != in.InstitutionID {
				return errs.New(errs.Invalid, "error.gap.subjectOfOtherInstitution", "input", "subjectId")
			}
			if sub.PlanID != nil {
				if in.PlanID != nil && *in.PlanID != *sub.PlanID {
					return errs.New(errs.Invalid, "error.gap.subjectOfOtherPlan", "input", "planId")
				}
				row.PlanID = sub.PlanID
			}
			st, sid := in.SubjectType, in.SubjectID
			row.SubjectType, row.SubjectID, row.ActionID = &st, &sid, sub.ActionID
		}
		if _, err := tx.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "raiseGapFlag", SubjectID: ManualID(row.ID),
			InstitutionID: &row.InstitutionID, Changes: audit.Change(nil, row)})
	})
	if err != nil {
		return nil, err
	}
	f := manualFlag(row)
	return &f, nil
}

// SetState changes the state of a flag by hand (setGapFlagState). An
// automatic flag may be set OPEN, ACKNOWLEDGED or DISMISSED (with a note)
// while its condition holds; RESOLVED it becomes by itself. A MANUAL flag
// takes any state; dismissing one needs a note too.
func (s *Service) SetState(ctx context.Context, id, state string, note *string, lang string) (*Flag, error) {
	if auth.ActorFrom(ctx) == nil {
		return nil, errs.ErrUnauthenticated
	}
	k, manual, ok := ParseID(id)
	notFound := errs.New(errs.NotFound, "error.noSuch.gapFlag", "input", "id")
	if !ok {
		return nil, notFound
	}
	found, err := s.Get(ctx, []string{id}, lang)
	if err != nil {
		return nil, err
	}
	f := found[id]
	if f == nil {
		return nil, notFound
	}
	if err := s.Guard.Require(ctx, f.InstitutionID, authz.SetFlagState); err != nil {
		return nil, err
	}
	var l errs.List
	l.Text(note, 2000, false, "input", "note")
	switch {
	case !ValidState(state):
		l.Add(errs.Invalid, "error.gap.unknownState", "input", "state")
	case state == Resolved && manual == 0:
		l.Add(errs.Invalid, "error.gap.automaticByHand", "input", "state")
	case state == Dismissed && errs.BlankNil(note) == nil:
		l.Add(errs.Invalid, "error.gap.dismissReason", "input", "note")
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	if manual == 0 && f.State == Resolved {
		return nil, errs.New(errs.InvalidState, "error.gap.noLongerHolds", "input", "id")
	}
	now := s.Now().UTC().Truncate(time.Microsecond)
	var row StoredFlag
	err = s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model(&row)
		if manual > 0 {
			q = q.Where("id = ?", manual).Where("flag_key IS NULL")
		} else {
			q = q.Where("flag_key = ?", k.String())
		}
		if err := q.Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "error.noSuch.gapFlag", "input", "id")
		}
		before := row
		row.State, row.Note, row.UpdatedAt = state, errs.BlankNil(note), now
		if err := storeUpdate(ctx, tx, &row, before.Version); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "setGapFlagState", SubjectID: f.ID,
			InstitutionID: &row.InstitutionID, Changes: audit.Change(&before, &row)})
	})
	if err != nil {
		return nil, err
	}
	f.State, f.Note = row.State, row.Note
	return f, nil
}

// storeUpdate writes a flag's state and note, bumping its version; a
// concurrent change in between is a CONFLICT.
func storeUpdate(ctx context.Context, tx bun.IDB, row *StoredFlag, version int) error {
	res, err := tx.NewUpdate().Model(row).Column("state", "note", "updated_at").
		Set("version = version + 1").Where("id = ?", row.ID).Where("version = ?", version).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.New(errs.Conflict, "error.gap.concurrent", "input", "id")
	}
	row.Version = version + 1
	return nil
}

// SubjectGID is the global ID of a flag's subject, "" when it has none.
func (f *Flag) SubjectGID() string {
	k, ok := gid.KindOf(f.SubjectType)
	if !ok || f.SubjectID == 0 {
		return ""
	}
	return gid.Encode(k, f.SubjectID)
}

// mustKind is the kind of a subject type SubjectTypes accepted.
func mustKind(name string) gid.Kind {
	k, _ := gid.KindOf(name)
	return k
}
