package plan

import (
	"context"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/store"
)

// IndicatorInput holds the fields of a new indicator, attached to exactly
// one of an objective or an action.
type IndicatorInput struct {
	ObjectiveID         *int64
	ActionID            *int64
	Name                *string
	Level               *string
	Unit                *string
	Baseline            *float64
	Target              *float64
	BaselineDate        *string
	TargetDate          *string
	MeansOfVerification *string
	// CountsPeople: false when nil. Aggregation: SUM when nil.
	CountsPeople    *bool
	Aggregation     *string
	Disaggregation  []DimensionInput
	CategoryTargets []CategoryTargetInput
}

// CreateIndicator adds an indicator to an objective or an action of a
// DRAFT or ADOPTED plan.
func (s *Service) CreateIndicator(ctx context.Context, in IndicatorInput) (*store.Indicator, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, err
	}
	if (in.ObjectiveID == nil) == (in.ActionID == nil) {
		field := f("objectiveId")
		if in.ActionID != nil {
			field = f("actionId")
		}
		return nil, errs.New(errs.Invalid, "error.plan.indicatorAttach", field...)
	}
	var (
		ind     *store.Indicator
		targets []store.CategoryTarget
	)
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// The owner: an objective or an action, of the plan it names.
		var owner struct {
			PlanID int64 `bun:"plan_id"`
		}
		table, noSuch, field, id := "objectives", "error.noSuch.objective", f("objectiveId"), in.ObjectiveID
		if in.ActionID != nil {
			table, noSuch, field, id = "actions", "error.noSuch.action", f("actionId"), in.ActionID
		}
		if err := tx.NewSelect().Table(table).Column("plan_id").Where("id = ?", *id).Scan(ctx, &owner); err != nil {
			return errs.NotFoundIf(err, noSuch, field...)
		}
		p, err := s.planFor(ctx, tx, owner.PlanID, authz.EditPlan, "SHARE", field...)
		if err != nil {
			return err
		}
		if err := structureState(p, field...); err != nil {
			return err
		}
		var l errs.List
		l.Text(in.Name, maxTitle, true, f("name")...)
		if in.Level == nil || !ResultLevels[*in.Level] {
			l.Add(errs.Invalid, "error.plan.unknownResultLevel", f("level")...)
		}
		l.Text(in.Unit, maxShort, false, f("unit")...)
		l.Text(in.MeansOfVerification, maxDescription, false, f("meansOfVerification")...)
		checkFinite := func(v *float64, field string) {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
				l.Add(errs.Invalid, "error.plan.finiteValue", f(field)...)
			}
		}
		checkFinite(in.Baseline, "baseline")
		if in.Target == nil {
			l.Add(errs.Invalid, "error.required", f("target")...)
		}
		checkFinite(in.Target, "target")
		bd := date(&l, in.BaselineDate, false, f("baselineDate")...)
		td := date(&l, in.TargetDate, false, f("targetDate")...)
		if bd != nil && td != nil && td.Before(*bd) {
			l.Add(errs.Invalid, "error.plan.targetBeforeBaseline", f("targetDate")...)
		}
		aggregation := AggregationSum
		if in.Aggregation != nil {
			aggregation = *in.Aggregation
			if !Aggregations[aggregation] {
				l.Add(errs.Invalid, "error.plan.unknownAggregation", f("aggregation")...)
			}
		}
		n := len(l.UserErrors)
		dims := validateDimensions(&l, in.Disaggregation, f("disaggregation"))
		if len(l.UserErrors) == n {
			checkAggregation(&l, aggregation, dims, f("aggregation"))
			targets = validateTargets(&l, in.CategoryTargets, dims, f("categoryTargets"))
		}
		if err := l.Err(); err != nil {
			return err
		}
		now := s.Now().UTC()
		ind = &store.Indicator{PlanID: p.ID, InstitutionID: p.InstitutionID, ObjectiveID: in.ObjectiveID, ActionID: in.ActionID,
			Name: *in.Name, Level: *in.Level, Unit: errs.BlankNil(in.Unit), Baseline: in.Baseline, Target: *in.Target,
			BaselineDate: in.BaselineDate, TargetDate: in.TargetDate, MeansOfVerification: errs.BlankNil(in.MeansOfVerification),
			CountsPeople: in.CountsPeople != nil && *in.CountsPeople, Aggregation: aggregation,
			Version: 1, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(ind).Returning("id").Exec(ctx); err != nil {
			return err
		}
		changes := audit.Change(nil, ind)
		if err := replaceDisaggregation(ctx, tx, ind.ID, changes, nil, dims, true, nil, targets, true); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "createIndicator", SubjectID: gid.Encode(gid.Indicator, ind.ID),
			InstitutionID: &ind.InstitutionID, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	return ind, nil
}

// MeasurementInput is one measured value of an indicator.
type MeasurementInput struct {
	IndicatorID int64
	Value       float64
	MeasuredOn  string
	Source      *string
	Note        *string
	// Breakdown: none when empty.
	Breakdown []BreakdownValueInput
}

// RecordMeasurement stores a measurement of an indicator of an ADOPTED plan
// and, when it is the newest, mirrors it on the indicator.
func (s *Service) RecordMeasurement(ctx context.Context, in MeasurementInput) (*store.Measurement, *store.Indicator, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, nil, err
	}
	var (
		ind store.Indicator
		m   *store.Measurement
	)
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.lock(tx.NewSelect().Model(&ind).Where("id = ?", in.IndicatorID), "UPDATE").Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "error.noSuch.indicator", f("indicatorId")...)
		}
		p, err := s.planFor(ctx, tx, ind.PlanID, authz.RecordProgress, "SHARE", f("indicatorId")...)
		if err != nil {
			return err
		}
		if err := recordingState(p, "error.plan.recordMeasurement", f("indicatorId")...); err != nil {
			return err
		}
		var l errs.List
		if math.IsNaN(in.Value) || math.IsInf(in.Value, 0) {
			l.Add(errs.Invalid, "error.plan.finiteValue", f("value")...)
		}
		date(&l, &in.MeasuredOn, true, f("measuredOn")...)
		l.Text(in.Source, maxShort, false, f("source")...)
		l.Text(in.Note, maxDescription, false, f("note")...)
		var breakdown []store.BreakdownValue
		if len(in.Breakdown) > 0 {
			rows, err := dimensionsOf(ctx, tx, ind.ID)
			if err != nil {
				return err
			}
			var sum *big.Rat
			breakdown, sum = validateBreakdown(&l, in.Breakdown, DimensionsOf(rows), f("breakdown"))
			// For SUM indicators the total is the breakdown's sum, exactly:
			// each value is read as the decimal the client sent.
			if v, ok := exactRat(in.Value); ok && sum != nil && ind.Aggregation == AggregationSum && v.Cmp(sum) != 0 {
				total, _ := sum.Float64()
				l.Addf(errs.Invalid, f("value"), "error.plan.breakdownSum", i18n.Data{"Sum": strconv.FormatFloat(total, 'g', -1, 64)})
			}
		}
		if err := l.Err(); err != nil {
			return err
		}
		now := s.Now().UTC()
		m = &store.Measurement{IndicatorID: ind.ID, Value: in.Value, MeasuredOn: in.MeasuredOn, Source: errs.BlankNil(in.Source),
			Note: errs.BlankNil(in.Note), RecordedBy: actorUser(ctx), CreatedAt: now, Breakdown: breakdown}
		if _, err := tx.NewInsert().Model(m).Returning("id").Exec(ctx); err != nil {
			return err
		}
		// The newest measuredOn is the latest; on the same day the one
		// recorded last (Latest).
		if ind.LatestMeasuredOn == nil || m.MeasuredOn >= *ind.LatestMeasuredOn {
			v, on := m.Value, m.MeasuredOn
			ind.LatestValue, ind.LatestMeasuredOn, ind.LatestBreakdown = &v, &on, m.Breakdown
		}
		ind.UpdatedAt = now
		if err := store.UpdateVersioned(ctx, tx, &ind, ind.ID, ind.Version, &ind.Version, "latest_value", "latest_measured_on", "latest_breakdown", "updated_at"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "recordMeasurement", SubjectID: gid.Encode(gid.Measurement, m.ID),
			InstitutionID: &ind.InstitutionID, Changes: audit.Change(nil, m)})
	})
	if err != nil {
		return nil, nil, err
	}
	return m, &ind, nil
}

// IndicatorStatus is the indicator's status today (RULES.md 7); p is its
// plan, whose dates stand in for missing baseline and target dates.
func (s *Service) IndicatorStatus(ind *store.Indicator, p *store.ActionPlan) string {
	return indicatorStatusAt(ind, p.StartDate, p.EndDate, s.today())
}

// StatusColumns are the columns of an indicator that its status is
// computed from, besides its plan's dates (indicatorStatusAt).
var StatusColumns = []string{"baseline", "target", "baseline_date", "target_date", "latest_value", "latest_measured_on"}

func indicatorStatusAt(ind *store.Indicator, planStart, planEnd string, today time.Time) string {
	var latest *MeasurementPoint
	if ind.LatestValue != nil && ind.LatestMeasuredOn != nil {
		on := storedDate(ind.LatestMeasuredOn)
		if on != nil {
			latest = &MeasurementPoint{Value: *ind.LatestValue, MeasuredOn: *on}
		}
	}
	ps, pe := storedDate(&planStart), storedDate(&planEnd)
	if ps == nil || pe == nil {
		ps, pe = &today, &today
	}
	return IndicatorStatus(ind.Baseline, ind.Target, storedDate(ind.BaselineDate), storedDate(ind.TargetDate), *ps, *pe, latest, today)
}
