package store

import (
	"time"

	"github.com/gendertrack/gendertrack/internal/money"
	"github.com/uptrace/bun"
)

// ActionPlan is an institution's gender action plan.
type ActionPlan struct {
	bun.BaseModel `bun:"table:action_plans"`

	ID                 int64      `bun:"id,pk,autoincrement"`
	InstitutionID      int64      `bun:"institution_id,notnull"`
	SourceAssessmentID *int64     `bun:"source_assessment_id"`
	Title              string     `bun:"title,notnull"`
	StartDate          string     `bun:"start_date,notnull"`
	EndDate            string     `bun:"end_date,notnull"`
	Status             string     `bun:"status,notnull"`
	AdoptedAt          *time.Time `bun:"adopted_at"`
	AdoptedBy          *int64     `bun:"adopted_by"`
	ClosedAt           *time.Time `bun:"closed_at"`
	Version            int        `bun:"version,notnull"`
	CreatedAt          time.Time  `bun:"created_at,notnull"`
	UpdatedAt          time.Time  `bun:"updated_at,notnull"`
}

// Objective is a result a plan aims at, often answering findings.
type Objective struct {
	bun.BaseModel `bun:"table:objectives"`

	ID            int64     `bun:"id,pk,autoincrement"`
	PlanID        int64     `bun:"plan_id,notnull"`
	InstitutionID int64     `bun:"institution_id,notnull"`
	Title         string    `bun:"title,notnull"`
	Description   *string   `bun:"description"`
	Version       int       `bun:"version,notnull"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
}

// Action is one piece of work of a plan, with its lead unit.
type Action struct {
	bun.BaseModel `bun:"table:actions"`

	ID              int64      `bun:"id,pk,autoincrement"`
	PlanID          int64      `bun:"plan_id,notnull"`
	InstitutionID   int64      `bun:"institution_id,notnull"`
	ObjectiveID     *int64     `bun:"objective_id"`
	Title           string     `bun:"title,notnull"`
	Description     *string    `bun:"description"`
	Kind            string     `bun:"kind,notnull"`
	LeadUnitID      *int64     `bun:"lead_unit_id"`
	Accountable     *string    `bun:"accountable"`
	StartDate       *string    `bun:"start_date"`
	DueDate         *string    `bun:"due_date"`
	Status          string     `bun:"status,notnull"`
	ProgressPercent int        `bun:"progress_percent,notnull"`
	LastProgressAt  *time.Time `bun:"last_progress_at"`
	// UpdateCount is the number of its progress updates (the history's
	// totalCount), kept by recordProgress.
	UpdateCount int       `bun:"update_count,notnull" audit:"-"`
	Version     int       `bun:"version,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
	// Rel reads its relations for the API (Relations); not stored.
	Rel Relations `bun:"-" audit:"-" json:"-"`
}

// ResourceRequirement is what an action needs: money (BUDGET) or a
// quantity of something else, and how much of it is secured.
type ResourceRequirement struct {
	bun.BaseModel `bun:"table:resource_requirements"`

	ID               int64          `bun:"id,pk,autoincrement"`
	ActionID         int64          `bun:"action_id,notnull"`
	PlanID           int64          `bun:"plan_id,notnull"`
	InstitutionID    int64          `bun:"institution_id,notnull"`
	Kind             string         `bun:"kind,notnull"`
	Description      string         `bun:"description,notnull"`
	QuantityRequired *float64       `bun:"quantity_required"`
	QuantitySecured  *float64       `bun:"quantity_secured"`
	Unit             *string        `bun:"unit"`
	AmountRequired   *money.Decimal `bun:"amount_required"`
	AmountSecured    *money.Decimal `bun:"amount_secured"`
	Currency         *string        `bun:"currency"`
	ProviderID       *int64         `bun:"provider_id"`
	FundingStatus    string         `bun:"funding_status,notnull"`
	Version          int            `bun:"version,notnull"`
	CreatedAt        time.Time      `bun:"created_at,notnull"`
	UpdatedAt        time.Time      `bun:"updated_at,notnull"`
}

// Indicator measures an objective or an action. LatestValue and
// LatestMeasuredOn mirror the newest measurement, kept on write.
type Indicator struct {
	bun.BaseModel `bun:"table:indicators"`

	ID                  int64    `bun:"id,pk,autoincrement"`
	PlanID              int64    `bun:"plan_id,notnull"`
	InstitutionID       int64    `bun:"institution_id,notnull"`
	ObjectiveID         *int64   `bun:"objective_id"`
	ActionID            *int64   `bun:"action_id"`
	Name                string   `bun:"name,notnull"`
	Level               string   `bun:"level,notnull"`
	Unit                *string  `bun:"unit"`
	Baseline            *float64 `bun:"baseline"`
	Target              float64  `bun:"target,notnull"`
	BaselineDate        *string  `bun:"baseline_date"`
	TargetDate          *string  `bun:"target_date"`
	MeansOfVerification *string  `bun:"means_of_verification"`
	CountsPeople        bool     `bun:"counts_people,notnull"`
	Aggregation         string   `bun:"aggregation,notnull"`
	LatestValue         *float64 `bun:"latest_value"`
	LatestMeasuredOn    *string  `bun:"latest_measured_on"`
	// LatestBreakdown is the newest measurement's breakdown (nil when it
	// has none), mirrored as LatestValue is.
	LatestBreakdown []BreakdownValue `bun:"latest_breakdown,type:text,nullzero" audit:"-"`
	Version         int              `bun:"version,notnull"`
	CreatedAt       time.Time        `bun:"created_at,notnull"`
	UpdatedAt       time.Time        `bun:"updated_at,notnull"`
	// Rel reads its relations for the API (Relations); not stored.
	Rel Relations `bun:"-" audit:"-" json:"-"`
}

// Measurement is one value of an indicator.
type Measurement struct {
	bun.BaseModel `bun:"table:measurements"`

	ID          int64     `bun:"id,pk,autoincrement"`
	IndicatorID int64     `bun:"indicator_id,notnull"`
	Value       float64   `bun:"value,notnull"`
	MeasuredOn  string    `bun:"measured_on,notnull"`
	Source      *string   `bun:"source"`
	Note        *string   `bun:"note"`
	RecordedBy  *int64    `bun:"recorded_by"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	// Breakdown is nil when the measurement was recorded without one.
	Breakdown []BreakdownValue `bun:"breakdown,type:text,nullzero"`
}

// BreakdownValue is one combination of categories, one per dimension of
// the indicator in the indicator's order, and its value. Stored as JSON;
// encoding/json writes a float64 as the shortest decimal that reads back
// as the same float64, so values round-trip exactly.
type BreakdownValue struct {
	Categories []CategoryRef `json:"categories"`
	Value      float64       `json:"value"`
}

// CategoryRef names one category of one dimension by their keys.
type CategoryRef struct {
	Dimension string `json:"dimension"`
	Category  string `json:"category"`
}

// IndicatorDimension is one dimension of an indicator's disaggregation.
// Key, Label and Categories are stored for CUSTOM dimensions; the fixed
// kinds (SEX, AGE_GROUP, GBV_TYPE) store their key only and take their
// categories and labels from internal/plan.
type IndicatorDimension struct {
	bun.BaseModel `bun:"table:indicator_dimensions"`

	ID          int64            `bun:"id,pk,autoincrement"`
	IndicatorID int64            `bun:"indicator_id,notnull"`
	Ordinal     int              `bun:"ordinal,notnull"`
	Kind        string           `bun:"kind,notnull"`
	Key         string           `bun:"dim_key,notnull"`
	Label       *string          `bun:"label"`
	Categories  []CustomCategory `bun:"categories,type:text,nullzero"`
}

// CustomCategory is a category of a CUSTOM dimension.
type CustomCategory struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// CategoryTarget is a target for one category of one dimension of an
// indicator.
type CategoryTarget struct {
	bun.BaseModel `bun:"table:indicator_category_targets"`

	ID          int64    `bun:"id,pk,autoincrement"`
	IndicatorID int64    `bun:"indicator_id,notnull"`
	Ordinal     int      `bun:"ordinal,notnull"`
	Dimension   string   `bun:"dimension,notnull"`
	Category    string   `bun:"category,notnull"`
	Baseline    *float64 `bun:"baseline"`
	Target      float64  `bun:"target,notnull"`
}

// ProgressUpdate is one entry of an action's progress log.
type ProgressUpdate struct {
	bun.BaseModel `bun:"table:progress_updates"`

	ID              int64     `bun:"id,pk,autoincrement"`
	ActionID        int64     `bun:"action_id,notnull"`
	AuthorID        *int64    `bun:"author_id"`
	CreatedAt       time.Time `bun:"created_at,notnull"`
	Status          string    `bun:"status,notnull"`
	ProgressPercent int       `bun:"progress_percent,notnull"`
	Note            *string   `bun:"note"`
	Evidence        []string  `bun:"evidence,type:text"`
}

// Dissemination records that a plan was communicated to a unit.
type Dissemination struct {
	bun.BaseModel `bun:"table:disseminations"`

	ID         int64     `bun:"id,pk,autoincrement"`
	PlanID     int64     `bun:"plan_id,notnull"`
	UnitID     int64     `bun:"unit_id,notnull"`
	Date       string    `bun:"date,notnull"`
	Method     string    `bun:"method,notnull"`
	Note       *string   `bun:"note"`
	RecordedBy *int64    `bun:"recorded_by"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}
