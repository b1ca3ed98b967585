package plan

import (
	"context"
	"math"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/money"
	"github.com/gendertrack/gendertrack/internal/store"
)

// ResourceInput holds the fields of a new or changed resource requirement;
// nil fields are left as they are on update. Amounts are decimal strings.
type ResourceInput struct {
	ActionID         int64
	Kind             *string
	Description      *string
	QuantityRequired *float64
	QuantitySecured  *float64
	Unit             *string
	AmountRequired   *string
	AmountSecured    *string
	Currency         *string
	ProviderID       *int64
}

// apply validates in against r (the stored requirement, or a new one with
// its kind set) and writes the accepted values into r. A BUDGET
// requirement has an amount required and a currency and no quantity; every
// other kind has a quantity required and no amount or currency.
func (s *Service) applyResource(ctx context.Context, tx bun.IDB, l *errs.List, in *ResourceInput, r *store.ResourceRequirement, create bool) error {
	l.Text(in.Description, maxDescription, create, f("description")...)
	l.Text(in.Unit, maxShort, false, f("unit")...)
	if in.Description != nil {
		r.Description = *in.Description
	}
	amount := func(v *string, dst **money.Decimal, field string) {
		if v == nil {
			return
		}
		d, err := money.ParseAmount(*v)
		if err != nil {
			l.Add(errs.Invalid, err.Error(), f(field)...)
			return
		}
		*dst = &d
	}
	quantity := func(v *float64, dst **float64, field string) {
		if v == nil {
			return
		}
		if math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0 {
			l.Add(errs.Invalid, "A quantity must be a finite number, zero or more.", f(field)...)
			return
		}
		q := *v
		*dst = &q
	}
	if r.Kind == "BUDGET" {
		for _, x := range []struct {
			set   bool
			field string
		}{{in.QuantityRequired != nil, "quantityRequired"}, {in.QuantitySecured != nil, "quantitySecured"}, {in.Unit != nil && strings.TrimSpace(*in.Unit) != "", "unit"}} {
			if x.set {
				l.Add(errs.Invalid, "A BUDGET requirement is counted in money: give amountRequired and currency, not a quantity or unit.", f(x.field)...)
			}
		}
		amount(in.AmountRequired, &r.AmountRequired, "amountRequired")
		amount(in.AmountSecured, &r.AmountSecured, "amountSecured")
		if r.AmountRequired == nil && in.AmountRequired == nil {
			l.Add(errs.Invalid, "A BUDGET requirement needs the amount required.", f("amountRequired")...)
		}
		if in.Currency != nil {
			c := strings.ToUpper(strings.TrimSpace(*in.Currency))
			if !money.ValidCurrency(c) {
				l.Add(errs.Invalid, "The currency must be an ISO 4217 code such as XOF or EUR.", f("currency")...)
			} else {
				r.Currency = &c
			}
		} else if r.Currency == nil {
			l.Add(errs.Invalid, "A BUDGET requirement needs a currency (ISO 4217, such as XOF or EUR).", f("currency")...)
		}
		r.FundingStatus = FundingStatusAmount(r.AmountRequired, r.AmountSecured)
	} else {
		for _, x := range []struct {
			set   bool
			field string
		}{{in.AmountRequired != nil, "amountRequired"}, {in.AmountSecured != nil, "amountSecured"}, {in.Currency != nil && strings.TrimSpace(*in.Currency) != "", "currency"}} {
			if x.set {
				l.Addf(errs.Invalid, f(x.field), "A %s requirement is counted in quantities: give quantityRequired (and a unit), not an amount or currency.", r.Kind)
			}
		}
		quantity(in.QuantityRequired, &r.QuantityRequired, "quantityRequired")
		quantity(in.QuantitySecured, &r.QuantitySecured, "quantitySecured")
		if r.QuantityRequired == nil && in.QuantityRequired == nil {
			l.Addf(errs.Invalid, f("quantityRequired"), "A %s requirement needs the quantity required.", r.Kind)
		}
		if in.Unit != nil {
			r.Unit = errs.BlankNil(in.Unit)
		}
		r.FundingStatus = FundingStatusQuantity(r.QuantityRequired, r.QuantitySecured)
	}
	if in.ProviderID != nil {
		if err := checkPartners(ctx, tx, l, []int64{*in.ProviderID}, true, f("providerId")...); err != nil {
			return err
		}
		r.ProviderID = in.ProviderID
	}
	return nil
}

// AddResource adds a resource requirement to an action of a DRAFT or
// ADOPTED plan.
func (s *Service) AddResource(ctx context.Context, in ResourceInput) (*store.ResourceRequirement, error) {
	if err := signedIn(ctx); err != nil {
		return nil, err
	}
	var r *store.ResourceRequirement
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var a store.Action
		if err := tx.NewSelect().Model(&a).Where("id = ?", in.ActionID).Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "action", f("actionId")...)
		}
		p, err := s.planFor(ctx, tx, a.PlanID, authz.EditPlan, "SHARE", f("actionId")...)
		if err != nil {
			return err
		}
		if err := structureState(p, f("actionId")...); err != nil {
			return err
		}
		now := s.Now().UTC()
		r = &store.ResourceRequirement{ActionID: a.ID, PlanID: a.PlanID, InstitutionID: a.InstitutionID, Version: 1, CreatedAt: now, UpdatedAt: now}
		if in.Kind == nil || !ResourceKinds[*in.Kind] {
			return errs.New(errs.Invalid, "Unknown resource kind.", f("kind")...)
		}
		r.Kind = *in.Kind
		var l errs.List
		if err := s.applyResource(ctx, tx, &l, &in, r, true); err != nil {
			return err
		}
		if err := l.Err(); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(r).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "addResourceRequirement", SubjectID: gid.Encode(gid.ResourceRequirement, r.ID),
			InstitutionID: &r.InstitutionID, PlanID: &r.PlanID, Changes: audit.Change(nil, r)})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// UpdateResource changes a resource requirement if the stored version is
// expectedVersion. Its kind never changes.
func (s *Service) UpdateResource(ctx context.Context, id int64, expectedVersion int, in ResourceInput) (*store.ResourceRequirement, error) {
	if err := signedIn(ctx); err != nil {
		return nil, err
	}
	var r store.ResourceRequirement
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "resource requirement", f("id")...)
		}
		p, err := s.planFor(ctx, tx, r.PlanID, authz.EditPlan, "SHARE", f("id")...)
		if err != nil {
			return err
		}
		if err := structureState(p, f("id")...); err != nil {
			return err
		}
		if r.Version != expectedVersion {
			return errs.Stale(r.Version)
		}
		before := r
		var l errs.List
		if err := s.applyResource(ctx, tx, &l, &in, &r, false); err != nil {
			return err
		}
		if err := l.Err(); err != nil {
			return err
		}
		r.UpdatedAt = s.Now().UTC()
		if err := store.UpdateVersioned(ctx, tx, &r, r.ID, expectedVersion, &r.Version, "description", "quantity_required", "quantity_secured",
			"unit", "amount_required", "amount_secured", "currency", "provider_id", "funding_status", "updated_at"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, r.UpdatedAt, audit.Event{Operation: "updateResourceRequirement", SubjectID: gid.Encode(gid.ResourceRequirement, r.ID),
			InstitutionID: &r.InstitutionID, PlanID: &r.PlanID, Changes: audit.Change(&before, &r)})
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}
