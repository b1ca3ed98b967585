package plan

import (
	"context"
	"slices"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/patch"
	"github.com/gendertrack/gendertrack/internal/store"
)

// ObjectiveInput holds the fields of a new or changed objective. On update
// an absent field is left as it is and a null one cleared (not the
// title); FindingIDs, when given, replaces the links (null or an empty
// list removes them all).
type ObjectiveInput struct {
	PlanID      int64
	Title       patch.Field[string]
	Description patch.Field[string]
	FindingIDs  patch.Field[[]int64]
}

func (in *ObjectiveInput) validate(l *errs.List, create bool) {
	l.Text(in.Title.Value(), maxTitle, create, f("title")...)
	if !create {
		l.NotNull(in.Title.IsNull(), f("title")...)
	}
	l.Text(in.Description.Value(), maxDescription, false, f("description")...)
}

// CreateObjective adds an objective to a DRAFT or ADOPTED plan.
func (s *Service) CreateObjective(ctx context.Context, in ObjectiveInput) (*store.Objective, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, err
	}
	var o *store.Objective
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, err := s.planFor(ctx, tx, in.PlanID, authz.EditPlan, "SHARE", f("planId")...)
		if err != nil {
			return err
		}
		if err := structureState(p, f("planId")...); err != nil {
			return err
		}
		var l errs.List
		in.validate(&l, true)
		findings := dedupe(ids(in.FindingIDs))
		if err := s.checkFindings(ctx, tx, &l, p.InstitutionID, ids(in.FindingIDs), f("findingIds")...); err != nil {
			return err
		}
		if err := l.Err(); err != nil {
			return err
		}
		now := s.Now().UTC()
		o = &store.Objective{PlanID: p.ID, InstitutionID: p.InstitutionID, Title: *in.Title.Value(), Description: errs.BlankNil(in.Description.Value()),
			Version: 1, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(o).Returning("id").Exec(ctx); err != nil {
			return err
		}
		if err := setLinks(ctx, tx, "objective_findings", "objective_id", "finding_id", o.ID, findings); err != nil {
			return err
		}
		changes := audit.Change(nil, o)
		if len(findings) > 0 {
			changes["findingIds"] = [2]any{nil, globalIDs(gid.Finding, findings)}
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "createObjective", SubjectID: gid.Encode(gid.Objective, o.ID),
			InstitutionID: &o.InstitutionID, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// UpdateObjective changes an objective if the stored version is
// expectedVersion.
func (s *Service) UpdateObjective(ctx context.Context, id int64, expectedVersion int, in ObjectiveInput) (*store.Objective, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, err
	}
	var o store.Objective
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&o).Where("id = ?", id).Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "error.noSuch.objective", f("id")...)
		}
		p, err := s.childForChange(ctx, tx, o.PlanID, o.Version, expectedVersion)
		if err != nil {
			return err
		}
		var l errs.List
		in.validate(&l, false)
		if err := s.checkFindings(ctx, tx, &l, p.InstitutionID, ids(in.FindingIDs), f("findingIds")...); err != nil {
			return err
		}
		if err := l.Err(); err != nil {
			return err
		}
		before := o
		if v := in.Title.Value(); v != nil {
			o.Title = *v
		}
		if in.Description.Present() {
			o.Description = errs.BlankNil(in.Description.Value())
		}
		o.UpdatedAt = s.Now().UTC()
		if err := store.UpdateVersioned(ctx, tx, &o, o.ID, expectedVersion, &o.Version, "title", "description", "updated_at"); err != nil {
			return err
		}
		changes := audit.Change(&before, &o)
		if in.FindingIDs.Present() {
			old, err := linked(ctx, tx, "objective_findings", "objective_id", "finding_id", o.ID)
			if err != nil {
				return err
			}
			now := dedupe(ids(in.FindingIDs))
			if err := setLinks(ctx, tx, "objective_findings", "objective_id", "finding_id", o.ID, now); err != nil {
				return err
			}
			linkChange(changes, "findingIds", gid.Finding, old, now)
		}
		return audit.Record(ctx, tx, o.UpdatedAt, audit.Event{Operation: "updateObjective", SubjectID: gid.Encode(gid.Objective, o.ID),
			InstitutionID: &o.InstitutionID, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// globalIDs encodes row ids as global IDs of typ, for the audit trail.
func globalIDs(typ gid.Kind, ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = gid.Encode(typ, id)
	}
	return out
}

// linkChange records a changed link list in an audit change set.
func linkChange(changes map[string][2]any, name string, typ gid.Kind, before, after []int64) {
	after = slices.Clone(after)
	slices.Sort(after)
	if b, a := globalIDs(typ, before), globalIDs(typ, after); !slices.Equal(b, a) {
		changes[name] = [2]any{b, a}
	}
}
