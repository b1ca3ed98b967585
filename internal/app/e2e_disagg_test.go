package app_test

import (
	"fmt"
	"testing"
)

// Disaggregation end to end (issue #15, RULES.md sections 7 and 8): an
// indicator's dimensions, breakdowns checked at their paths, exact sums,
// category targets with their own status, updateIndicator, and the gap
// rule PEOPLE_INDICATOR_NOT_DISAGGREGATED, over HTTP on both databases.

const (
	disCreate = `mutation($in:CreateIndicatorInput!){ createIndicator(input:$in){
		indicator{ id version countsPeople aggregation status
			disaggregation{ key kind label categories{ key label } }
			categoryTargets{ dimension category baseline target latest status } }
		userErrors{ code field message } } }`
	disUpdate = `mutation($in:UpdateIndicatorInput!){ updateIndicator(input:$in){
		indicator{ id version name unit baseline target countsPeople aggregation status
			disaggregation{ key kind }
			categoryTargets{ dimension category baseline target latest status } }
		userErrors{ code field message } } }`
	disMeasure = `mutation($in:RecordMeasurementInput!){ recordMeasurement(input:$in){
		measurement{ id value breakdown{ categories{ dimension category } value } }
		indicator{ id status latest{ value } categoryTargets{ dimension category latest status } }
		userErrors{ code field message } } }`
	disRead = `query($i:ID!){ node(id:$i){ ... on Indicator { version status latest{ value }
		disaggregation{ key kind label categories{ key label } }
		categoryTargets{ dimension category latest status }
		measurements{ value breakdown{ categories{ dimension category } value } } } } }`
)

// cell is one value of a breakdown over sex and age group.
func cell(sex, age string, v float64) map[string]any {
	return map[string]any{"categories": []any{
		map[string]any{"dimension": "sex", "category": sex},
		map[string]any{"dimension": "age-group", "category": age},
	}, "value": v}
}

// floatSum adds in float64 arithmetic, at run time (Go's constant
// arithmetic is exact).
func floatSum(vs ...float64) float64 {
	s := 0.0
	for _, v := range vs {
		s += v
	}
	return s
}

func TestDisaggregation(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		admin := e.admin()
		inst := e.mkInstitution(admin, "National Police")
		coord := e.planUser(admin, inst, "coordinator@example.org", "COORDINATOR")
		focal := e.planUser(admin, inst, "focal@example.org", "FOCAL_POINT")
		// Today is 2026-06-15: of 2026-01-01 .. 2026-12-31, elapsed is
		// 165/364, so OFF_TRACK below progress 0.2033.
		r := e.planMutate(coord, "createActionPlan", planCreate, map[string]any{"i": inst, "t": "Plan", "s": "2026-01-01", "e": "2026-12-31"})
		plan := r.Str("createActionPlan.plan.id")
		r = e.planMutate(coord, "createAction", planAction, map[string]any{"p": plan, "t": "Train", "k": "TRAINING"})
		act := r.Str("createAction.action.id")

		// Bad definitions, each at its path; nothing stored.
		bad := map[string]any{"actionId": act, "name": "Bad", "level": "OUTPUT", "target": 10, "aggregation": "GIVEN",
			"disaggregation": []any{
				map[string]any{"kind": "SEX", "categories": []any{map[string]any{"key": "x", "label": "X"}}},
				map[string]any{"kind": "CUSTOM", "key": "sex", "label": "Region"},
				map[string]any{"kind": "CUSTOM", "key": "region", "label": "Region", "categories": []any{
					map[string]any{"key": "north", "label": "North"}, map[string]any{"key": "north", "label": "Again"}}},
			}}
		if got := e.planErrors(coord, "createIndicator", disCreate, map[string]any{"in": bad}); got !=
			"INVALID@input.disaggregation.0.categories INVALID@input.disaggregation.1.key INVALID@input.disaggregation.1.categories INVALID@input.disaggregation.2.categories.1.key" {
			t.Fatalf("bad dimensions: %s", got)
		}
		given := map[string]any{"actionId": act, "name": "Bad", "level": "OUTPUT", "target": 10, "aggregation": "GIVEN",
			"disaggregation":  []any{map[string]any{"kind": "SEX"}, map[string]any{"kind": "AGE_GROUP"}},
			"categoryTargets": []any{map[string]any{"dimension": "sex", "category": "girls", "target": 1}}}
		if got := e.planErrors(coord, "createIndicator", disCreate, map[string]any{"in": given}); got != "INVALID@input.aggregation INVALID@input.categoryTargets.0.category" {
			t.Fatalf("GIVEN with two dimensions: %s", got)
		}

		// Officers trained: counts people, by sex and age group, with a
		// target for women and one for the under-18s.
		r = e.planMutate(coord, "createIndicator", disCreate, map[string]any{"in": map[string]any{
			"actionId": act, "name": "Officers trained", "level": "OUTPUT", "baseline": 0, "target": 100, "countsPeople": true,
			"disaggregation": []any{map[string]any{"kind": "SEX"}, map[string]any{"kind": "AGE_GROUP", "key": "age-group"}},
			"categoryTargets": []any{
				map[string]any{"dimension": "sex", "category": "women", "baseline": 0, "target": 60},
				map[string]any{"dimension": "age-group", "category": "under-18", "target": 20},
			}}})
		ind := r.Str("createIndicator.indicator.id")
		p := "createIndicator.indicator."
		if r.Str(p+"aggregation") != "SUM" || r.Get(p+"countsPeople") != true || r.Len(p+"disaggregation") != 2 ||
			r.Str(p+"disaggregation.0.key") != "sex" || r.Str(p+"disaggregation.0.label") != "Sex" ||
			r.Str(p+"disaggregation.0.categories.0.key") != "women" || r.Str(p+"disaggregation.0.categories.1.label") != "Men" ||
			r.Str(p+"disaggregation.1.categories.0.key") != "under-18" || r.Str(p+"categoryTargets.0.status") != "NOT_MEASURED" ||
			r.Get(p+"categoryTargets.0.latest") != nil {
			t.Fatalf("new indicator: %s", r.Raw)
		}
		fr := e.asmGQL(coord, "fr", disRead, map[string]any{"i": ind}).OK()
		if fr.Str("node.disaggregation.0.label") != "Sexe" || fr.Str("node.disaggregation.0.categories.0.label") != "Femmes" ||
			fr.Str("node.disaggregation.1.categories.1.label") != "18 ans et plus" {
			t.Fatalf("French labels: %s", fr.Raw)
		}
		e.planMutate(admin, "adoptActionPlan", planAdopt, map[string]any{"p": plan})

		// Breakdowns that do not fit are refused at their path.
		measure := func(value float64, on string, bd []any) map[string]any {
			in := map[string]any{"indicatorId": ind, "value": value, "measuredOn": on}
			if bd != nil {
				in["breakdown"] = bd
			}
			return map[string]any{"in": in}
		}
		good := func() []any {
			return []any{cell("women", "under-18", 2), cell("women", "18-and-over", 18), cell("men", "under-18", 1), cell("men", "18-and-over", 29)}
		}
		for _, c := range []struct {
			name string
			bd   func([]any) []any
			want string
		}{
			{"a combination missing", func(b []any) []any { return b[:3] }, "INVALID@input.breakdown"},
			{"an unknown category", func(b []any) []any { b[1] = cell("women", "over-60", 18); return b }, "INVALID@input.breakdown.1.categories.1.category"},
			{"an unknown dimension", func(b []any) []any {
				b[2] = map[string]any{"categories": []any{map[string]any{"dimension": "sex", "category": "men"}, map[string]any{"dimension": "region", "category": "north"}}, "value": 1}
				return b
			}, "INVALID@input.breakdown.2.categories.1.dimension"},
			{"a dimension missing", func(b []any) []any {
				b[0] = map[string]any{"categories": []any{map[string]any{"dimension": "sex", "category": "women"}}, "value": 2}
				return b
			}, "INVALID@input.breakdown.0.categories"},
			{"a combination twice", func(b []any) []any { return append(b, cell("men", "under-18", 0)) }, "INVALID@input.breakdown.4"},
		} {
			if got := e.planErrors(focal, "recordMeasurement", disMeasure, measure(50, "2026-05-31", c.bd(good()))); got != c.want {
				t.Errorf("%s: %s, want %s", c.name, got, c.want)
			}
		}
		if got := e.planErrors(focal, "recordMeasurement", disMeasure, measure(51, "2026-05-31", good())); got != "INVALID@input.value" {
			t.Fatalf("value not the sum: %s", got)
		}
		if r := e.gql(coord, disRead, map[string]any{"i": ind}).OK(); r.Len("node.measurements") != 0 || r.Num("node.version") != 1 {
			t.Fatalf("refused measurements stored: %s", r.Raw)
		}

		// Categories in any order; stored in the dimensions' order. Women
		// 20 of 60: progress 1/3, ON_TRACK; under-18s 3 of 20: 0.15,
		// OFF_TRACK; the total 50 of 100, ON_TRACK.
		shuffled := good()
		shuffled[0] = map[string]any{"categories": []any{map[string]any{"dimension": "age-group", "category": "under-18"}, map[string]any{"dimension": "sex", "category": "women"}}, "value": 2}
		shuffled[0], shuffled[3] = shuffled[3], shuffled[0]
		r = e.planMutate(focal, "recordMeasurement", disMeasure, measure(50, "2026-05-31", shuffled))
		m := "recordMeasurement."
		if r.Len(m+"measurement.breakdown") != 4 || r.Str(m+"measurement.breakdown.0.categories.0.category") != "women" ||
			r.Str(m+"measurement.breakdown.0.categories.1.dimension") != "age-group" || r.Num(m+"measurement.breakdown.0.value") != 2 ||
			r.Str(m+"indicator.status") != "ON_TRACK" ||
			r.Num(m+"indicator.categoryTargets.0.latest") != 20 || r.Str(m+"indicator.categoryTargets.0.status") != "ON_TRACK" ||
			r.Num(m+"indicator.categoryTargets.1.latest") != 3 || r.Str(m+"indicator.categoryTargets.1.status") != "OFF_TRACK" {
			t.Fatalf("measured: %s", r.Raw)
		}

		// updateIndicator: CONFLICT on a stale version, absent and null
		// apart, targets corrected.
		if got := e.planErrors(coord, "updateIndicator", disUpdate, map[string]any{"in": map[string]any{"id": ind, "expectedVersion": 1, "target": 90}}); got != "CONFLICT@input.expectedVersion" {
			t.Fatalf("stale update: %s", got)
		}
		if got := e.planErrors(coord, "updateIndicator", disUpdate, map[string]any{"in": map[string]any{"id": ind, "expectedVersion": 2, "name": nil, "countsPeople": nil,
			"disaggregation": []any{map[string]any{"kind": "SEX"}}}}); got != "INVALID@input.name INVALID@input.countsPeople INVALID_STATE@input.disaggregation" {
			t.Fatalf("bad update: %s", got)
		}
		r = e.planMutate(coord, "updateIndicator", disUpdate, map[string]any{"in": map[string]any{"id": ind, "expectedVersion": 2, "baseline": nil, "unit": "officers",
			"disaggregation": []any{map[string]any{"kind": "SEX"}, map[string]any{"kind": "AGE_GROUP"}}, // unchanged: allowed
			"categoryTargets": []any{
				map[string]any{"dimension": "sex", "category": "women", "baseline": 0, "target": 20},
				map[string]any{"dimension": "sex", "category": "men", "baseline": 40, "target": 30},
			}}})
		u := "updateIndicator.indicator."
		if r.Num(u+"version") != 3 || r.Str(u+"name") != "Officers trained" || r.Get(u+"baseline") != nil || r.Str(u+"unit") != "officers" ||
			r.Len(u+"categoryTargets") != 2 || r.Str(u+"categoryTargets.0.status") != "ACHIEVED" || // 20 reaches 20
			r.Num(u+"categoryTargets.1.latest") != 30 || r.Str(u+"categoryTargets.1.status") != "ACHIEVED" { // 30 reaches 30 from 40, downwards
			t.Fatalf("updated: %s", r.Raw)
		}
		r = e.planMutate(coord, "updateIndicator", disUpdate, map[string]any{"in": map[string]any{"id": ind, "expectedVersion": 3, "categoryTargets": nil}})
		if r.Len(u+"categoryTargets") != 0 || r.Len(u+"disaggregation") != 2 || r.Num(u+"version") != 4 {
			t.Fatalf("targets cleared: %s", r.Raw)
		}
		// A FOCAL_POINT records measurements but does not change indicators.
		if r := e.gql(focal, disUpdate, map[string]any{"in": map[string]any{"id": ind, "expectedVersion": 4, "target": 1}}); r.Code() != "FORBIDDEN" {
			t.Fatalf("focal point updating: %s", r.Raw)
		}
		e.planMutate(coord, "updateIndicator", disUpdate, map[string]any{"in": map[string]any{"id": ind, "expectedVersion": 4,
			"categoryTargets": []any{map[string]any{"dimension": "sex", "category": "women", "target": 60}}}})

		// A later measurement without a breakdown: targets NOT_MEASURED.
		r = e.planMutate(focal, "recordMeasurement", disMeasure, measure(55, "2026-06-01", nil))
		if r.Len(m+"measurement.breakdown") != 0 || r.Str(m+"indicator.categoryTargets.0.status") != "NOT_MEASURED" || r.Get(m+"indicator.categoryTargets.0.latest") != nil {
			t.Fatalf("no breakdown: %s", r.Raw)
		}
		if r := e.gql(coord, disRead, map[string]any{"i": ind}).OK(); r.Len("node.measurements") != 2 || r.Len("node.measurements.0.breakdown") != 4 || r.Len("node.measurements.1.breakdown") != 0 {
			t.Fatalf("measurements: %s", r.Raw)
		}

		// Exact sums: 0.1 + 0.2 is 0.3 and 0.1 + 0.2 + 0.3 is 0.6 (in
		// float64, 0.30000000000000004 and 0.6000000000000001).
		r = e.planMutate(coord, "createIndicator", disCreate, map[string]any{"in": map[string]any{
			"actionId": act, "name": "Training hours", "level": "OUTPUT", "target": 1,
			"disaggregation":  []any{map[string]any{"kind": "SEX"}, map[string]any{"kind": "AGE_GROUP"}},
			"categoryTargets": []any{map[string]any{"dimension": "sex", "category": "women", "baseline": 1, "target": 0.3}}}})
		hours := r.Str("createIndicator.indicator.id")
		r = e.planMutate(focal, "recordMeasurement", disMeasure, map[string]any{"in": map[string]any{"indicatorId": hours, "value": 0.6, "measuredOn": "2026-06-01",
			"breakdown": []any{cell("women", "under-18", 0.1), cell("women", "18-and-over", 0.2), cell("men", "under-18", 0.3), cell("men", "18-and-over", 0)}}})
		if r.Num(m+"indicator.categoryTargets.0.latest") != 0.3 || r.Str(m+"indicator.categoryTargets.0.status") != "ACHIEVED" {
			t.Fatalf("exact sum: %s", r.Raw)
		}
		if got := e.planErrors(focal, "recordMeasurement", disMeasure, map[string]any{"in": map[string]any{"indicatorId": hours, "value": floatSum(0.1, 0.2, 0.3), "measuredOn": "2026-06-02",
			"breakdown": []any{cell("women", "under-18", 0.1), cell("women", "18-and-over", 0.2), cell("men", "under-18", 0.3), cell("men", "18-and-over", 0)}}}); got != "INVALID@input.value" {
			t.Fatalf("float sum taken for the total: %s", got)
		}

		// Measurements without a breakdown leave the dimensions free.
		r = e.planMutate(coord, "createIndicator", disCreate, map[string]any{"in": map[string]any{"actionId": act, "name": "Survivors heard", "level": "OUTPUT", "target": 10}})
		heard := r.Str("createIndicator.indicator.id")
		e.planMutate(focal, "recordMeasurement", disMeasure, map[string]any{"in": map[string]any{"indicatorId": heard, "value": 4, "measuredOn": "2026-06-01"}})
		r = e.planMutate(coord, "updateIndicator", disUpdate, map[string]any{"in": map[string]any{"id": heard, "expectedVersion": 2, "countsPeople": true,
			"disaggregation": []any{map[string]any{"kind": "SEX"}}}})
		if r.Str(u+"disaggregation.0.kind") != "SEX" || r.Num(u+"version") != 3 {
			t.Fatalf("dimensions after a plain measurement: %s", r.Raw)
		}

		// GIVEN: the total is given; one dimension, its categories' values.
		r = e.planMutate(coord, "createIndicator", disCreate, map[string]any{"in": map[string]any{
			"actionId": act, "name": "Women among officers", "level": "OUTCOME", "baseline": 8, "target": 15, "aggregation": "GIVEN",
			"disaggregation": []any{map[string]any{"kind": "CUSTOM", "key": "region", "label": "Région", "categories": []any{
				map[string]any{"key": "north", "label": "Nord"}, map[string]any{"key": "south", "label": "Sud"}}}},
			"categoryTargets": []any{map[string]any{"dimension": "region", "category": "south", "baseline": 6, "target": 15}}}})
		share := r.Str("createIndicator.indicator.id")
		if r.Str(p+"disaggregation.0.label") != "Région" || r.Str(p+"disaggregation.0.categories.1.label") != "Sud" || r.Str(p+"aggregation") != "GIVEN" {
			t.Fatalf("custom dimension: %s", r.Raw)
		}
		r = e.planMutate(focal, "recordMeasurement", disMeasure, map[string]any{"in": map[string]any{"indicatorId": share, "value": 11, "measuredOn": "2026-06-01",
			"breakdown": []any{
				map[string]any{"categories": []any{map[string]any{"dimension": "region", "category": "north"}}, "value": 13},
				map[string]any{"categories": []any{map[string]any{"dimension": "region", "category": "south"}}, "value": 7},
			}}})
		if r.Num(m+"indicator.latest.value") != 11 || r.Num(m+"indicator.categoryTargets.0.latest") != 7 || r.Str(m+"indicator.categoryTargets.0.status") != "OFF_TRACK" {
			t.Fatalf("GIVEN: %s", r.Raw)
		}
	}, withAdmin)
}

// TestPeopleIndicatorNotDisaggregated: the gap rule is raised for an
// indicator that counts people without a SEX dimension, not for one that
// has it, and cleared when the dimension is added.
func TestPeopleIndicatorNotDisaggregated(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		admin := e.admin()
		inst := e.mkInstitution(admin, "National Police")
		coord := e.planUser(admin, inst, "coordinator@example.org", "COORDINATOR")
		r := e.planMutate(coord, "createActionPlan", planCreate, map[string]any{"i": inst, "t": "Plan", "s": "2026-01-01", "e": "2026-12-31"})
		plan := r.Str("createActionPlan.plan.id")
		r = e.planMutate(coord, "createAction", planAction, map[string]any{"p": plan, "t": "Train", "k": "TRAINING"})
		act := r.Str("createAction.action.id")
		mk := func(name string, people bool, dims []any) string {
			in := map[string]any{"actionId": act, "name": name, "level": "OUTCOME", "target": 10, "countsPeople": people}
			if dims != nil {
				in["disaggregation"] = dims
			}
			return e.planMutate(coord, "createIndicator", disCreate, map[string]any{"in": in}).Str("createIndicator.indicator.id")
		}
		bare := mk("Survivors referred", true, nil)
		byAge := mk("Trainees", true, []any{map[string]any{"kind": "AGE_GROUP"}})
		mk("Officers", true, []any{map[string]any{"kind": "AGE_GROUP"}, map[string]any{"kind": "SEX"}}) // the boundary
		mk("Stations equipped", false, nil)
		flags := func() map[string]string {
			r := e.gql(coord, gapList, map[string]any{"f": map[string]any{"rules": []string{"PEOPLE_INDICATOR_NOT_DISAGGREGATED"},
				"states": []string{"OPEN", "ACKNOWLEDGED", "RESOLVED", "DISMISSED"}}, "n": 50}).OK()
			out := map[string]string{}
			for i := 0; i < r.Len("gapFlags.edges"); i++ {
				n := fmt.Sprintf("gapFlags.edges.%d.node.", i)
				if r.Str(n+"category") != "MONITORING" || r.Str(n+"severity") != "MEDIUM" || r.Str(n+"plan.id") != plan || r.Str(n+"subject.__typename") != "Indicator" {
					t.Fatalf("flag: %s", r.Raw)
				}
				out[r.Str(n+"subject.id")] = r.Str(n + "state")
			}
			return out
		}
		if got := flags(); len(got) != 2 || got[bare] != "OPEN" || got[byAge] != "OPEN" {
			t.Fatalf("raised: %v", got)
		}
		e.planMutate(coord, "updateIndicator", disUpdate, map[string]any{"in": map[string]any{"id": byAge, "expectedVersion": 1,
			"disaggregation": []any{map[string]any{"kind": "AGE_GROUP"}, map[string]any{"kind": "SEX"}}}})
		e.planMutate(coord, "updateIndicator", disUpdate, map[string]any{"in": map[string]any{"id": bare, "expectedVersion": 1, "countsPeople": false}})
		if got := flags(); len(got) != 2 || got[bare] != "RESOLVED" || got[byAge] != "RESOLVED" {
			t.Fatalf("cleared: %v", got)
		}
	}, withAdmin)
}
