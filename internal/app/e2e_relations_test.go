package app_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/demo"
)

// The relations of actions and indicators are plain methods that read
// through the request's relations (graph/relations.go), attached where the
// objects are fetched or returned by a mutation. Every path that hands the
// executor an action or an indicator must attach them, or the fields answer
// an internal error.
const (
	relAction    = `id leadUnit{ name } supportingUnits{ name } partners{ name } findings{ title } resources{ kind amountRequired } health indicators{ id name status latest{ value measuredOn } measurements{ value } }`
	relIndicator = `id name status latest{ value measuredOn } measurements{ value } action{ id }`
)

// TestRelationsOnEveryPath reads the same actions and indicators of the
// demo through every path that leads to them — a plan's page, node, nodes,
// an objective, a finding, a resource, an indicator, a progress update, a
// gap flag — and through the payloads of the mutations that return them:
// no path answers an error, and every read of an action or an indicator
// shows what the plan page shows.
func TestRelationsOnEveryPath(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		tok := e.login("admin@demo.gendertrack.org", demo.Password)
		plans := e.gql(tok, `{ institutions(first:10){ edges{ node{ actionPlans(first:10, status:ADOPTED){ edges{ node{ id actions(first:1){ edges{ node{ id version } } } } } }
			assessments(first:10){ edges{ node{ findings{ id } } } } } } } }`, nil).OK()
		plan := plans.Str("institutions.edges.0.node.actionPlans.edges.0.node.id")
		// The first action addresses a finding, so that a finding leads to it.
		e.planMutate(tok, "updateAction", `mutation($a:ID!,$v:Int!,$f:ID!){ updateAction(input:{id:$a, expectedVersion:$v, findingIds:[$f]}){ userErrors{ code field } } }`, map[string]any{
			"a": plans.Str("institutions.edges.0.node.actionPlans.edges.0.node.actions.edges.0.node.id"),
			"v": plans.Num("institutions.edges.0.node.actionPlans.edges.0.node.actions.edges.0.node.version"),
			"f": plans.Str("institutions.edges.0.node.assessments.edges.0.node.findings.0.id")})
		ref := e.gql(tok, `query($p:ID!){ node(id:$p){ ... on ActionPlan { actions(first:100){ edges{ node{ `+relAction+` } } } } } }`, map[string]any{"p": plan}).OK()
		want := map[string]string{} // action id → its JSON on the plan page
		wantInd := map[string]string{}
		var actions []any
		for _, edge := range ref.Get("node.actions.edges").([]any) {
			a := edge.(map[string]any)["node"].(map[string]any)
			want[a["id"].(string)] = jsonOf(t, a)
			actions = append(actions, a)
			for _, ind := range a["indicators"].([]any) {
				i := ind.(map[string]any)
				wantInd[i["id"].(string)] = jsonOf(t, map[string]any{"id": i["id"], "name": i["name"], "status": i["status"], "latest": i["latest"], "measurements": i["measurements"]})
			}
		}
		if len(want) < 5 || len(wantInd) == 0 {
			t.Fatalf("the demo plan has %d actions, %d indicators", len(want), len(wantInd))
		}
		first := actions[0].(map[string]any)["id"].(string)
		seen := 0
		// check compares every action and indicator object found in v
		// with the plan page's.
		var check func(path string, v any)
		check = func(path string, v any) {
			switch x := v.(type) {
			case map[string]any:
				if id, ok := x["id"].(string); ok {
					if w, ok := want[id]; ok && x["resources"] != nil {
						if got := jsonOf(t, x); got != w {
							t.Errorf("%s: action %s reads\n%s\nthe plan page\n%s", path, id, got, w)
						}
						seen++
						return
					}
					if w, ok := wantInd[id]; ok && x["status"] != nil {
						cp := map[string]any{"id": x["id"], "name": x["name"], "status": x["status"], "latest": x["latest"], "measurements": x["measurements"]}
						if got := jsonOf(t, cp); got != w {
							t.Errorf("%s: indicator %s reads\n%s\nthe plan page\n%s", path, id, got, w)
						}
						seen++
					}
				}
				for k, c := range x {
					check(path+"."+k, c)
				}
			case []any:
				for i, c := range x {
					check(fmt.Sprintf("%s.%d", path, i), c)
				}
			}
		}
		for name, q := range map[string]string{
			"node":      `query($a:ID!){ node(id:$a){ ... on Action { ` + relAction + ` } } }`,
			"nodes":     `query($a:ID!){ nodes(ids:[$a]){ ... on Action { ` + relAction + ` } } }`,
			"children":  `query($a:ID!){ node(id:$a){ ... on Action { resources{ action{ ` + relAction + ` } } indicators{ action{ id } } updates(first:1){ edges{ node{ action{ ` + relAction + ` } } } } } } }`,
			"indicator": `query($a:ID!){ node(id:$a){ ... on Action { indicators{ ` + relIndicator + ` } } } }`,
		} {
			before := seen
			check(name, e.gql(tok, q, map[string]any{"a": first}).OK().Data)
			if seen == before {
				t.Errorf("%s: no action or indicator read", name)
			}
		}
		for name, q := range map[string]string{
			"objectives": `query($p:ID!){ node(id:$p){ ... on ActionPlan { objectives{ actions{ ` + relAction + ` } indicators{ ` + relIndicator + ` } } } } }`,
			"findings":   `query($p:ID!){ node(id:$p){ ... on ActionPlan { actions(first:100){ edges{ node{ findings{ addressedByActions{ ` + relAction + ` } } } } } } } }`,
			"flags":      `query($p:ID!){ node(id:$p){ ... on ActionPlan { gapFlags(first:200){ edges{ node{ subject{ ... on Action { ` + relAction + ` } ... on Indicator { ` + relIndicator + ` } } } } } } } }`,
		} {
			before := seen
			check(name, e.gql(tok, q, map[string]any{"p": plan}).OK().Data)
			if seen == before {
				t.Errorf("%s: no action or indicator read: %.600s", name, e.gql(tok, q, map[string]any{"p": plan}).Raw)
			}
		}
		if seen < len(want)+len(wantInd) {
			t.Errorf("only %d reads of actions and indicators compared", seen)
		}
		// The payloads of the mutations that return an action or an
		// indicator.
		ind := ""
		for id := range wantInd {
			ind = id
			break
		}
		r := e.gql(tok, `mutation($a:ID!){ recordProgress(input:{actionId:$a, status:IN_PROGRESS, progressPercent:40}){ action{ `+relAction+` } userErrors{ code } } }`, map[string]any{"a": first}).OK()
		if r.Len("recordProgress.userErrors") != 0 || r.Get("recordProgress.action.health") == nil {
			t.Fatalf("recordProgress: %s", r.Raw)
		}
		v := e.gql(tok, `query($a:ID!){ node(id:$a){ ... on Action { version } } }`, map[string]any{"a": first}).OK().Num("node.version")
		r = e.gql(tok, `mutation($a:ID!,$v:Int!){ updateAction(input:{id:$a, expectedVersion:$v, title:"Renamed"}){ action{ `+relAction+` } userErrors{ code } } }`, map[string]any{"a": first, "v": v}).OK()
		if r.Len("updateAction.userErrors") != 0 || r.Get("updateAction.action.health") == nil || r.Get("updateAction.action.resources") == nil {
			t.Fatalf("updateAction: %s", r.Raw)
		}
		r = e.gql(tok, `mutation($i:ID!){ recordMeasurement(input:{indicatorId:$i, value:7, measuredOn:"2026-11-30"}){ indicator{ `+relIndicator+` } userErrors{ code } } }`, map[string]any{"i": ind}).OK()
		if r.Len("recordMeasurement.userErrors") != 0 || r.Num("recordMeasurement.indicator.latest.value") != 7 || r.Str("recordMeasurement.indicator.status") == "" {
			t.Fatalf("recordMeasurement: %s", r.Raw)
		}
		iv := e.gql(tok, `query($i:ID!){ node(id:$i){ ... on Indicator { version } } }`, map[string]any{"i": ind}).OK().Num("node.version")
		r = e.gql(tok, `mutation($i:ID!,$v:Int!){ updateIndicator(input:{id:$i, expectedVersion:$v, name:"Renamed indicator"}){ indicator{ `+relIndicator+` } userErrors{ code } } }`, map[string]any{"i": ind, "v": iv}).OK()
		if r.Len("updateIndicator.userErrors") != 0 || r.Num("updateIndicator.indicator.latest.value") != 7 || r.Str("updateIndicator.indicator.status") == "" {
			t.Fatalf("updateIndicator: %s", r.Raw)
		}
	}, func(c *app.Config) { c.Demo = true })
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
