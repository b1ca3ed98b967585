package plan

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/patch"
	"github.com/gendertrack/gendertrack/internal/store"
)

// ActionInput holds the fields of a new or changed action. On update an
// absent field is left as it is and a null one cleared (not the title or
// the kind); the id lists, when given, replace the links (null or an
// empty list removes them all).
type ActionInput struct {
	PlanID            int64
	ObjectiveID       patch.Field[int64]
	Title             patch.Field[string]
	Description       patch.Field[string]
	Kind              patch.Field[string]
	LeadUnitID        patch.Field[int64]
	SupportingUnitIDs patch.Field[[]int64]
	Accountable       patch.Field[string]
	PartnerIDs        patch.Field[[]int64]
	StartDate         patch.Field[string]
	DueDate           patch.Field[string]
	FindingIDs        patch.Field[[]int64]
}

// validate checks the plain fields and the references of an action of plan
// p; a is the stored action on update (nil on create).
func (s *Service) validateAction(ctx context.Context, tx bun.IDB, l *errs.List, p *store.ActionPlan, in *ActionInput, a *store.Action) error {
	create := a == nil
	l.Text(in.Title.Value(), maxTitle, create, f("title")...)
	l.Text(in.Description.Value(), maxDescription, false, f("description")...)
	l.Text(in.Accountable.Value(), maxShort, false, f("accountable")...)
	if !create {
		l.NotNull(in.Title.IsNull(), f("title")...)
		l.NotNull(in.Kind.IsNull(), f("kind")...)
	}
	if kind := in.Kind.Value(); kind == nil && create {
		l.Add(errs.Invalid, "error.required", f("kind")...)
	} else if kind != nil && !ActionKinds[*kind] {
		l.Add(errs.Invalid, "error.plan.unknownActionKind", f("kind")...)
	}
	start := date(l, in.StartDate.Value(), false, f("startDate")...)
	due := date(l, in.DueDate.Value(), false, f("dueDate")...)
	if !create {
		if !in.StartDate.Present() {
			start = storedDate(a.StartDate)
		}
		if !in.DueDate.Present() {
			due = storedDate(a.DueDate)
		}
	}
	if start != nil && due != nil && due.Before(*start) {
		field := f("dueDate")
		if !in.DueDate.Present() {
			field = f("startDate")
		}
		l.Add(errs.Invalid, "error.plan.dueBeforeStart", field...)
	}
	if objective := in.ObjectiveID.Value(); objective != nil {
		var o struct {
			PlanID        int64 `bun:"plan_id"`
			InstitutionID int64 `bun:"institution_id"`
		}
		err := tx.NewSelect().Table("objectives").Column("plan_id", "institution_id").Where("id = ?", *objective).Scan(ctx, &o)
		switch {
		case errors.Is(err, sql.ErrNoRows) || (err == nil && !s.Guard.CanRead(ctx, o.InstitutionID)):
			l.Add(errs.NotFound, "error.noSuch.objective", f("objectiveId")...)
		case err != nil:
			return err
		case o.PlanID != p.ID:
			l.Add(errs.Invalid, "error.plan.objectiveOfOtherPlan", f("objectiveId")...)
		}
	}
	if lead := in.LeadUnitID.Value(); lead != nil {
		if err := s.checkOwned(ctx, tx, l, "units", p.InstitutionID, []int64{*lead}, true, f("leadUnitId")...); err != nil {
			return err
		}
	}
	if err := s.checkOwned(ctx, tx, l, "units", p.InstitutionID, ids(in.SupportingUnitIDs), false, f("supportingUnitIds")...); err != nil {
		return err
	}
	if err := checkPartners(ctx, tx, l, ids(in.PartnerIDs), false, f("partnerIds")...); err != nil {
		return err
	}
	return s.checkFindings(ctx, tx, l, p.InstitutionID, ids(in.FindingIDs), f("findingIds")...)
}

// actionLinks are the link tables of an action.
var actionLinks = []struct {
	table, col string
	typ        gid.Kind
	name       string
}{
	{"action_supporting_units", "unit_id", gid.Unit, "supportingUnitIds"},
	{"action_partners", "partner_id", gid.Partner, "partnerIds"},
	{"action_findings", "finding_id", gid.Finding, "findingIds"},
}

func (in *ActionInput) links() []patch.Field[[]int64] {
	return []patch.Field[[]int64]{in.SupportingUnitIDs, in.PartnerIDs, in.FindingIDs}
}

// CreateAction adds a NOT_STARTED action to a DRAFT or ADOPTED plan.
func (s *Service) CreateAction(ctx context.Context, in ActionInput) (*store.Action, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, err
	}
	var a *store.Action
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, err := s.planFor(ctx, tx, in.PlanID, authz.EditPlan, "SHARE", f("planId")...)
		if err != nil {
			return err
		}
		if err := structureState(p, f("planId")...); err != nil {
			return err
		}
		var l errs.List
		if err := s.validateAction(ctx, tx, &l, p, &in, nil); err != nil {
			return err
		}
		if err := l.Err(); err != nil {
			return err
		}
		now := s.Now().UTC()
		a = &store.Action{PlanID: p.ID, InstitutionID: p.InstitutionID, ObjectiveID: in.ObjectiveID.Value(), Title: *in.Title.Value(),
			Description: errs.BlankNil(in.Description.Value()), Kind: *in.Kind.Value(), LeadUnitID: in.LeadUnitID.Value(),
			Accountable: errs.BlankNil(in.Accountable.Value()), StartDate: in.StartDate.Value(), DueDate: in.DueDate.Value(),
			Status: ActionStatusNotStarted, Version: 1, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(a).Returning("id").Exec(ctx); err != nil {
			return err
		}
		changes := audit.Change(nil, a)
		for i, link := range in.links() {
			if !link.Present() {
				continue
			}
			lk, now := actionLinks[i], dedupe(ids(link))
			if err := setLinks(ctx, tx, lk.table, "action_id", lk.col, a.ID, now); err != nil {
				return err
			}
			linkChange(changes, lk.name, lk.typ, nil, now)
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "createAction", SubjectID: gid.Encode(gid.Action, a.ID),
			InstitutionID: &a.InstitutionID, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// UpdateAction changes an action if the stored version is expectedVersion.
// Its status and progress change only through RecordProgress.
func (s *Service) UpdateAction(ctx context.Context, id int64, expectedVersion int, in ActionInput) (*store.Action, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, err
	}
	var a store.Action
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&a).Where("id = ?", id).Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "error.noSuch.action", f("id")...)
		}
		p, err := s.childForChange(ctx, tx, a.PlanID, a.Version, expectedVersion)
		if err != nil {
			return err
		}
		var l errs.List
		if err := s.validateAction(ctx, tx, &l, p, &in, &a); err != nil {
			return err
		}
		if err := l.Err(); err != nil {
			return err
		}
		before := a
		in.ObjectiveID.Apply(&a.ObjectiveID)
		if v := in.Title.Value(); v != nil {
			a.Title = *v
		}
		if in.Description.Present() {
			a.Description = errs.BlankNil(in.Description.Value())
		}
		if v := in.Kind.Value(); v != nil {
			a.Kind = *v
		}
		in.LeadUnitID.Apply(&a.LeadUnitID)
		if in.Accountable.Present() {
			a.Accountable = errs.BlankNil(in.Accountable.Value())
		}
		in.StartDate.Apply(&a.StartDate)
		in.DueDate.Apply(&a.DueDate)
		a.UpdatedAt = s.Now().UTC()
		if err := store.UpdateVersioned(ctx, tx, &a, a.ID, expectedVersion, &a.Version,
			"objective_id", "title", "description", "kind", "lead_unit_id", "accountable", "start_date", "due_date", "updated_at"); err != nil {
			return err
		}
		changes := audit.Change(&before, &a)
		for i, link := range in.links() {
			if !link.Present() {
				continue
			}
			lk, now := actionLinks[i], dedupe(ids(link))
			old, err := linked(ctx, tx, lk.table, "action_id", lk.col, a.ID)
			if err != nil {
				return err
			}
			if err := setLinks(ctx, tx, lk.table, "action_id", lk.col, a.ID, now); err != nil {
				return err
			}
			linkChange(changes, lk.name, lk.typ, old, now)
		}
		return audit.Record(ctx, tx, a.UpdatedAt, audit.Event{Operation: "updateAction", SubjectID: gid.Encode(gid.Action, a.ID),
			InstitutionID: &a.InstitutionID, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// ProgressInput is one progress report on an action.
type ProgressInput struct {
	ActionID        int64
	Status          string
	ProgressPercent int
	Note            *string
	Evidence        []string
}

// RecordProgress appends a progress update to an action of an ADOPTED plan
// and sets the action's status and progress (RULES.md 5).
func (s *Service) RecordProgress(ctx context.Context, in ProgressInput) (*store.Action, *store.ProgressUpdate, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, nil, err
	}
	var (
		a store.Action
		u *store.ProgressUpdate
	)
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		args := s.DB.TxArgs(tx)
		if err := s.DB.Select(ctx, s.lock(tx.NewSelect().Model(&a).Where("id = ?", args.Value(in.ActionID)), "UPDATE"), args, &a); err != nil {
			return errs.NotFoundIf(err, "error.noSuch.action", f("actionId")...)
		}
		p, err := s.planFor(ctx, tx, a.PlanID, authz.RecordProgress, "SHARE", f("actionId")...)
		if err != nil {
			return err
		}
		if err := recordingState(p, "error.plan.recordProgress", f("actionId")...); err != nil {
			return err
		}
		var l errs.List
		validateProgress(&l, in.Status, in.ProgressPercent)
		l.Text(in.Note, maxDescription, false, f("note")...)
		evidence := make([]string, 0, len(in.Evidence))
		if len(in.Evidence) > maxEvidence {
			l.Addf(errs.Invalid, f("evidence"), "error.plan.tooMuchEvidence", i18n.Data{"Max": maxEvidence})
		}
		for i := range in.Evidence {
			e := in.Evidence[i]
			l.Text(&e, 2000, true, at(f("evidence"), i)...)
			evidence = append(evidence, e)
		}
		if err := l.Err(); err != nil {
			return err
		}
		now := s.Now().UTC()
		before := a
		a.Status, a.ProgressPercent, a.LastProgressAt, a.UpdatedAt = in.Status, in.ProgressPercent, &now, now
		a.UpdateCount++
		if err := store.UpdateVersioned(ctx, tx, &a, a.ID, before.Version, &a.Version, "status", "progress_percent", "last_progress_at", "update_count", "updated_at"); err != nil {
			return err
		}
		u = &store.ProgressUpdate{ActionID: a.ID, AuthorID: actorUser(ctx), CreatedAt: now, Status: in.Status,
			ProgressPercent: in.ProgressPercent, Note: errs.BlankNil(in.Note), Evidence: evidence}
		if err := store.Insert(ctx, tx, u); err != nil {
			return err
		}
		changes := audit.Change(&before, &a)
		delete(changes, "lastProgressAt")
		changes["progressUpdate"] = [2]any{nil, gid.Encode(gid.ProgressUpdate, u.ID)}
		if u.Note != nil {
			changes["note"] = [2]any{nil, *u.Note}
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "recordProgress", SubjectID: gid.Encode(gid.Action, a.ID),
			InstitutionID: &a.InstitutionID, Changes: changes})
	})
	if err != nil {
		return nil, nil, err
	}
	return &a, u, nil
}

// validateProgress puts the problems of a status and percentage at their
// input fields.
func validateProgress(l *errs.List, status string, pct int) {
	if !ValidActionStatus(status) {
		l.Add(errs.Invalid, "error.plan.unknownActionStatus", f("status")...)
		return
	}
	if err := ValidateProgress(status, pct); err != nil {
		l.AddErr(errs.Invalid, err, f("progressPercent")...)
	}
}

// Health is the action's traffic light today (RULES.md 7).
func (s *Service) Health(a *store.Action) string {
	return healthAt(a, s.today())
}

// HealthColumns are the columns of an action that its health is computed
// from (healthAt).
var HealthColumns = []string{"status", "start_date", "due_date", "progress_percent"}

func healthAt(a *store.Action, today time.Time) string {
	return Health(a.Status, storedDate(a.StartDate), storedDate(a.DueDate), a.ProgressPercent, today)
}

// Overdue reports whether the action is past its due date and neither
// completed nor cancelled.
func (s *Service) Overdue(a *store.Action) bool {
	return a.DueDate != nil && *a.DueDate < s.Today() &&
		a.Status != ActionStatusCompleted && a.Status != ActionStatusCancelled
}
