package plan

import (
	"context"
	"reflect"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/patch"
	"github.com/gendertrack/gendertrack/internal/store"
)

// IndicatorChange is a change to an indicator (updateIndicator): an absent
// field is left as it is; null clears a nullable one (not the name, level,
// target, countsPeople or aggregation); disaggregation and categoryTargets,
// when given, replace the stored lists (null or an empty list removes
// them all).
type IndicatorChange struct {
	Name                patch.Field[string]
	Level               patch.Field[string]
	Unit                patch.Field[string]
	Baseline            patch.Field[float64]
	Target              patch.Field[float64]
	BaselineDate        patch.Field[string]
	TargetDate          patch.Field[string]
	MeansOfVerification patch.Field[string]
	CountsPeople        patch.Field[bool]
	Aggregation         patch.Field[string]
	Disaggregation      patch.Field[[]DimensionInput]
	CategoryTargets     patch.Field[[]CategoryTargetInput]
}

func listOf[T any](p patch.Field[[]T]) []T {
	if v := p.Value(); v != nil {
		return *v
	}
	return nil
}

// UpdateIndicator changes an indicator of a DRAFT or ADOPTED plan if the
// stored version is expectedVersion. Its dimensions, and its aggregation,
// can change only while it has no measurement with a breakdown: the
// breakdowns recorded name the stored categories and add up as the stored
// aggregation says.
func (s *Service) UpdateIndicator(ctx context.Context, id int64, expectedVersion int, in IndicatorChange) (*store.Indicator, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, err
	}
	var ind store.Indicator
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.lock(tx.NewSelect().Model(&ind).Where("id = ?", id), "UPDATE").Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "error.noSuch.indicator", f("id")...)
		}
		if _, err := s.childForChange(ctx, tx, ind.PlanID, ind.Version, expectedVersion); err != nil {
			return err
		}
		var l errs.List
		l.NotNull(in.Name.IsNull(), f("name")...)
		if v := in.Name.Value(); v != nil {
			l.Text(v, maxTitle, true, f("name")...)
		}
		l.NotNull(in.Level.IsNull(), f("level")...)
		if v := in.Level.Value(); v != nil && !ResultLevels[*v] {
			l.Add(errs.Invalid, "error.plan.unknownResultLevel", f("level")...)
		}
		l.Text(in.Unit.Value(), maxShort, false, f("unit")...)
		l.Text(in.MeansOfVerification.Value(), maxDescription, false, f("meansOfVerification")...)
		if v := in.Baseline.Value(); v != nil && !finite(*v) {
			l.Add(errs.Invalid, "error.plan.finiteValue", f("baseline")...)
		}
		l.NotNull(in.Target.IsNull(), f("target")...)
		if v := in.Target.Value(); v != nil && !finite(*v) {
			l.Add(errs.Invalid, "error.plan.finiteValue", f("target")...)
		}
		bd := date(&l, in.BaselineDate.Value(), false, f("baselineDate")...)
		td := date(&l, in.TargetDate.Value(), false, f("targetDate")...)
		if !in.BaselineDate.Present() {
			bd = storedDate(ind.BaselineDate)
		}
		if !in.TargetDate.Present() {
			td = storedDate(ind.TargetDate)
		}
		if bd != nil && td != nil && td.Before(*bd) {
			field := f("targetDate")
			if !in.TargetDate.Present() {
				field = f("baselineDate")
			}
			l.Add(errs.Invalid, "error.plan.targetBeforeBaseline", field...)
		}
		l.NotNull(in.CountsPeople.IsNull(), f("countsPeople")...)
		l.NotNull(in.Aggregation.IsNull(), f("aggregation")...)
		aggregation := ind.Aggregation
		if v := in.Aggregation.Value(); v != nil {
			if !Aggregations[*v] {
				l.Add(errs.Invalid, "error.plan.unknownAggregation", f("aggregation")...)
			}
			aggregation = *v
		}

		oldRows, err := dimensionsOf(ctx, tx, ind.ID)
		if err != nil {
			return err
		}
		oldTargets, err := targetsOf(ctx, tx, ind.ID)
		if err != nil {
			return err
		}
		dims := DimensionsOf(oldRows)
		dimsChanged := false
		n := len(l.UserErrors)
		if in.Disaggregation.Present() {
			dims = validateDimensions(&l, listOf(in.Disaggregation), f("disaggregation"))
			dimsChanged = !sameDimensions(oldRows, dimensionRows(ind.ID, dims))
		}
		aggregationChanged := aggregation != ind.Aggregation
		if dimsChanged || aggregationChanged {
			broken, err := tx.NewSelect().Table("measurements").Where("indicator_id = ? AND breakdown IS NOT NULL", ind.ID).Exists(ctx)
			if err != nil {
				return err
			}
			if broken && dimsChanged {
				l.Add(errs.InvalidState, "error.plan.dimensionsFrozen", f("disaggregation")...)
			}
			if broken && aggregationChanged {
				l.Add(errs.InvalidState, "error.plan.aggregationFrozen", f("aggregation")...)
			}
		}
		var targets []store.CategoryTarget
		if len(l.UserErrors) == n {
			field := f("aggregation")
			if !in.Aggregation.Present() {
				field = f("disaggregation")
			}
			checkAggregation(&l, aggregation, dims, field)
			if in.CategoryTargets.Present() {
				targets = validateTargets(&l, listOf(in.CategoryTargets), dims, f("categoryTargets"))
			} else if dimsChanged {
				checkStoredTargets(&l, oldTargets, dims, f("disaggregation"))
			}
		}
		if err := l.Err(); err != nil {
			return err
		}

		before := ind
		if v := in.Name.Value(); v != nil {
			ind.Name = *v
		}
		if v := in.Level.Value(); v != nil {
			ind.Level = *v
		}
		if in.Unit.Present() {
			ind.Unit = errs.BlankNil(in.Unit.Value())
		}
		in.Baseline.Apply(&ind.Baseline)
		if v := in.Target.Value(); v != nil {
			ind.Target = *v
		}
		in.BaselineDate.Apply(&ind.BaselineDate)
		in.TargetDate.Apply(&ind.TargetDate)
		if in.MeansOfVerification.Present() {
			ind.MeansOfVerification = errs.BlankNil(in.MeansOfVerification.Value())
		}
		if v := in.CountsPeople.Value(); v != nil {
			ind.CountsPeople = *v
		}
		ind.Aggregation = aggregation
		ind.UpdatedAt = s.Now().UTC()
		if err := store.UpdateVersioned(ctx, tx, &ind, ind.ID, expectedVersion, &ind.Version,
			"name", "level", "unit", "baseline", "target", "baseline_date", "target_date", "means_of_verification",
			"counts_people", "aggregation", "updated_at"); err != nil {
			return err
		}
		changes := audit.Change(&before, &ind)
		if err := replaceDisaggregation(ctx, tx, ind.ID, changes, oldRows, dims, dimsChanged,
			oldTargets, targets, in.CategoryTargets.Present()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, ind.UpdatedAt, audit.Event{Operation: "updateIndicator", SubjectID: gid.Encode(gid.Indicator, ind.ID),
			InstitutionID: &ind.InstitutionID, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	return &ind, nil
}

// sameDimensions reports whether two lists of rows describe the same
// dimensions (ids and indicator aside).
func sameDimensions(a, b []store.IndicatorDimension) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		x.ID, y.ID, x.IndicatorID, y.IndicatorID = 0, 0, 0, 0
		if len(x.Categories) == 0 {
			x.Categories = nil
		}
		if len(y.Categories) == 0 {
			y.Categories = nil
		}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

// auditedDimension and auditedTarget are what the audit trail shows of a
// dimension and a category target.
type auditedDimension struct {
	Kind       string   `json:"kind"`
	Key        string   `json:"key"`
	Label      string   `json:"label,omitempty"`
	Categories []string `json:"categories"`
}

type auditedTarget struct {
	Dimension string   `json:"dimension"`
	Category  string   `json:"category"`
	Baseline  *float64 `json:"baseline"`
	Target    float64  `json:"target"`
}

func auditDimensions(dims []Dimension) []auditedDimension {
	out := []auditedDimension{}
	for _, d := range dims {
		a := auditedDimension{Kind: d.Kind, Key: d.Key, Label: d.Label, Categories: []string{}}
		for _, c := range d.Categories {
			a.Categories = append(a.Categories, c.Key)
		}
		out = append(out, a)
	}
	return out
}

func auditTargets(ts []store.CategoryTarget) []auditedTarget {
	out := []auditedTarget{}
	for _, t := range ts {
		out = append(out, auditedTarget{t.Dimension, t.Category, t.Baseline, t.Target})
	}
	return out
}

// replaceDisaggregation writes an indicator's dimensions (when setDims)
// and category targets (when setTargets) in place of the stored ones, and
// records the change in changes.
func replaceDisaggregation(ctx context.Context, tx bun.Tx, indicatorID int64, changes map[string][2]any,
	oldDims []store.IndicatorDimension, dims []Dimension, setDims bool,
	oldTargets, targets []store.CategoryTarget, setTargets bool) error {
	if setDims {
		if len(oldDims) > 0 {
			if _, err := tx.NewDelete().Model((*store.IndicatorDimension)(nil)).Where("indicator_id = ?", indicatorID).Exec(ctx); err != nil {
				return err
			}
		}
		if rows := dimensionRows(indicatorID, dims); len(rows) > 0 {
			if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return err
			}
		}
		before, after := auditDimensions(DimensionsOf(oldDims)), auditDimensions(dims)
		if !reflect.DeepEqual(before, after) {
			changes["disaggregation"] = [2]any{before, after}
		}
	}
	if setTargets {
		if len(oldTargets) > 0 {
			if _, err := tx.NewDelete().Model((*store.CategoryTarget)(nil)).Where("indicator_id = ?", indicatorID).Exec(ctx); err != nil {
				return err
			}
		}
		if len(targets) > 0 {
			for i := range targets {
				targets[i].IndicatorID, targets[i].Ordinal = indicatorID, i
			}
			if _, err := tx.NewInsert().Model(&targets).Exec(ctx); err != nil {
				return err
			}
		}
		before, after := auditTargets(oldTargets), auditTargets(targets)
		if !reflect.DeepEqual(before, after) {
			changes["categoryTargets"] = [2]any{before, after}
		}
	}
	return nil
}

// dimensionsOf and targetsOf read one indicator's rows inside a
// mutation's transaction (the caller has authorized it).
func dimensionsOf(ctx context.Context, tx bun.IDB, indicatorID int64) ([]store.IndicatorDimension, error) {
	var rows []store.IndicatorDimension
	err := tx.NewSelect().Model(&rows).Where("indicator_id = ?", indicatorID).Order("ordinal").Scan(ctx)
	return rows, err
}

func targetsOf(ctx context.Context, tx bun.IDB, indicatorID int64) ([]store.CategoryTarget, error) {
	var rows []store.CategoryTarget
	err := tx.NewSelect().Model(&rows).Where("indicator_id = ?", indicatorID).Order("ordinal").Scan(ctx)
	return rows, err
}

// DimensionsByIndicator loads each indicator's dimensions, in order.
func (s *Service) DimensionsByIndicator(ctx context.Context, indicatorIDs []int64) (map[int64][]Dimension, error) {
	rows, err := childrenOf(ctx, s, "indicator_id", "indicators", indicatorIDs,
		func(d *store.IndicatorDimension) *int64 { return ptr(d.IndicatorID) }, nil, "indicator_id, ordinal")
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]Dimension, len(rows))
	for id, rs := range rows {
		out[id] = DimensionsOf(rs)
	}
	return out, nil
}

// CategoryTargetsByIndicator loads each indicator's category targets, in
// order.
func (s *Service) CategoryTargetsByIndicator(ctx context.Context, indicatorIDs []int64) (map[int64][]store.CategoryTarget, error) {
	return childrenOf(ctx, s, "indicator_id", "indicators", indicatorIDs,
		func(t *store.CategoryTarget) *int64 { return ptr(t.IndicatorID) }, nil, "indicator_id, ordinal")
}

// CategoryTargetState is a category target with its latest value and
// status (RULES.md section 7).
type CategoryTargetState struct {
	store.CategoryTarget
	Latest *float64
	Status string
}

// CategoryTargetStates computes the latest value and status, today, of
// each target of ind; p is its plan.
func (s *Service) CategoryTargetStates(ind *store.Indicator, p *store.ActionPlan, targets []store.CategoryTarget) []CategoryTargetState {
	return categoryTargetStatesAt(ind, p.StartDate, p.EndDate, targets, s.today())
}

func categoryTargetStatesAt(ind *store.Indicator, planStart, planEnd string, targets []store.CategoryTarget, today time.Time) []CategoryTargetState {
	ps, pe := storedDate(&planStart), storedDate(&planEnd)
	if ps == nil || pe == nil {
		ps, pe = &today, &today
	}
	var on *time.Time
	if ind.LatestMeasuredOn != nil {
		on = storedDate(ind.LatestMeasuredOn)
	}
	out := make([]CategoryTargetState, len(targets))
	for i, t := range targets {
		latest, status := CategoryTargetStatus(t.Baseline, t.Target, t.Dimension, t.Category, ind.LatestBreakdown, on,
			storedDate(ind.BaselineDate), storedDate(ind.TargetDate), *ps, *pe, today)
		out[i] = CategoryTargetState{CategoryTarget: t, Latest: latest, Status: status}
	}
	return out
}
