package store

import (
	"errors"
	"io"
	"strconv"

	"github.com/gendertrack/gendertrack/internal/errs"
)

// Plain methods the API binds fields to. A method without a context is
// computed inline by the GraphQL executor; a resolver would cost a
// goroutine per object, and a page of 100 actions has thousands of such
// fields.

// Date is a calendar date, YYYY-MM-DD: the API's Date scalar. Dates are
// stored as such strings.
type Date string

// UnmarshalGQL accepts a string "YYYY-MM-DD" that names a real calendar
// day of the years 0001 to 9999 (ParseDate). Anything else is the
// client's error (errs.BadInput, extensions.code BAD_USER_INPUT).
func (d *Date) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return errs.BadInput{Message: "error.date.notString"}
	}
	if len(s) > 32 { // no need to quote it back
		return errs.BadInput{Message: "error.date.form"}
	}
	if _, err := ParseDate(s); err != nil {
		return errs.BadInputOf(err)
	}
	*d = Date(s)
	return nil
}

// MarshalGQL writes the date as a JSON string.
func (d Date) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(d))) }

// optDate views an optional stored date as the API's Date.
func optDate(s *string) *Date { return (*Date)(s) }

// StartDay is the plan's start date.
func (m *ActionPlan) StartDay() Date { return Date(m.StartDate) }

// EndDay is the plan's end date.
func (m *ActionPlan) EndDay() Date { return Date(m.EndDate) }

// StartDay is the action's start date, if set.
func (m *Action) StartDay() *Date { return optDate(m.StartDate) }

// DueDay is the action's due date, if set.
func (m *Action) DueDay() *Date { return optDate(m.DueDate) }

// BaselineDay is the date of the indicator's baseline, if set.
func (m *Indicator) BaselineDay() *Date { return optDate(m.BaselineDate) }

// TargetDay is the date by which the indicator should reach its target, if set.
func (m *Indicator) TargetDay() *Date { return optDate(m.TargetDate) }

// MeasuredDay is the date of the measurement.
func (m *Measurement) MeasuredDay() Date { return Date(m.MeasuredOn) }

// Day is the date of the dissemination.
func (m *Dissemination) Day() Date { return Date(m.Date) }

// StartDay is the assessment's start date.
func (m *Assessment) StartDay() Date { return Date(m.StartDate) }

// EndDay is the assessment's end date, if set.
func (m *Assessment) EndDay() *Date { return optDate(m.EndDate) }

// EvidenceList is the update's evidence references, never null.
func (m *ProgressUpdate) EvidenceList() []string {
	if m.Evidence == nil {
		return []string{}
	}
	return m.Evidence
}

// Relations reads the relations of the actions and indicators handed to
// the GraphQL executor, so that it resolves them as plain methods (inline:
// no goroutine, no dataloader round per object and field). The graph
// layer attaches one to every such object before the executor sees it
// (graph/relations.go); it is shared by the objects of one request, and
// the first object of a list asked for a relation loads it for the whole
// list.
type Relations interface {
	ActionLeadUnit(a *Action) (*Unit, error)
	ActionResources(a *Action) ([]ResourceRequirement, error)
	ActionIndicators(a *Action) ([]Indicator, error)
	ActionHealth(a *Action) string
	ActionSupportingUnits(a *Action) ([]Unit, error)
	ActionPartners(a *Action) ([]Partner, error)
	ActionFindings(a *Action) ([]Finding, error)
	IndicatorLatest(i *Indicator) (*Measurement, error)
	IndicatorStatus(i *Indicator) (string, error)
	IndicatorMeasurements(i *Indicator) ([]Measurement, error)
	ActionUpdates(a *Action, first *int, after *string) (*ProgressUpdateConnection, error)
}

// PageInfo is the Relay page information of a connection.
type PageInfo struct {
	HasNextPage     bool    `json:"hasNextPage"`
	HasPreviousPage bool    `json:"hasPreviousPage"`
	StartCursor     *string `json:"startCursor,omitempty"`
	EndCursor       *string `json:"endCursor,omitempty"`
}

// ProgressUpdateConnection is a page of an action's progress updates,
// newest first.
type ProgressUpdateConnection struct {
	Edges      []ProgressUpdateEdge `json:"edges"`
	PageInfo   *PageInfo            `json:"pageInfo"`
	TotalCount int                  `json:"totalCount"`
}

// ProgressUpdateEdge is one progress update of a connection.
type ProgressUpdateEdge struct {
	Cursor string          `json:"cursor"`
	Node   *ProgressUpdate `json:"node"`
}

// ErrNoRelations is an internal error: an object reached the executor
// without its Relations.
var ErrNoRelations = errors.New("store: object handed to the API without its relations")

// LeadUnit is the unit responsible for the action, if any.
func (m *Action) LeadUnit() (*Unit, error) {
	if m.LeadUnitID == nil {
		return nil, nil
	}
	if m.Rel == nil {
		return nil, ErrNoRelations
	}
	return m.Rel.ActionLeadUnit(m)
}

// Resources are the action's resource requirements, in id order.
func (m *Action) Resources() ([]ResourceRequirement, error) {
	if m.Rel == nil {
		return nil, ErrNoRelations
	}
	return m.Rel.ActionResources(m)
}

// Indicators are the action's indicators, in id order.
func (m *Action) Indicators() ([]Indicator, error) {
	if m.Rel == nil {
		return nil, ErrNoRelations
	}
	return m.Rel.ActionIndicators(m)
}

// SupportingUnits are the units that support the action, in id order.
func (m *Action) SupportingUnits() ([]Unit, error) {
	if m.Rel == nil {
		return nil, ErrNoRelations
	}
	return m.Rel.ActionSupportingUnits(m)
}

// Partners are the partners of the action, in id order.
func (m *Action) Partners() ([]Partner, error) {
	if m.Rel == nil {
		return nil, ErrNoRelations
	}
	return m.Rel.ActionPartners(m)
}

// Findings are the findings the action addresses, in id order.
func (m *Action) Findings() ([]Finding, error) {
	if m.Rel == nil {
		return nil, ErrNoRelations
	}
	return m.Rel.ActionFindings(m)
}

// Updates is a page of the action's progress updates, newest first: first
// (default 20) after the cursor after.
func (m *Action) Updates(first *int, after *string) (*ProgressUpdateConnection, error) {
	if m.Rel == nil {
		return nil, ErrNoRelations
	}
	return m.Rel.ActionUpdates(m, first, after)
}

// Health is the action's health today (RULES.md §6).
func (m *Action) Health() (string, error) {
	if m.Rel == nil {
		return "", ErrNoRelations
	}
	return m.Rel.ActionHealth(m), nil
}

// Latest is the indicator's latest measurement, if it has one.
func (m *Indicator) Latest() (*Measurement, error) {
	if m.LatestMeasuredOn == nil {
		return nil, nil // never measured: nothing to read
	}
	if m.Rel == nil {
		return nil, ErrNoRelations
	}
	return m.Rel.IndicatorLatest(m)
}

// Measurements are the indicator's measurements, oldest first.
func (m *Indicator) Measurements() ([]Measurement, error) {
	if m.Rel == nil {
		return nil, ErrNoRelations
	}
	return m.Rel.IndicatorMeasurements(m)
}

// Status is the indicator's status against its target (RULES.md §7).
func (m *Indicator) Status() (string, error) {
	if m.Rel == nil {
		return "", ErrNoRelations
	}
	return m.Rel.IndicatorStatus(m)
}
