package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gendertrack/gendertrack/graph/generated"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
)

// A query reads of the actions, resource requirements, units and
// indicators below a plan only the columns its fields show (store.Narrow).
// Every column is a value PostgreSQL formats and sends and the server
// scans: on a dashboard's 50 actions with their 150 requirements the
// columns nobody asked for were most of the cost of both statements.
//
// columnsOf says, per GraphQL object type, which columns each field needs
// beyond those every read of the type needs (ids, keys the loaders group
// by, the institution the guard checks). A field that is not listed may
// need any column: an operation that selects it anywhere reads them all,
// so a field added to the schema is right before it is fast. The columns
// of one type are the union over the whole operation (every place the type
// is selected, fragments included), so an object read in one place and
// shown in another (primed in a loader) has what both show.
type columnsOf struct {
	always []string
	fields map[string][]string
}

var narrowable = map[string]columnsOf{
	"Action": {
		always: []string{"id", "plan_id", "institution_id", "objective_id", "lead_unit_id"},
		fields: map[string][]string{
			"id": nil, "plan": nil, "objective": nil, "leadUnit": nil, "supportingUnits": nil,
			"partners": nil, "findings": nil, "resources": nil, "indicators": nil, "gapFlags": nil,
			"title": {"title"}, "description": {"description"}, "kind": {"kind"},
			"accountable": {"accountable"}, "startDate": {"start_date"}, "dueDate": {"due_date"},
			"status": {"status"}, "progressPercent": {"progress_percent"}, "health": plan.HealthColumns,
			"updates": {"update_count"}, "updatedAt": {"updated_at"}, "version": {"version"},
		},
	},
	"ResourceRequirement": {
		always: []string{"id", "action_id", "institution_id", "provider_id"},
		fields: map[string][]string{
			"id": nil, "action": nil, "provider": nil,
			"kind": {"kind"}, "description": {"description"},
			"quantityRequired": {"quantity_required"}, "quantitySecured": {"quantity_secured"}, "unit": {"unit"},
			"amountRequired": {"amount_required"}, "amountSecured": {"amount_secured"}, "currency": {"currency"},
			"status": {"funding_status"}, "version": {"version"},
		},
	},
	"Unit": {
		always: []string{"id", "institution_id", "parent_id"},
		fields: map[string][]string{
			"id": nil, "institution": nil, "parent": nil, "children": nil,
			"name": {"name"}, "kind": {"kind"}, "region": {"region"},
			"genderFocalPoint": {"gender_focal_point"}, "focalPointDedicated": {"focal_point_dedicated"},
			"version": {"version"},
		},
	},
	"Indicator": {
		// latest_measured_on: an indicator never measured has no latest
		// to read (Indicator.Latest).
		always: []string{"id", "plan_id", "institution_id", "objective_id", "action_id", "latest_measured_on"},
		fields: map[string][]string{
			"id": nil, "objective": nil, "action": nil, "measurements": nil,
			// The latest measurement, when only what the indicator's row
			// keeps of it is asked, is read from the row (latestInRow).
			"latest": {"latest_value", "latest_breakdown"},
			"name":   {"name"}, "level": {"level"}, "unit": {"unit"}, "baseline": {"baseline"},
			"target": {"target"}, "baselineDate": {"baseline_date"}, "targetDate": {"target_date"},
			"meansOfVerification": {"means_of_verification"}, "countsPeople": {"counts_people"},
			"aggregation": {"aggregation"}, "status": plan.StatusColumns, "version": {"version"},
		},
	},
}

// columns is the column list the operation of ctx needs of typ, nil for
// every column (a mutation, a field not in columnsOf, a field selected on
// an interface other than id).
func (l *PlanLoaders) columns(ctx context.Context, typ string) []string {
	l.colsOnce.Do(func() {
		if l.narrow && graphql.HasOperationContext(ctx) {
			l.cols, l.latestRow = operationColumns(graphql.GetOperationContext(ctx).Operation)
		}
	})
	return l.cols[typ]
}

// latestInRow reports whether the operation of ctx asks of every
// indicator's latest measurement only what the indicator's row keeps of it
// (latest_value, latest_measured_on, latest_breakdown, kept by
// plan.RecordMeasurement as measurements are recorded, which are never
// changed or removed): then Indicator.latest is built from the row and
// the statement that finds each indicator's latest measurement is not run.
// False when reads are not narrowed.
func (l *PlanLoaders) latestInRow(ctx context.Context) bool {
	l.columns(ctx, "Indicator")
	return l.latestRow
}

// inRow are the fields of a Measurement that an indicator's row holds of
// its latest one.
var inRow = map[string]bool{"__typename": true, "value": true, "measuredOn": true, "breakdown": true, "indicator": true}

// onlyInRow reports whether sel, the selection on an indicator's latest
// measurement, asks only fields of inRow (of Measurement itself: an id
// asked through the Node interface is not in the row).
func onlyInRow(sel ast.SelectionSet) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.ObjectDefinition == nil || s.ObjectDefinition.Name != "Measurement" || !inRow[s.Name] {
				return false
			}
		case *ast.InlineFragment:
			if !onlyInRow(s.SelectionSet) {
				return false
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || !onlyInRow(s.Definition.SelectionSet) {
				return false
			}
		}
	}
	return true
}

// operationColumns computes columns for every narrowable type of op, and
// whether every Indicator.latest it selects asks only what the indicator's
// row holds.
func operationColumns(op *ast.OperationDefinition) (map[string][]string, bool) {
	if op == nil || op.Operation != ast.Query {
		return nil, false
	}
	shown := map[string]map[string]bool{}
	latestInRow := true
	abstract := !generated.EachField(op.SelectionSet, func(f *ast.Field) bool {
		d := f.ObjectDefinition
		switch {
		case d == nil:
		case d.Kind == ast.Object:
			if shown[d.Name] == nil {
				shown[d.Name] = map[string]bool{}
			}
			shown[d.Name][f.Name] = true
			if d.Name == "Indicator" && f.Name == "latest" && !onlyInRow(f.SelectionSet) {
				latestInRow = false
			}
		case f.Name != "id" && f.Name != "__typename":
			return false // a field of an interface: any type's columns
		}
		return true
	})
	if abstract {
		return nil, false
	}
	out := map[string][]string{}
next:
	for typ, c := range narrowable {
		cols := slices.Clone(c.always)
		for f := range shown[typ] {
			need, ok := c.fields[f]
			if !ok && f != "__typename" {
				continue next // may need any column
			}
			for _, col := range need {
				if !slices.Contains(cols, col) {
					cols = append(cols, col)
				}
			}
		}
		// In one order whatever the map's: the reads' texts are then the
		// same from one request to the next, and PostgreSQL keeps their
		// plans (store.Args).
		slices.Sort(cols)
		out[typ] = cols
	}
	return out, latestInRow
}

// narrowed is fetch reading rows of T with only the columns the operation
// shows of the GraphQL type typ.
func narrowed[T, V any](l *PlanLoaders, typ string, fetch func(context.Context, []int64) (V, error)) func(context.Context, []int64) (V, error) {
	return func(ctx context.Context, ids []int64) (V, error) {
		return fetch(store.Narrow[T](ctx, l.columns(ctx, typ)), ids)
	}
}
