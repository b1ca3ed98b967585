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
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/money"
	"github.com/gendertrack/gendertrack/internal/patch"
	"github.com/gendertrack/gendertrack/internal/store"
)

// ResourceInput holds the fields of a new or changed resource requirement.
// On update an absent field is left as it is and a null one cleared, but
// for those its kind requires (description; amount required and currency
// of a BUDGET, quantity required of the others). Amounts are decimal
// strings.
type ResourceInput struct {
	ActionID         int64
	Kind             *string
	Description      patch.Field[string]
	QuantityRequired patch.Field[float64]
	QuantitySecured  patch.Field[float64]
	Unit             patch.Field[string]
	AmountRequired   patch.Field[string]
	AmountSecured    patch.Field[string]
	Currency         patch.Field[string]
	ProviderID       patch.Field[int64]
}

// apply validates in against r (the stored requirement, or a new one with
// its kind set) and writes the accepted values into r. A BUDGET
// requirement has an amount required and a currency and no quantity; every
// other kind has a quantity required and no amount or currency. A null
// on a field that the kind leaves empty is accepted: it is empty already.
func (s *Service) applyResource(ctx context.Context, tx bun.IDB, l *errs.List, in *ResourceInput, r *store.ResourceRequirement, create bool) error {
	l.Text(in.Description.Value(), maxDescription, create, f("description")...)
	l.NotNull(in.Description.IsNull() && !create, f("description")...)
	l.Text(in.Unit.Value(), maxShort, false, f("unit")...)
	if v := in.Description.Value(); v != nil {
		r.Description = *v
	}
	amount := func(v patch.Field[string], dst **money.Decimal, field string) {
		if !v.Present() {
			return
		}
		if v.IsNull() {
			*dst = nil
			return
		}
		d, err := money.ParseAmount(*v.Value())
		if err != nil {
			l.AddErr(errs.Invalid, err, f(field)...)
			return
		}
		*dst = &d
	}
	quantity := func(v patch.Field[float64], dst **float64, field string) {
		if !v.Present() {
			return
		}
		if v.IsNull() {
			*dst = nil
			return
		}
		q := *v.Value()
		if math.IsNaN(q) || math.IsInf(q, 0) || q < 0 {
			l.Add(errs.Invalid, "error.plan.quantity", f(field)...)
			return
		}
		*dst = &q
	}
	blank := func(v patch.Field[string]) bool { return v.Value() == nil || strings.TrimSpace(*v.Value()) == "" }
	if r.Kind == "BUDGET" {
		for _, x := range []struct {
			set   bool
			field string
		}{{in.QuantityRequired.Value() != nil, "quantityRequired"}, {in.QuantitySecured.Value() != nil, "quantitySecured"}, {!blank(in.Unit), "unit"}} {
			if x.set {
				l.Add(errs.Invalid, "error.plan.budgetIsMoney", f(x.field)...)
			}
		}
		if in.AmountRequired.IsNull() || (r.AmountRequired == nil && !in.AmountRequired.Present()) {
			l.Add(errs.Invalid, "error.plan.budgetAmount", f("amountRequired")...)
		} else {
			amount(in.AmountRequired, &r.AmountRequired, "amountRequired")
		}
		amount(in.AmountSecured, &r.AmountSecured, "amountSecured")
		if v := in.Currency.Value(); v != nil {
			c := strings.ToUpper(strings.TrimSpace(*v))
			if !money.ValidCurrency(c) {
				l.Add(errs.Invalid, "error.plan.currency", f("currency")...)
			} else {
				r.Currency = &c
			}
		} else if in.Currency.IsNull() || r.Currency == nil {
			l.Add(errs.Invalid, "error.plan.budgetCurrency", f("currency")...)
		}
		r.FundingStatus = FundingStatusAmount(r.AmountRequired, r.AmountSecured)
	} else {
		for _, x := range []struct {
			set   bool
			field string
		}{{in.AmountRequired.Value() != nil, "amountRequired"}, {in.AmountSecured.Value() != nil, "amountSecured"}, {!blank(in.Currency), "currency"}} {
			if x.set {
				l.Addf(errs.Invalid, f(x.field), "error.plan.quantityIsCounted", i18n.Data{"Kind": r.Kind})
			}
		}
		if in.QuantityRequired.IsNull() || (r.QuantityRequired == nil && !in.QuantityRequired.Present()) {
			l.Addf(errs.Invalid, f("quantityRequired"), "error.plan.quantityRequired", i18n.Data{"Kind": r.Kind})
		} else {
			quantity(in.QuantityRequired, &r.QuantityRequired, "quantityRequired")
		}
		quantity(in.QuantitySecured, &r.QuantitySecured, "quantitySecured")
		if in.Unit.Present() {
			r.Unit = errs.BlankNil(in.Unit.Value())
		}
		r.FundingStatus = FundingStatusQuantity(r.QuantityRequired, r.QuantitySecured)
	}
	if v := in.ProviderID.Value(); v != nil {
		if err := checkPartners(ctx, tx, l, []int64{*v}, true, f("providerId")...); err != nil {
			return err
		}
	}
	in.ProviderID.Apply(&r.ProviderID)
	return nil
}

// AddResource adds a resource requirement to an action of a DRAFT or
// ADOPTED plan.
func (s *Service) AddResource(ctx context.Context, in ResourceInput) (*store.ResourceRequirement, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, err
	}
	var r *store.ResourceRequirement
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var a store.Action
		if err := tx.NewSelect().Model(&a).Where("id = ?", in.ActionID).Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "error.noSuch.action", f("actionId")...)
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
			return errs.New(errs.Invalid, "error.plan.unknownResourceKind", f("kind")...)
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
			InstitutionID: &r.InstitutionID, Changes: audit.Change(nil, r)})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// UpdateResource changes a resource requirement if the stored version is
// expectedVersion. Its kind never changes.
func (s *Service) UpdateResource(ctx context.Context, id int64, expectedVersion int, in ResourceInput) (*store.ResourceRequirement, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, err
	}
	var r store.ResourceRequirement
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "error.noSuch.resourceRequirement", f("id")...)
		}
		if _, err := s.childForChange(ctx, tx, r.PlanID, r.Version, expectedVersion); err != nil {
			return err
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
			InstitutionID: &r.InstitutionID, Changes: audit.Change(&before, &r)})
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}
