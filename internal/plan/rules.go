package plan

import (
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/money"
	"github.com/gendertrack/gendertrack/internal/store"
)

// ---------------------------------------------------------------- enums

// ActionStatus names (GraphQL enum ActionStatus).
const (
	ActionStatusNotStarted = "NOT_STARTED"
	ActionStatusInProgress = "IN_PROGRESS"
	ActionStatusCompleted  = "COMPLETED"
	ActionStatusBlocked    = "BLOCKED"
	ActionStatusCancelled  = "CANCELLED"
)

// ActionStatusOrder returns every ActionStatus in enum order, as
// PlanProgress.actionsByStatus lists them. The slice is a fresh copy.
func ActionStatusOrder() []string {
	return []string{
		ActionStatusNotStarted,
		ActionStatusInProgress,
		ActionStatusCompleted,
		ActionStatusBlocked,
		ActionStatusCancelled,
	}
}

// ValidActionStatus reports whether s is an ActionStatus name.
func ValidActionStatus(s string) bool {
	for _, v := range ActionStatusOrder() {
		if s == v {
			return true
		}
	}
	return false
}

// Health names (GraphQL enum Health).
const (
	HealthGrey  = "GREY"
	HealthGreen = "GREEN"
	HealthAmber = "AMBER"
	HealthRed   = "RED"
	HealthBlue  = "BLUE"
)

// IndicatorStatus names (GraphQL enum IndicatorStatus).
const (
	IndicatorStatusNotMeasured = "NOT_MEASURED"
	IndicatorStatusOffTrack    = "OFF_TRACK"
	IndicatorStatusOnTrack     = "ON_TRACK"
	IndicatorStatusAchieved    = "ACHIEVED"
)

// FundingStatus names (GraphQL enum FundingStatus).
const (
	FundingStatusUnsecured = "UNSECURED"
	FundingStatusPartial   = "PARTIAL"
	FundingStatusSecured   = "SECURED"
)

// Plan states (GraphQL ActionPlan status; RULES.md 5).
const (
	PlanStateDraft   = "DRAFT"
	PlanStateAdopted = "ADOPTED"
	PlanStateClosed  = "CLOSED"
)

// PlanAllowsStructureChanges reports whether objectives, actions, resources
// and indicators of a plan in this state may be created or changed
// (RULES.md 5: DRAFT and ADOPTED; nothing changes in CLOSED).
func PlanAllowsStructureChanges(state string) bool {
	return state == PlanStateDraft || state == PlanStateAdopted
}

// PlanAllowsRecording reports whether recordProgress, recordMeasurement and
// recordDissemination are allowed for a plan in this state (RULES.md 5:
// ADOPTED only).
func PlanAllowsRecording(state string) bool {
	return state == PlanStateAdopted
}

// ValidateProgress checks a recordProgress input (RULES.md 5): a known
// ActionStatus, progressPercent within 0..100, and 100 for COMPLETED.
// The error is an English sentence suitable for a userError message.
func ValidateProgress(status string, progressPercent int) error {
	if !ValidActionStatus(status) {
		return errs.Msg{ID: "error.plan.notActionStatus", Args: i18n.Data{"Status": status}}
	}
	if progressPercent < 0 || progressPercent > 100 {
		return errs.Msg{ID: "error.plan.progressRange", Args: i18n.Data{"Percent": progressPercent}}
	}
	if status == ActionStatusCompleted && progressPercent != 100 {
		return errs.Msg{ID: "error.plan.completedProgress", Args: i18n.Data{"Percent": progressPercent}}
	}
	return nil
}

// ---------------------------------------------------------------- dates

// dayNumber counts days since 1970-01-01 for the UTC calendar day of t.
func dayNumber(t time.Time) int64 {
	return store.DateOf(t).Unix() / 86400
}

// DaysBetween returns the number of calendar days from a to b (b minus a),
// comparing the UTC calendar days that contain them; the time of day is
// ignored. It is negative when b is before a.
func DaysBetween(a, b time.Time) int {
	return int(dayNumber(b) - dayNumber(a))
}

// ---------------------------------------------------------------- health

// Health computes Action.health (RULES.md 7); the first matching rule wins:
//
//  1. COMPLETED: BLUE
//  2. CANCELLED: GREY
//  3. BLOCKED: RED
//  4. dueDate < today: RED
//  5. NOT_STARTED with startDate <= today: AMBER
//  6. NOT_STARTED: GREY
//  7. IN_PROGRESS with both dates and
//     progressPercent < 100 * elapsed - 25: AMBER
//  8. otherwise GREEN
//
// status is an ActionStatus name and the result a Health name. All dates are
// compared as UTC calendar days (time of day is ignored).
//
// elapsed = (today - startDate) / (dueDate - startDate) in days, clamped to
// [0, 1]. When dueDate is not after startDate the ratio is undefined; then
// elapsed is 1 if today >= dueDate and 0 otherwise (for dueDate == startDate
// this means "the whole span has elapsed" from the due date on). The
// comparison is done in integers, so it is exact at the threshold:
// progressPercent == 100 * elapsed - 25 is GREEN.
func Health(status string, startDate, dueDate *time.Time, progressPercent int, today time.Time) string {
	switch status {
	case ActionStatusCompleted:
		return HealthBlue
	case ActionStatusCancelled:
		return HealthGrey
	case ActionStatusBlocked:
		return HealthRed
	}
	if dueDate != nil && DaysBetween(*dueDate, today) > 0 {
		return HealthRed
	}
	if status == ActionStatusNotStarted {
		if startDate != nil && DaysBetween(*startDate, today) >= 0 {
			return HealthAmber
		}
		return HealthGrey
	}
	if status == ActionStatusInProgress && startDate != nil && dueDate != nil {
		num, den := elapsedDays(*startDate, *dueDate, today)
		// progress < 100*num/den - 25  <=>  (progress + 25) * den < 100 * num  (den > 0)
		if (int64(progressPercent)+25)*den < 100*num {
			return HealthAmber
		}
	}
	return HealthGreen
}

// elapsedDays returns elapsed = num/den (den > 0, 0 <= num <= den) for the
// span start..end at today, in whole days, clamped to [0, 1]. A span whose
// end is not after its start gives 1/1 from end on and 0/1 before it.
func elapsedDays(start, end, today time.Time) (num, den int64) {
	den = dayNumber(end) - dayNumber(start)
	if den <= 0 {
		if dayNumber(today) >= dayNumber(end) {
			return 1, 1
		}
		return 0, 1
	}
	num = dayNumber(today) - dayNumber(start)
	return min(max(num, 0), den), den
}

// ---------------------------------------------------------------- indicators

// MeasurementPoint is one measurement of an indicator: its value and the
// calendar day it was measured on.
type MeasurementPoint struct {
	Value      float64
	MeasuredOn time.Time
}

// Latest returns the measurement with the newest MeasuredOn (compared as
// UTC calendar days); among several on that day, the one that comes last in
// ms. It returns nil when ms is empty. The result is a copy.
func Latest(ms []MeasurementPoint) *MeasurementPoint {
	best := -1
	for i := range ms {
		if best < 0 || dayNumber(ms[i].MeasuredOn) >= dayNumber(ms[best].MeasuredOn) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	p := ms[best]
	return &p
}

// IndicatorStatus computes Indicator.status (RULES.md 7):
//
//   - no measurement (latest == nil): NOT_MEASURED;
//   - with b = baseline (0 when nil), t = target and v = latest.Value:
//     ACHIEVED when v has reached t in the direction from b to t, that is
//     v >= t when t >= b (so also when t == b) and v <= t when t < b;
//   - otherwise, with start = baselineDate or planStart, end = targetDate or
//     planEnd, elapsed = (today - start) / (end - start) in days clamped to
//     [0, 1], and progress = (v - b) / (t - b): OFF_TRACK when
//     progress < elapsed - 0.25, else ON_TRACK.
//
// When end is not after start, elapsed is 1 from end on and 0 before it (as
// in Health). When t == b and v has not reached t (v < b), progress is
// minus infinity, so the indicator is OFF_TRACK.
//
// The comparison is exact: each value is taken as the shortest decimal that
// identifies its float64 (the number the client sent) and the arithmetic is
// done in rationals, so progress exactly at elapsed - 0.25 is ON_TRACK.
func IndicatorStatus(baseline *float64, target float64, baselineDate, targetDate *time.Time,
	planStart, planEnd time.Time, latest *MeasurementPoint, today time.Time) string {
	if latest == nil {
		return IndicatorStatusNotMeasured
	}
	b := 0.0
	if baseline != nil {
		b = *baseline
	}
	t, v := target, latest.Value
	if t >= b {
		if v >= t {
			return IndicatorStatusAchieved
		}
	} else if v <= t {
		return IndicatorStatusAchieved
	}
	if t == b {
		// Not reached and no distance to cover: progress is -Inf.
		return IndicatorStatusOffTrack
	}

	start, end := planStart, planEnd
	if baselineDate != nil {
		start = *baselineDate
	}
	if targetDate != nil {
		end = *targetDate
	}
	num, den := elapsedDays(start, end, today)

	br, okB := exactRat(b)
	tr, okT := exactRat(t)
	vr, okV := exactRat(v)
	if !okB || !okT || !okV {
		// Non-finite input: fall back to float arithmetic.
		progress := (v - b) / (t - b)
		if progress < float64(num)/float64(den)-0.25 {
			return IndicatorStatusOffTrack
		}
		return IndicatorStatusOnTrack
	}
	progress := new(big.Rat).Quo(new(big.Rat).Sub(vr, br), new(big.Rat).Sub(tr, br))
	threshold := new(big.Rat).Sub(big.NewRat(num, den), big.NewRat(1, 4))
	if progress.Cmp(threshold) < 0 {
		return IndicatorStatusOffTrack
	}
	return IndicatorStatusOnTrack
}

// CategoryValue is a category target's latest value (RULES.md section 7):
// the sum of the values of breakdown that have category cat of dimension
// dim. For a GIVEN indicator, which has one dimension, that is the one
// value of that category. The sum is exact: each value is taken as the
// shortest decimal that identifies its float64 and added as a rational,
// so 0.1 + 0.2 is 0.3, and the result is the float64 nearest to the exact
// sum. It is nil when breakdown is empty (a measurement without one) or no
// value has the category.
func CategoryValue(breakdown []store.BreakdownValue, dim, cat string) *float64 {
	sum, found := new(big.Rat), false
	for _, v := range breakdown {
		for _, c := range v.Categories {
			if c.Dimension == dim && c.Category == cat {
				r, ok := exactRat(v.Value)
				if !ok {
					return nil
				}
				sum.Add(sum, r)
				found = true
				break
			}
		}
	}
	if !found {
		return nil
	}
	f, _ := sum.Float64()
	return &f
}

// CategoryTargetStatus is a category target's latest value and status
// (RULES.md section 7): the latest value is CategoryValue of the newest
// measurement's breakdown (measured on measuredOn), and the status is
// IndicatorStatus with the target's baseline and target, the indicator's
// dates and that value. A newest measurement without a breakdown leaves
// the target NOT_MEASURED.
func CategoryTargetStatus(baseline *float64, target float64, dim, cat string, breakdown []store.BreakdownValue, measuredOn *time.Time,
	baselineDate, targetDate *time.Time, planStart, planEnd, today time.Time) (*float64, string) {
	v := CategoryValue(breakdown, dim, cat)
	if v == nil || measuredOn == nil {
		return nil, IndicatorStatusNotMeasured
	}
	return v, IndicatorStatus(baseline, target, baselineDate, targetDate, planStart, planEnd,
		&MeasurementPoint{Value: *v, MeasuredOn: *measuredOn}, today)
}

// exactRat returns the shortest decimal representation of f as a rational.
func exactRat(f float64) (*big.Rat, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	return new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
}

// ---------------------------------------------------------------- funding

// FundingStatusQuantity is ResourceRequirement.status for a requirement
// counted in quantities (every kind but BUDGET; RULES.md 7): secured (nil
// counts as 0) of 0 UNSECURED, below required PARTIAL, else SECURED. A nil
// required counts as 0. A secured quantity at or below zero is UNSECURED.
// FundingStatusAmount is ResourceRequirement.status for a BUDGET requirement
// (RULES.md 7): secured (nil counts as 0) of 0 UNSECURED, below required
// PARTIAL, else SECURED. A nil required counts as 0. A secured amount at or
// below zero is UNSECURED.
func FundingStatusAmount(required, secured *money.Decimal) string {
	var req, sec money.Decimal
	if required != nil {
		req = *required
	}
	if secured != nil {
		sec = *secured
	}
	switch {
	case sec.Sign() <= 0:
		return FundingStatusUnsecured
	case sec.Cmp(req) < 0:
		return FundingStatusPartial
	default:
		return FundingStatusSecured
	}
}

func FundingStatusQuantity(required, secured *float64) string {
	var req, sec float64
	if required != nil {
		req = *required
	}
	if secured != nil {
		sec = *secured
	}
	switch {
	case sec <= 0:
		return FundingStatusUnsecured
	case sec < req:
		return FundingStatusPartial
	default:
		return FundingStatusSecured
	}
}
