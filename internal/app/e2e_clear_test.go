package app_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
)

// An update input's field in the clearing tests: a value to set, and
// where the object shows it (a path below the payload's object).
type clearField struct {
	name  string
	value any
	read  string
	want  any
}

// clearCase is one update input (RULES.md section 2): an absent field
// leaves the stored value, an explicit null clears a nullable one, and a
// null on a field whose stored value is required is refused.
type clearCase struct {
	mutation, input, typename, payload string
	// label names the case when one input has several (resource kinds).
	label string
	// selection reads every field of the object an update may change
	// (derived fields left out: they follow the others).
	selection string
	// make creates the object and returns its ID and version.
	make func() (id string, version int)
	// touch is a field to change by value; the others must stay.
	touch clearField
	// fields are the nullable fields that may be cleared.
	fields []clearField
	// required are the nullable fields whose stored value is required.
	required []string
	// empty are nullable fields that this object keeps empty (the kind of
	// a resource requirement): a null is accepted and changes nothing.
	empty []string
}

// TestUpdatesClearNullableFields runs every update input of the schema
// over HTTP: each nullable field is set, then cleared with an explicit
// null (read back: null, and the audit trail records the cleared value),
// while every absent field keeps its value; a null on a field that cannot
// be empty answers INVALID at that field and changes nothing.
func TestUpdatesClearNullableFields(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.admin()
		inst := e.mkInstitution(admin, "National Police")
		hq := e.mkUnit(admin, inst, "", "Headquarters")
		academy := e.mkUnit(admin, inst, hq, "Academy")
		r := e.planMutate(admin, "createPartner", `mutation{ createPartner(input:{name:"UN Women", kind:UN_AGENCY}){ partner{ id } userErrors{code field} } }`, nil)
		partner := r.Str("createPartner.partner.id")
		f := &fixture{e: e, admin: admin}
		assessment := asmTarget(f, inst, "SUBMITTED")
		r = e.planMutate(admin, "addFinding", `mutation($a:ID!){ addFinding(input:{assessmentId:$a, areaKey:"only", title:"No interview rooms", category:STRUCTURE, severity:HIGH}){ finding{ id } userErrors{code field message} } }`,
			map[string]any{"a": assessment})
		finding := r.Str("addFinding.finding.id")
		e.planMutate(admin, "validateAssessment", `mutation($a:ID!){ validateAssessment(input:{assessmentId:$a}){ assessment{ status } userErrors{code field message} } }`, map[string]any{"a": assessment})
		r = e.planMutate(admin, "createActionPlan", planCreate, map[string]any{"i": inst, "t": "Gender action plan", "s": "2026-01-01", "e": "2027-12-31"})
		plan := r.Str("createActionPlan.plan.id")
		r = e.planMutate(admin, "createObjective", `mutation($p:ID!){ createObjective(input:{planId:$p, title:"Capacity"}){ objective{ id } userErrors{code field} } }`, map[string]any{"p": plan})
		objective := r.Str("createObjective.objective.id")
		r = e.planMutate(admin, "createAction", planAction, map[string]any{"p": plan, "t": "Train trainers", "k": "TRAINING"})
		action := r.Str("createAction.action.id")

		created := func(payload, path string, r *resp) (string, int) {
			return r.Str(payload + "." + path + ".id"), int(r.Num(payload + "." + path + ".version"))
		}
		resource := func(kind, amounts string) func() (string, int) {
			return func() (string, int) {
				r := e.planMutate(admin, "addResourceRequirement", `mutation($a:ID!){ addResourceRequirement(input:{actionId:$a, kind:`+kind+`, description:"Need", `+amounts+`}){
					resource{ id version } userErrors{code field} } }`, map[string]any{"a": action})
				return created("addResourceRequirement", "resource", r)
			}
		}
		resourceSelection := `description quantityRequired quantitySecured unit amountRequired amountSecured currency provider{ id }`
		cases := []clearCase{{
			mutation: "updateInstitution", input: "UpdateInstitutionInput", typename: "Institution", payload: "institution",
			selection: `name acronym sector country`,
			make: func() (string, int) {
				return e.mkInstitution(admin, "National Gendarmerie"), 1
			},
			touch:    clearField{"name", "Gendarmerie nationale", "name", "Gendarmerie nationale"},
			fields:   []clearField{{"acronym", "NG", "acronym", "NG"}},
			required: []string{"name", "sector", "country"},
		}, {
			mutation: "updateUnit", input: "UpdateUnitInput", typename: "Unit", payload: "unit",
			selection: `name kind parent{ id } region genderFocalPoint focalPointDedicated`,
			make:      func() (string, int) { return e.mkUnit(admin, inst, "", "Northern Region"), 1 },
			touch:     clearField{"kind", "REGIONAL_COMMAND", "kind", "REGIONAL_COMMAND"},
			fields: []clearField{{"parentId", hq, "parent.id", hq}, {"region", "North", "region", "North"},
				{"genderFocalPoint", "A. Diallo", "genderFocalPoint", "A. Diallo"}},
			required: []string{"name", "kind", "focalPointDedicated"},
		}, {
			mutation: "updateActionPlan", input: "UpdateActionPlanInput", typename: "ActionPlan", payload: "plan",
			selection: `title startDate endDate`,
			make: func() (string, int) {
				r := e.planMutate(admin, "createActionPlan", planCreate, map[string]any{"i": inst, "t": "Second plan", "s": "2026-01-01", "e": "2026-12-31"})
				return created("createActionPlan", "plan", r)
			},
			touch:    clearField{"endDate", "2027-06-30", "endDate", "2027-06-30"},
			required: []string{"title", "startDate", "endDate"},
		}, {
			mutation: "updateObjective", input: "UpdateObjectiveInput", typename: "Objective", payload: "objective",
			selection: `title description findings{ id }`,
			make: func() (string, int) {
				r := e.planMutate(admin, "createObjective", `mutation($p:ID!){ createObjective(input:{planId:$p, title:"Procedures"}){ objective{ id version } userErrors{code field} } }`, map[string]any{"p": plan})
				return created("createObjective", "objective", r)
			},
			touch:    clearField{"title", "Written procedures", "title", "Written procedures"},
			fields:   []clearField{{"description", "Every station", "description", "Every station"}, {"findingIds", []string{finding}, "findings.0.id", finding}},
			required: []string{"title"},
		}, {
			mutation: "updateAction", input: "UpdateActionInput", typename: "Action", payload: "action",
			selection: `title description kind objective{ id } leadUnit{ id } supportingUnits{ id } accountable partners{ id } startDate dueDate findings{ id }`,
			make: func() (string, int) {
				r := e.planMutate(admin, "createAction", planAction, map[string]any{"p": plan, "t": "Interview rooms", "k": "INFRASTRUCTURE"})
				return created("createAction", "action", r)
			},
			touch: clearField{"kind", "EQUIPMENT", "kind", "EQUIPMENT"},
			fields: []clearField{{"objectiveId", objective, "objective.id", objective}, {"description", "Two rooms", "description", "Two rooms"},
				{"leadUnitId", academy, "leadUnit.id", academy}, {"supportingUnitIds", []string{hq}, "supportingUnits.0.id", hq},
				{"accountable", "Director General", "accountable", "Director General"}, {"partnerIds", []string{partner}, "partners.0.id", partner},
				{"startDate", "2026-02-01", "startDate", "2026-02-01"}, {"dueDate", "2026-12-31", "dueDate", "2026-12-31"},
				{"findingIds", []string{finding}, "findings.0.id", finding}},
			required: []string{"title", "kind"},
		}, {
			mutation: "updateResourceRequirement", input: "UpdateResourceRequirementInput", typename: "ResourceRequirement", payload: "resource",
			label: "/BUDGET", selection: resourceSelection,
			make:     resource("BUDGET", `amountRequired:"1000", currency:"EUR"`),
			touch:    clearField{"amountRequired", "1200.50", "amountRequired", "1200.5"},
			fields:   []clearField{{"amountSecured", "250", "amountSecured", "250"}, {"providerId", partner, "provider.id", partner}},
			required: []string{"description", "amountRequired", "currency"},
			empty:    []string{"quantityRequired", "quantitySecured", "unit"},
		}, {
			mutation: "updateResourceRequirement", input: "UpdateResourceRequirementInput", typename: "ResourceRequirement", payload: "resource",
			label: "/EQUIPMENT", selection: resourceSelection,
			make:  resource("EQUIPMENT", `quantityRequired:10`),
			touch: clearField{"quantityRequired", 12, "quantityRequired", 12.0},
			fields: []clearField{{"quantitySecured", 4, "quantitySecured", 4.0}, {"unit", "computers", "unit", "computers"},
				{"providerId", partner, "provider.id", partner}},
			required: []string{"description", "quantityRequired"},
			empty:    []string{"amountRequired", "amountSecured", "currency"},
		}}
		for _, c := range cases {
			t.Run(c.mutation+c.label, func(t *testing.T) {
				sub := *e // its helpers fail this subtest, not the parent
				sub.t = t
				clearOne(t, &sub, admin, c)
			})
		}

		// An explicit null written in the document clears as a null
		// variable does; a variable the request leaves out is an absent
		// field, not a null one.
		upd := func(vars, dueDate string, values map[string]any) *resp {
			return e.planMutate(admin, "updateAction", `mutation($a:ID!,$v:Int!`+vars+`){ updateAction(input:{id:$a, expectedVersion:$v, dueDate:`+dueDate+`}){
				action{ dueDate version } userErrors{code field} } }`, values)
		}
		upd(",$d:Date", "$d", map[string]any{"a": action, "v": 1, "d": "2026-09-30"})
		r = upd(",$d:Date", "$d", map[string]any{"a": action, "v": 2})
		if r.Str("updateAction.action.dueDate") != "2026-09-30" || r.Num("updateAction.action.version") != 3 {
			t.Fatalf("a variable left out cleared the field: %s", r.Raw)
		}
		r = upd("", "null", map[string]any{"a": action, "v": 3})
		if r.Get("updateAction.action.dueDate") != nil {
			t.Fatalf("a literal null did not clear: %s", r.Raw)
		}
	}, withAdmin)
}

// clearOne runs one clearCase.
func clearOne(t *testing.T, e *env, admin string, c clearCase) {
	id, version := c.make()
	doc := fmt.Sprintf(`mutation($in:%s!){ %s(input:$in){ %s{ version %s } userErrors{ code field } } }`, c.input, c.mutation, c.payload, c.selection)
	update := func(set map[string]any) *resp {
		t.Helper()
		in := map[string]any{"id": id, "expectedVersion": version}
		maps.Copy(in, set)
		return e.gql(admin, doc, map[string]any{"in": in}).OK()
	}
	// applied runs a successful update and checks that the object is was
	// with exactly the changes of want.
	var seen map[string]any
	applied := func(what string, set map[string]any, want func(obj map[string]any)) {
		t.Helper()
		r := update(set)
		if ue := r.UserErrors(c.mutation); len(ue) > 0 {
			t.Fatalf("%s: %v", what, ue)
		}
		obj, _ := r.Get(c.mutation + "." + c.payload).(map[string]any)
		if v, _ := obj["version"].(float64); int(v) != version+1 {
			t.Fatalf("%s: version %v, want %d: %s", what, obj["version"], version+1, r.Raw)
		}
		version++
		if seen != nil {
			expect := maps.Clone(seen)
			expect["version"] = obj["version"]
			want(expect)
			if !reflect.DeepEqual(obj, expect) {
				t.Fatalf("%s:\n got %v\nwant %v", what, obj, expect)
			}
		}
		seen = obj
	}
	readAt := func(obj map[string]any, path string) any {
		var cur any = obj
		for _, p := range strings.Split(path, ".") {
			switch x := cur.(type) {
			case map[string]any:
				cur = x[p]
			case []any:
				if len(x) == 0 {
					return nil
				}
				cur = x[0]
			}
		}
		return cur
	}
	root := func(path string) string { r, _, _ := strings.Cut(path, "."); return r }

	// Set every nullable field at once.
	all := map[string]any{}
	for _, f := range c.fields {
		all[f.name] = f.value
	}
	applied("set all", all, func(map[string]any) {})
	for _, f := range c.fields {
		if got := readAt(seen, f.read); fmt.Sprint(got) != fmt.Sprint(f.want) {
			t.Fatalf("%s after set: %v, want %v", f.read, got, f.want)
		}
	}
	// One field changed by value: every absent one keeps its value.
	applied("touch "+c.touch.name, map[string]any{c.touch.name: c.touch.value}, func(obj map[string]any) {
		obj[root(c.touch.read)] = c.touch.want
	})
	// Clear each in turn: it reads back null (a list: empty), the others
	// keep theirs.
	for _, f := range c.fields {
		applied("clear "+f.name, map[string]any{f.name: nil}, func(obj map[string]any) {
			if _, list := obj[root(f.read)].([]any); list {
				obj[root(f.read)] = []any{}
			} else {
				obj[root(f.read)] = nil
			}
		})
	}
	// Fields the object keeps empty accept a null and stay empty.
	for _, name := range c.empty {
		applied("null on the empty "+name, map[string]any{name: nil}, func(map[string]any) {})
	}
	// A required field refuses a null, at that field, and nothing changes.
	for _, name := range c.required {
		r := update(map[string]any{name: nil})
		if ue := r.UserErrors(c.mutation); len(ue) != 1 || ue[0] != "INVALID@input."+name || r.Get(c.mutation+"."+c.payload) != nil {
			t.Fatalf("null on the required %s: %s", name, r.Raw)
		}
	}
	r := e.gql(admin, fmt.Sprintf(`query($id:ID!){ node(id:$id){ ... on %s { version %s } } }`, c.typename, c.selection), map[string]any{"id": id}).OK()
	if got, _ := r.Get("node").(map[string]any); !reflect.DeepEqual(got, seen) {
		t.Fatalf("refused nulls changed the object:\n got %v\nwant %v", got, seen)
	}

	// The audit trail records each cleared value: [before, null], or
	// [before, []] for a list of links.
	r = e.gql(admin, `query($s:ID!){ auditEvents(filter:{subjectId:$s}, first:100){ edges{ node{ operation changes } } } }`, map[string]any{"s": id}).OK()
	cleared := map[string]bool{}
	edges, _ := r.Get("auditEvents.edges").([]any)
	for _, edge := range edges {
		n := edge.(map[string]any)["node"].(map[string]any)
		changes := map[string][2]any{}
		if s, _ := n["changes"].(string); n["operation"] == c.mutation && s != "" {
			if err := json.Unmarshal([]byte(s), &changes); err != nil {
				t.Fatal(err)
			}
		}
		for name, ch := range changes {
			if l, _ := ch[1].([]any); ch[0] != nil && (ch[1] == nil || (l != nil && len(l) == 0)) {
				cleared[name] = true
			}
		}
	}
	for _, f := range c.fields {
		if !cleared[f.name] {
			t.Errorf("no audit event records %s cleared: %s", f.name, r.Raw)
		}
	}
}
