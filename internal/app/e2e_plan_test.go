package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/app"
)

// planUser creates a user with one role in an institution and signs in.
func (e *env) planUser(admin, inst, email, role string) string {
	e.t.Helper()
	r := e.gql(admin, `mutation($e:String!){ createUser(input:{email:$e, name:"Plan tester", password:"a-password-1"}){ user{ id } userErrors{code field} } }`,
		map[string]any{"e": email}).OK()
	id := r.Str("createUser.user.id")
	if id == "" {
		e.t.Fatalf("createUser: %s", r.Raw)
	}
	r = e.gql(admin, `mutation($u:ID!,$r:Role!,$i:ID){ grantRole(input:{userId:$u, role:$r, institutionId:$i}){ userErrors{code field} } }`,
		map[string]any{"u": id, "r": role, "i": inst}).OK()
	if ue := r.UserErrors("grantRole"); len(ue) > 0 {
		e.t.Fatalf("grantRole: %v", ue)
	}
	return e.login(email, "a-password-1")
}

// planMutate runs a mutation that must succeed and returns its answer.
func (e *env) planMutate(tok, payload, query string, vars map[string]any) *resp {
	e.t.Helper()
	r := e.gql(tok, query, vars).OK()
	if ue := r.UserErrors(payload); len(ue) > 0 {
		e.t.Fatalf("%s: %v %s", payload, ue, r.Raw)
	}
	return r
}

// planErrors runs a mutation that must answer user errors and returns
// them as CODE@field.
func (e *env) planErrors(tok, payload, query string, vars map[string]any) string {
	e.t.Helper()
	r := e.gql(tok, query, vars).OK()
	return strings.Join(r.UserErrors(payload), " ")
}

const (
	planCreate = `mutation($i:ID!,$t:String!,$s:Date!,$e:Date!,$src:ID,$d:Boolean){ createActionPlan(input:{institutionId:$i,title:$t,startDate:$s,endDate:$e,sourceAssessmentId:$src,draftFromFindings:$d}){
		plan{ id status version title objectives{ id title findings{ id title } } } userErrors{code field message} } }`
	planAction = `mutation($p:ID!,$t:String!,$k:ActionKind!,$u:ID,$o:ID,$s:Date,$d:Date){ createAction(input:{planId:$p,title:$t,kind:$k,leadUnitId:$u,objectiveId:$o,startDate:$s,dueDate:$d}){
		action{ id version status health } userErrors{code field message} } }`
	planProgress = `mutation($a:ID!,$s:ActionStatus!,$p:Int!){ recordProgress(input:{actionId:$a,status:$s,progressPercent:$p,note:"n",evidence:["e.pdf"]}){
		action{ id status progressPercent health version } update{ id status progressPercent evidence author{ email } } userErrors{code field message} } }`
	planAdopt = `mutation($p:ID!){ adoptActionPlan(input:{planId:$p, reason:"ok"}){ plan{ id status adoptedAt adoptedBy{ email } version } userErrors{code field message} } }`
	planClose = `mutation($p:ID!){ closeActionPlan(input:{planId:$p}){ plan{ id status version } userErrors{code field message} } }`
)

// TestPlanLifeCycle takes a plan from DRAFT to CLOSED through the API with
// the roles of RULES.md §4 and the states of §5.
func TestPlanLifeCycle(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		admin := e.admin()
		inst := e.mkInstitution(admin, "National Police")
		other := e.mkInstitution(admin, "National Gendarmerie")
		hq := e.mkUnit(admin, inst, "", "Headquarters")
		academy := e.mkUnit(admin, inst, hq, "Academy")
		foreignUnit := e.mkUnit(admin, other, "", "Legion")
		coord := e.planUser(admin, inst, "coordinator@example.org", "COORDINATOR")
		focal := e.planUser(admin, inst, "focal@example.org", "FOCAL_POINT")
		lead := e.planUser(admin, inst, "leader@example.org", "LEADERSHIP")
		partner := e.planUser(admin, inst, "partner@example.org", "PARTNER")
		stranger := e.planUser(admin, other, "stranger@example.org", "COORDINATOR")
		r := e.planMutate(admin, "createPartner", `mutation{ createPartner(input:{name:"UN Women", kind:UN_AGENCY}){ partner{ id } userErrors{code field} } }`, nil)
		un := r.Str("createPartner.partner.id")

		// Create: input problems each at their field; nothing stored.
		if got := e.planErrors(coord, "createActionPlan", planCreate, map[string]any{"i": inst, "t": " ", "s": "2026-12-31", "e": "2026-01-01", "d": true}); got != "INVALID@input.title INVALID@input.endDate INVALID@input.sourceAssessmentId" {
			t.Fatalf("createActionPlan errors: %s", got)
		}
		r = e.planMutate(coord, "createActionPlan", planCreate, map[string]any{"i": inst, "t": "Gender action plan", "s": "2026-01-01", "e": "2027-12-31"})
		plan := r.Str("createActionPlan.plan.id")
		if r.Str("createActionPlan.plan.status") != "DRAFT" || r.Num("createActionPlan.plan.version") != 1 {
			t.Fatalf("new plan: %s", r.Raw)
		}
		r = e.planMutate(coord, "createObjective", `mutation($p:ID!){ createObjective(input:{planId:$p, title:"Capacity"}){ objective{ id version plan{ id } } userErrors{code field} } }`, map[string]any{"p": plan})
		obj := r.Str("createObjective.objective.id")

		// Adopting needs an action.
		if got := e.planErrors(lead, "adoptActionPlan", planAdopt, map[string]any{"p": plan}); got != "INVALID_STATE@input.planId" {
			t.Fatalf("adopt without actions: %s", got)
		}
		if got := e.planErrors(coord, "createAction", planAction, map[string]any{"p": plan, "t": "x", "k": "TRAINING", "u": foreignUnit, "s": "2026-05-01", "d": "2026-04-01"}); got != "INVALID@input.dueDate NOT_FOUND@input.leadUnitId" {
			t.Fatalf("createAction errors: %s", got)
		}
		r = e.planMutate(coord, "createAction", planAction, map[string]any{"p": plan, "t": "Train trainers", "k": "TRAINING", "u": academy, "o": obj, "s": "2026-02-01", "d": "2026-12-31"})
		act := r.Str("createAction.action.id")
		if r.Str("createAction.action.status") != "NOT_STARTED" || r.Str("createAction.action.health") != "AMBER" { // today is 2026-06-15
			t.Fatalf("new action: %s", r.Raw)
		}
		r = e.planMutate(coord, "addResourceRequirement", `mutation($a:ID!,$pr:ID){ addResourceRequirement(input:{actionId:$a, kind:BUDGET, description:"Venue", amountRequired:"1000.50", amountSecured:"250", currency:"EUR", providerId:$pr}){
			resource{ id status amountRequired amountSecured currency provider{ id } version } userErrors{code field} } }`, map[string]any{"a": act, "pr": un})
		res := r.Str("addResourceRequirement.resource.id")
		if r.Str("addResourceRequirement.resource.status") != "PARTIAL" || r.Str("addResourceRequirement.resource.amountRequired") != "1000.5" || r.Str("addResourceRequirement.resource.provider.id") != un {
			t.Fatalf("resource: %s", r.Raw)
		}
		if got := e.planErrors(coord, "addResourceRequirement", `mutation($a:ID!){ addResourceRequirement(input:{actionId:$a, kind:EQUIPMENT, description:"PCs", amountRequired:"5", currency:"EUR"}){ userErrors{code field} } }`, map[string]any{"a": act}); got != "INVALID@input.amountRequired INVALID@input.currency INVALID@input.quantityRequired" {
			t.Fatalf("resource errors: %s", got)
		}
		r = e.planMutate(coord, "createIndicator", `mutation($a:ID!){ createIndicator(input:{actionId:$a, name:"Trainers", level:OUTPUT, baseline:0, target:20}){ indicator{ id status action{ id } objective{ id } } userErrors{code field} } }`, map[string]any{"a": act})
		ind := r.Str("createIndicator.indicator.id")
		if r.Str("createIndicator.indicator.status") != "NOT_MEASURED" || r.Get("createIndicator.indicator.objective") != nil {
			t.Fatalf("indicator: %s", r.Raw)
		}

		// Roles: FOCAL_POINT and LEADERSHIP may not edit; PARTNER may not record.
		for _, tok := range []string{focal, lead, partner} {
			if r := e.gql(tok, planAction, map[string]any{"p": plan, "t": "x", "k": "OTHER"}); r.Code() != "FORBIDDEN" {
				t.Fatalf("createAction by a reader: %s", r.Raw)
			}
		}
		if r := e.gql(coord, planAdopt, map[string]any{"p": plan}); r.Code() != "FORBIDDEN" {
			t.Fatalf("adopt by the coordinator: %s", r.Raw)
		}
		// DRAFT: nothing is recorded yet.
		if got := e.planErrors(focal, "recordProgress", planProgress, map[string]any{"a": act, "s": "IN_PROGRESS", "p": 10}); got != "INVALID_STATE@input.actionId" {
			t.Fatalf("progress in DRAFT: %s", got)
		}

		r = e.planMutate(lead, "adoptActionPlan", planAdopt, map[string]any{"p": plan})
		if r.Str("adoptActionPlan.plan.status") != "ADOPTED" || r.Str("adoptActionPlan.plan.adoptedBy.email") != "leader@example.org" || r.Str("adoptActionPlan.plan.adoptedAt") == "" {
			t.Fatalf("adopted: %s", r.Raw)
		}
		if r := e.gql(lead, planProgress, map[string]any{"a": act, "s": "IN_PROGRESS", "p": 10}); r.Code() != "FORBIDDEN" {
			t.Fatalf("progress by leadership: %s", r.Raw)
		}
		if got := e.planErrors(focal, "recordProgress", planProgress, map[string]any{"a": act, "s": "COMPLETED", "p": 80}); got != "INVALID@input.progressPercent" {
			t.Fatalf("COMPLETED below 100: %s", got)
		}
		r = e.planMutate(focal, "recordProgress", planProgress, map[string]any{"a": act, "s": "IN_PROGRESS", "p": 30})
		if r.Str("recordProgress.action.status") != "IN_PROGRESS" || r.Num("recordProgress.action.progressPercent") != 30 ||
			r.Str("recordProgress.update.author.email") != "focal@example.org" || r.Str("recordProgress.update.evidence.0") != "e.pdf" || r.Num("recordProgress.action.version") != 2 {
			t.Fatalf("progress: %s", r.Raw)
		}
		upID := r.Str("recordProgress.update.id")
		r = e.planMutate(focal, "recordMeasurement", `mutation($i:ID!){ recordMeasurement(input:{indicatorId:$i, value:21, measuredOn:"2026-06-01"}){ measurement{ id value measuredOn recordedBy{ email } } indicator{ status latest{ value } } userErrors{code field} } }`, map[string]any{"i": ind})
		meas := r.Str("recordMeasurement.measurement.id")
		if r.Str("recordMeasurement.indicator.status") != "ACHIEVED" || r.Num("recordMeasurement.indicator.latest.value") != 21 {
			t.Fatalf("measurement: %s", r.Raw)
		}
		r = e.planMutate(coord, "recordDissemination", `mutation($p:ID!,$u:ID!){ recordDissemination(input:{planId:$p, unitId:$u, date:"2026-03-01", method:BRIEFING}){ dissemination{ id unit{ id } plan{ id } } userErrors{code field} } }`, map[string]any{"p": plan, "u": academy})
		if r.Str("recordDissemination.dissemination.unit.id") != academy {
			t.Fatalf("dissemination: %s", r.Raw)
		}
		dis := r.Str("recordDissemination.dissemination.id")
		// Every type of the plan resolves through node, for its readers only.
		all := []string{plan, obj, act, res, ind, meas, upID, dis}
		r = e.gql(partner, `query($ids:[ID!]!){ nodes(ids:$ids){ __typename id } }`, map[string]any{"ids": all}).OK()
		for i, typ := range []string{"ActionPlan", "Objective", "Action", "ResourceRequirement", "Indicator", "Measurement", "ProgressUpdate", "Dissemination"} {
			if r.Str(fmt.Sprintf("nodes.%d.__typename", i)) != typ || r.Str(fmt.Sprintf("nodes.%d.id", i)) != all[i] {
				t.Fatalf("nodes: %s", r.Raw)
			}
		}
		r = e.gql(stranger, `query($ids:[ID!]!){ nodes(ids:$ids){ id } }`, map[string]any{"ids": all}).OK()
		for i := range all {
			if r.Get(fmt.Sprintf("nodes.%d", i)) != nil {
				t.Fatalf("stranger reads nodes: %s", r.Raw)
			}
		}

		// A version conflict on updateAction changes nothing.
		upd := `mutation($a:ID!,$v:Int!,$t:String){ updateAction(input:{id:$a, expectedVersion:$v, title:$t, supportingUnitIds:[]}){ action{ title version } userErrors{code field} } }`
		if got := e.planErrors(coord, "updateAction", upd, map[string]any{"a": act, "v": 1, "t": "Stale"}); got != "CONFLICT@input.expectedVersion" {
			t.Fatalf("stale update: %s", got)
		}
		r = e.planMutate(coord, "updateAction", upd, map[string]any{"a": act, "v": 2, "t": "Train the trainers"})
		if r.Num("updateAction.action.version") != 3 {
			t.Fatalf("update: %s", r.Raw)
		}

		// The whole plan as a partner reads it.
		r = e.gql(partner, `query($p:ID!){ node(id:$p){ ... on ActionPlan { status institution{ id } objectives{ title actions{ id } }
			actions(first:10){ totalCount edges{ node{ title health leadUnit{ id } objective{ id } resources{ status } indicators{ status }
				updates(first:5){ totalCount edges{ node{ progressPercent evidence note action{ id } } } } } } }
			disseminations{ unit{ id } } progress{ actionsTotal actionsByStatus{ status count } completionPercent actionsOverdue
				budget{ currency required secured gap } indicatorsAchieved indicatorsNotMeasured } } } }`, map[string]any{"p": plan}).OK()
		if r.Str("node.status") != "ADOPTED" || r.Num("node.actions.totalCount") != 1 || r.Str("node.actions.edges.0.node.title") != "Train the trainers" ||
			r.Str("node.actions.edges.0.node.health") != "GREEN" || r.Num("node.actions.edges.0.node.updates.totalCount") != 1 ||
			r.Str("node.actions.edges.0.node.updates.edges.0.node.evidence.0") != "e.pdf" || r.Str("node.actions.edges.0.node.updates.edges.0.node.action.id") != act ||
			r.Str("node.objectives.0.actions.0.id") != act || r.Len("node.progress.actionsByStatus") != 5 || r.Num("node.progress.actionsByStatus.1.count") != 1 ||
			r.Str("node.progress.budget.0.currency") != "EUR" || r.Str("node.progress.budget.0.gap") != "750.5" || r.Num("node.progress.indicatorsAchieved") != 1 {
			t.Fatalf("plan read: %s", r.Raw)
		}
		r = e.gql(lead, `query($i:ID!){ node(id:$i){ ... on Institution { actionPlans(first:5){ totalCount edges{ node{ id } } }
			summary{ activePlans actionsTotal actionsCompleted actionsOverdue budget{ currency required } latestValidatedAssessment{ id } } } } }`, map[string]any{"i": inst}).OK()
		if r.Num("node.actionPlans.totalCount") != 1 || r.Num("node.summary.activePlans") != 1 || r.Num("node.summary.actionsTotal") != 1 ||
			r.Str("node.summary.budget.0.required") != "1000.5" || r.Get("node.summary.latestValidatedAssessment") != nil {
			t.Fatalf("institution: %s", r.Raw)
		}

		// Another institution's user: the plan and all below it do not exist.
		for _, id := range []string{plan, act, obj, ind, res} {
			if r := e.gql(stranger, `query($id:ID!){ node(id:$id){ id } }`, map[string]any{"id": id}).OK(); r.Get("node") != nil {
				t.Fatalf("stranger reads %s: %s", id, r.Raw)
			}
		}
		if got := e.planErrors(stranger, "createAction", planAction, map[string]any{"p": plan, "t": "x", "k": "OTHER"}); got != "NOT_FOUND@input.planId" {
			t.Fatalf("stranger createAction: %s", got)
		}
		if got := e.planErrors(stranger, "updateAction", upd, map[string]any{"a": act, "v": 3, "t": "x"}); got != "NOT_FOUND@input.id" {
			t.Fatalf("stranger updateAction: %s", got)
		}
		if r := e.gql("", planAction, map[string]any{"p": plan, "t": "x", "k": "OTHER"}); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("anonymous createAction: %s", r.Raw)
		}

		// Closing: only LEADERSHIP (or ADMIN); then nothing changes.
		if r := e.gql(coord, planClose, map[string]any{"p": plan}); r.Code() != "FORBIDDEN" {
			t.Fatalf("close by the coordinator: %s", r.Raw)
		}
		r = e.planMutate(lead, "closeActionPlan", planClose, map[string]any{"p": plan})
		if r.Str("closeActionPlan.plan.status") != "CLOSED" {
			t.Fatalf("closed: %s", r.Raw)
		}
		for _, c := range []struct{ payload, query string }{
			{"createAction", fmt.Sprintf(`mutation{ createAction(input:{planId:%q, title:"x", kind:OTHER}){ userErrors{code field} } }`, plan)},
			{"updateAction", fmt.Sprintf(`mutation{ updateAction(input:{id:%q, expectedVersion:3, title:"x"}){ userErrors{code field} } }`, act)},
			{"createObjective", fmt.Sprintf(`mutation{ createObjective(input:{planId:%q, title:"x"}){ userErrors{code field} } }`, plan)},
			{"updateActionPlan", fmt.Sprintf(`mutation{ updateActionPlan(input:{id:%q, expectedVersion:3, title:"x"}){ userErrors{code field} } }`, plan)},
			{"updateResourceRequirement", fmt.Sprintf(`mutation{ updateResourceRequirement(input:{id:%q, expectedVersion:1, amountSecured:"1000.5"}){ userErrors{code field} } }`, res)},
			{"createIndicator", fmt.Sprintf(`mutation{ createIndicator(input:{actionId:%q, name:"x", level:OUTPUT, target:1}){ userErrors{code field} } }`, act)},
			{"recordMeasurement", fmt.Sprintf(`mutation{ recordMeasurement(input:{indicatorId:%q, value:1, measuredOn:"2026-06-10"}){ userErrors{code field} } }`, ind)},
			{"recordDissemination", fmt.Sprintf(`mutation{ recordDissemination(input:{planId:%q, unitId:%q, date:"2026-06-10", method:CIRCULAR}){ userErrors{code field} } }`, plan, hq)},
			{"recordProgress", fmt.Sprintf(`mutation{ recordProgress(input:{actionId:%q, status:COMPLETED, progressPercent:100}){ userErrors{code field} } }`, act)},
			{"adoptActionPlan", fmt.Sprintf(`mutation{ adoptActionPlan(input:{planId:%q}){ userErrors{code field} } }`, plan)},
			{"closeActionPlan", fmt.Sprintf(`mutation{ closeActionPlan(input:{planId:%q}){ userErrors{code field} } }`, plan)},
		} {
			got := e.planErrors(admin, c.payload, c.query, nil)
			if !strings.HasPrefix(got, "INVALID_STATE@") || strings.Contains(got, " ") {
				t.Fatalf("%s after closing: %q", c.payload, got)
			}
		}
		r = e.gql(admin, `query($i:ID!){ auditEvents(filter:{institutionId:$i}, first:100){ edges{ node{ operation } } } }`, map[string]any{"i": inst}).OK()
		ops := map[string]int{}
		for i := 0; i < r.Len("auditEvents.edges"); i++ {
			ops[r.Str(fmt.Sprintf("auditEvents.edges.%d.node.operation", i))]++
		}
		for op, n := range map[string]int{"createActionPlan": 1, "createObjective": 1, "createAction": 1, "addResourceRequirement": 1, "createIndicator": 1,
			"adoptActionPlan": 1, "recordProgress": 1, "recordMeasurement": 1, "recordDissemination": 1, "updateAction": 1, "closeActionPlan": 1} {
			if ops[op] != n {
				t.Fatalf("audit events %v: want %d %s", ops, n, op)
			}
		}
	}, withAdmin)
}

// TestPlanDraftFromFindings drafts a plan from an assessment's findings.
func TestPlanDraftFromFindings(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		admin := e.admin()
		inst := e.mkInstitution(admin, "National Police")
		other := e.mkInstitution(admin, "National Gendarmerie")
		// Plans address the findings of validated assessments only.
		f := &fixture{e: e, admin: admin}
		assess := func(inst string) string { return asmTarget(f, inst, "SUBMITTED") }
		a := assess(inst)
		var findings []string
		for _, title := range []string{"No confidential interview rooms", "No written GBV procedure"} {
			r := e.planMutate(admin, "addFinding", `mutation($a:ID!,$t:String!){ addFinding(input:{assessmentId:$a, areaKey:"only", title:$t, category:STRUCTURE, severity:HIGH}){ finding{ id } userErrors{code field message} } }`,
				map[string]any{"a": a, "t": title})
			findings = append(findings, r.Str("addFinding.finding.id"))
		}
		if got := e.planErrors(admin, "createActionPlan", planCreate, map[string]any{"i": inst, "t": "P", "s": "2026-01-01", "e": "2026-12-31", "src": a, "d": true}); got != "INVALID_STATE@input.sourceAssessmentId" {
			t.Fatalf("source not validated yet: %s", got)
		}
		e.planMutate(admin, "validateAssessment", `mutation($a:ID!){ validateAssessment(input:{assessmentId:$a}){ assessment{ status } userErrors{code field message} } }`, map[string]any{"a": a})
		foreign := assess(other)
		if got := e.planErrors(admin, "createActionPlan", planCreate, map[string]any{"i": inst, "t": "P", "s": "2026-01-01", "e": "2026-12-31", "src": foreign, "d": true}); got != "INVALID@input.sourceAssessmentId" {
			t.Fatalf("foreign source: %s", got)
		}
		r := e.planMutate(admin, "createActionPlan", planCreate, map[string]any{"i": inst, "t": "From the baseline", "s": "2026-01-01", "e": "2026-12-31", "src": a, "d": true})
		if r.Len("createActionPlan.plan.objectives") != 2 || r.Str("createActionPlan.plan.objectives.0.title") != "No confidential interview rooms" ||
			r.Str("createActionPlan.plan.objectives.1.findings.0.id") != findings[1] {
			t.Fatalf("drafted objectives: %s", r.Raw)
		}
		plan := r.Str("createActionPlan.plan.id")
		obj := r.Str("createActionPlan.plan.objectives.0.id")
		// An action may address a finding too; the finding knows both.
		r = e.planMutate(admin, "createAction", `mutation($p:ID!,$f:ID!){ createAction(input:{planId:$p, title:"Rooms", kind:INFRASTRUCTURE, findingIds:[$f]}){ action{ id findings{ id } } userErrors{code field} } }`,
			map[string]any{"p": plan, "f": findings[0]})
		act := r.Str("createAction.action.id")
		r = e.gql(admin, `query($f:ID!){ node(id:$f){ ... on Finding { addressedByObjectives{ id } addressedByActions{ id } } } }`, map[string]any{"f": findings[0]}).OK()
		if r.Str("node.addressedByObjectives.0.id") != obj || r.Str("node.addressedByActions.0.id") != act {
			t.Fatalf("finding links: %s", r.Raw)
		}
		r = e.gql(admin, `query($p:ID!){ node(id:$p){ ... on ActionPlan { sourceAssessment{ id } } } }`, map[string]any{"p": plan}).OK()
		if r.Str("node.sourceAssessment.id") != a {
			t.Fatalf("source assessment: %s", r.Raw)
		}
		// A finding of an assessment that is not validated yet may still be
		// regenerated, so no plan may address it.
		later := assess(inst)
		r = e.planMutate(admin, "addFinding", `mutation($a:ID!){ addFinding(input:{assessmentId:$a, areaKey:"only", title:"Pending", category:POLICY, severity:LOW}){ finding{ id } userErrors{code field message} } }`,
			map[string]any{"a": later})
		pending := r.Str("addFinding.finding.id")
		if got := e.planErrors(admin, "createAction", `mutation($p:ID!,$f:ID!){ createAction(input:{planId:$p, title:"X", kind:OTHER, findingIds:[$f]}){ action{ id } userErrors{code field} } }`,
			map[string]any{"p": plan, "f": pending}); got != "INVALID@input.findingIds.0" {
			t.Fatalf("finding of a submitted assessment: %s", got)
		}
	}, withAdmin)
}

// TestPlanReadCostsConstantStatements reads a plan with all its actions,
// their lead units, resources, indicators and latest update, and counts
// the SQL statements: 300 actions must cost what 10 do.
func TestPlanReadCostsConstantStatements(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		admin := e.admin()
		inst := e.mkInstitution(admin, "National Police")
		unit := e.mkUnit(admin, inst, "", "Headquarters")
		r := e.planMutate(admin, "createPartner", `mutation{ createPartner(input:{name:"UN Women", kind:UN_AGENCY}){ partner{ id } userErrors{code field} } }`, nil)
		partner := r.Str("createPartner.partner.id")
		build := func(n int) string {
			r := e.planMutate(admin, "createActionPlan", planCreate, map[string]any{"i": inst, "t": fmt.Sprintf("Plan %d", n), "s": "2026-01-01", "e": "2027-12-31"})
			plan := r.Str("createActionPlan.plan.id")
			// Many mutations per request, by alias.
			batch := func(n int, one func(i int) string) *resp {
				var b strings.Builder
				b.WriteString("mutation{")
				for i := 0; i < n; i++ {
					b.WriteString(" " + one(i))
				}
				b.WriteString(" }")
				r := e.gql(admin, b.String(), nil).OK()
				if strings.Contains(string(r.Raw), `"code"`) {
					t.Fatalf("batch: %.500s", r.Raw)
				}
				return r
			}
			var actions []string
			for start := 0; start < n; start += 100 {
				k := min(100, n-start)
				r := batch(k, func(i int) string {
					return fmt.Sprintf(`m%d: createAction(input:{planId:%q, title:"Action %d", kind:TRAINING, leadUnitId:%q, supportingUnitIds:[%q], partnerIds:[%q], startDate:"2026-02-01", dueDate:"2026-12-31"}){ action{ id } userErrors{code} }`,
						i, plan, start+i, unit, unit, partner)
				})
				for i := 0; i < k; i++ {
					actions = append(actions, r.Str(fmt.Sprintf("m%d.action.id", i)))
				}
			}
			for start := 0; start < n; start += 100 {
				k := min(100, n-start)
				batch(k, func(i int) string {
					a := actions[start+i]
					return fmt.Sprintf(`r%[1]d: addResourceRequirement(input:{actionId:%[2]q, kind:BUDGET, description:"B", amountRequired:"100.25", currency:"XOF"}){ userErrors{code} }
						q%[1]d: addResourceRequirement(input:{actionId:%[2]q, kind:EQUIPMENT, description:"E", quantityRequired:2}){ userErrors{code} }
						i%[1]d: createIndicator(input:{actionId:%[2]q, name:"I", level:OUTPUT, target:10}){ userErrors{code} }`, i, a)
				})
			}
			e.planMutate(admin, "adoptActionPlan", planAdopt, map[string]any{"p": plan})
			for start := 0; start < n; start += 100 {
				k := min(100, n-start)
				batch(k, func(i int) string {
					a := actions[start+i]
					return fmt.Sprintf(`p%[1]d: recordProgress(input:{actionId:%[2]q, status:IN_PROGRESS, progressPercent:10}){ userErrors{code} }
						u%[1]d: recordProgress(input:{actionId:%[2]q, status:IN_PROGRESS, progressPercent:20}){ userErrors{code} }`, i, a)
				})
			}
			return plan
		}
		query := `query($p:ID!){ node(id:$p){ ... on ActionPlan { title progress{ actionsTotal budget{ currency required } indicatorsNotMeasured }
			objectives{ id } disseminations{ id }
			actions(first:500){ totalCount edges{ node{ id title health plan{ id } leadUnit{ name } supportingUnits{ id } partners{ name } findings{ id }
				resources{ kind status amountRequired provider{ id } action{ id } } indicators{ name status latest{ value } measurements{ id } }
				updates(first:1){ totalCount edges{ node{ progressPercent author{ email } } } } } } } } } }`
		cost := func(plan string, n int) int64 {
			before := e.srv.DB.Queries()
			r := e.gql(admin, query, map[string]any{"p": plan}).OK()
			used := e.srv.DB.Queries() - before
			if r.Num("node.actions.totalCount") != float64(n) || r.Len("node.actions.edges") != n || r.Num("node.progress.actionsTotal") != float64(n) ||
				r.Num(fmt.Sprintf("node.actions.edges.%d.node.updates.edges.0.node.progressPercent", n-1)) != 20 ||
				r.Str(fmt.Sprintf("node.actions.edges.%d.node.leadUnit.name", n-1)) != "Headquarters" {
				t.Fatalf("read of %d actions: %.1000s", n, r.Raw)
			}
			return used
		}
		small, large := build(10), build(300)
		cs, cl := cost(small, 10), cost(large, 300)
		t.Logf("statements: 10 actions %d, 300 actions %d", cs, cl)
		if cl > cs {
			t.Fatalf("reading 300 actions took %d statements, 10 took %d: the count grows with the data", cl, cs)
		}
	}, withAdmin, func(c *app.Config) { c.RolePoll = time.Hour }) // no background role polls among the counted statements
}

// TestPlanDemo loads the demo data: the police plan is ADOPTED with every
// health colour, unfunded actions and an action without a lead unit; the
// gendarmerie's plan is a DRAFT.
func TestPlanDemo(t *testing.T) {
	t.Parallel()
	for _, today := range []time.Time{time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)} {
		t.Run(today.Format(time.DateOnly), func(t *testing.T) {
			each(t, func(t *testing.T, e *env) {
				tok := e.login("coordinator@demo.gendertrack.org", "gendertrack-demo")
				r := e.gql(tok, `query{ institutions(first:5){ edges{ node{ acronym summary{ activePlans actionsTotal actionsOverdue budget{ currency required secured gap } latestValidatedAssessment{ id } }
					actionPlans(first:5){ edges{ node{ status sourceAssessment{ id } disseminations{ unit{ name } }
						progress{ actionsTotal actionsByStatus{ status count } budget{ currency gap } indicatorsNotMeasured indicatorsOnTrack indicatorsOffTrack indicatorsAchieved }
						objectives{ title findings{ id } indicators{ level status } }
						actions(first:50){ edges{ node{ title health status leadUnit{ name } resources{ status } updates(first:1){ totalCount } } } } } } } } } } }`, nil).OK()
				if r.Str("institutions.edges.0.node.acronym") != "NP" || r.Num("institutions.edges.0.node.summary.activePlans") != 1 {
					t.Fatalf("police summary: %.2000s", r.Raw)
				}
				plan := "institutions.edges.0.node.actionPlans.edges.0.node."
				if r.Str(plan+"status") != "ADOPTED" || r.Str(plan+"sourceAssessment.id") == "" || r.Len(plan+"disseminations") != 3 {
					t.Fatalf("police plan: %.2000s", r.Raw)
				}
				health, funding, noLead := map[string]int{}, map[string]int{}, 0
				n := r.Len(plan + "actions.edges")
				for i := 0; i < n; i++ {
					a := fmt.Sprintf("%sactions.edges.%d.node.", plan, i)
					health[r.Str(a+"health")]++
					if r.Get(a+"leadUnit") == nil {
						noLead++
					}
					for j := 0; j < r.Len(a+"resources"); j++ {
						funding[r.Str(fmt.Sprintf("%sresources.%d.status", a, j))]++
					}
				}
				for _, c := range []string{"GREY", "GREEN", "AMBER", "RED", "BLUE"} {
					if health[c] == 0 {
						t.Fatalf("no %s action in the demo plan: %v", c, health)
					}
				}
				if noLead != 1 || funding["UNSECURED"] == 0 || funding["PARTIAL"] == 0 || funding["SECURED"] == 0 {
					t.Fatalf("demo plan: %d without lead unit, funding %v", noLead, funding)
				}
				if r.Len(plan+"progress.budget") != 2 || r.Str(plan+"progress.budget.0.currency") != "EUR" || r.Str(plan+"progress.budget.1.currency") != "XOF" {
					t.Fatalf("demo budget: %.2000s", r.Raw)
				}
				outputsOnly := false
				for i := 0; i < r.Len(plan+"objectives"); i++ {
					o := fmt.Sprintf("%sobjectives.%d.", plan, i)
					only := r.Len(o+"indicators") > 0
					for j := 0; j < r.Len(o+"indicators"); j++ {
						if r.Str(fmt.Sprintf("%sindicators.%d.level", o, j)) != "OUTPUT" {
							only = false
						}
					}
					outputsOnly = outputsOnly || only
				}
				if !outputsOnly {
					t.Fatal("no objective with only OUTPUT indicators")
				}
				g := e.login("gendarmerie@demo.gendertrack.org", "gendertrack-demo")
				r = e.gql(g, `query{ institutions(first:5){ edges{ node{ acronym actionPlans(first:5){ edges{ node{ status actions(first:10){ totalCount } } } } } } } }`, nil).OK()
				if r.Str("institutions.edges.0.node.acronym") != "NG" || r.Str("institutions.edges.0.node.actionPlans.edges.0.node.status") != "DRAFT" {
					t.Fatalf("gendarmerie plan: %s", r.Raw)
				}
			}, func(c *app.Config) {
				c.Demo = true
				c.Now = func() time.Time { return today }
			})
		})
	}
}

// planTarget makes, as admin, a plan of inst in the given state with one
// action, and returns the plan and action IDs.
func planTarget(f *fixture, inst, state string) (plan, action string) {
	e := f.e
	r := e.planMutate(f.admin, "createActionPlan", planCreate, map[string]any{"i": inst, "t": f.uniq("Plan"), "s": "2026-01-01", "e": "2026-12-31"})
	plan = r.Str("createActionPlan.plan.id")
	r = e.planMutate(f.admin, "createAction", planAction, map[string]any{"p": plan, "t": "Action", "k": "TRAINING"})
	action = r.Str("createAction.action.id")
	if state != "DRAFT" {
		e.planMutate(f.admin, "adoptActionPlan", planAdopt, map[string]any{"p": plan})
	}
	return plan, action
}

// The plan mutations' rows of the authorization matrix
// (TestAuthorizationMatrix in e2e_access_test.go).
func init() {
	ue := "userErrors{code field}"
	matrix["createActionPlan"] = matrixOp{"EditPlan", "createActionPlan", func(f *fixture, w who, inst string) *resp {
		return f.e.gql(w.token, planCreate, map[string]any{"i": inst, "t": f.uniq("Plan"), "s": "2026-01-01", "e": "2026-12-31"})
	}}
	matrix["updateActionPlan"] = matrixOp{"EditPlan", "updateActionPlan", func(f *fixture, w who, inst string) *resp {
		p, _ := planTarget(f, inst, "DRAFT")
		return f.e.gql(w.token, `mutation($p:ID!){ updateActionPlan(input:{id:$p, expectedVersion:1, title:"Renamed"}){ `+ue+` } }`, map[string]any{"p": p})
	}}
	matrix["adoptActionPlan"] = matrixOp{"AdoptPlan", "adoptActionPlan", func(f *fixture, w who, inst string) *resp {
		p, _ := planTarget(f, inst, "DRAFT")
		return f.e.gql(w.token, planAdopt, map[string]any{"p": p})
	}}
	matrix["closeActionPlan"] = matrixOp{"AdoptPlan", "closeActionPlan", func(f *fixture, w who, inst string) *resp {
		p, _ := planTarget(f, inst, "ADOPTED")
		return f.e.gql(w.token, planClose, map[string]any{"p": p})
	}}
	matrix["createObjective"] = matrixOp{"EditPlan", "createObjective", func(f *fixture, w who, inst string) *resp {
		p, _ := planTarget(f, inst, "DRAFT")
		return f.e.gql(w.token, `mutation($p:ID!){ createObjective(input:{planId:$p, title:"O"}){ `+ue+` } }`, map[string]any{"p": p})
	}}
	matrix["updateObjective"] = matrixOp{"EditPlan", "updateObjective", func(f *fixture, w who, inst string) *resp {
		p, _ := planTarget(f, inst, "DRAFT")
		r := f.e.planMutate(f.admin, "createObjective", `mutation($p:ID!){ createObjective(input:{planId:$p, title:"O"}){ objective{ id } `+ue+` } }`, map[string]any{"p": p})
		return f.e.gql(w.token, `mutation($o:ID!){ updateObjective(input:{id:$o, expectedVersion:1, title:"O2"}){ `+ue+` } }`, map[string]any{"o": r.Str("createObjective.objective.id")})
	}}
	matrix["createAction"] = matrixOp{"EditPlan", "createAction", func(f *fixture, w who, inst string) *resp {
		p, _ := planTarget(f, inst, "DRAFT")
		return f.e.gql(w.token, planAction, map[string]any{"p": p, "t": "A", "k": "OTHER"})
	}}
	matrix["updateAction"] = matrixOp{"EditPlan", "updateAction", func(f *fixture, w who, inst string) *resp {
		_, a := planTarget(f, inst, "DRAFT")
		return f.e.gql(w.token, `mutation($a:ID!){ updateAction(input:{id:$a, expectedVersion:1, title:"A2"}){ `+ue+` } }`, map[string]any{"a": a})
	}}
	matrix["recordProgress"] = matrixOp{"RecordProgress", "recordProgress", func(f *fixture, w who, inst string) *resp {
		_, a := planTarget(f, inst, "ADOPTED")
		return f.e.gql(w.token, planProgress, map[string]any{"a": a, "s": "IN_PROGRESS", "p": 10})
	}}
	matrix["addResourceRequirement"] = matrixOp{"EditPlan", "addResourceRequirement", func(f *fixture, w who, inst string) *resp {
		_, a := planTarget(f, inst, "DRAFT")
		return f.e.gql(w.token, `mutation($a:ID!){ addResourceRequirement(input:{actionId:$a, kind:PERSONNEL, description:"Staff", quantityRequired:2}){ `+ue+` } }`, map[string]any{"a": a})
	}}
	matrix["updateResourceRequirement"] = matrixOp{"EditPlan", "updateResourceRequirement", func(f *fixture, w who, inst string) *resp {
		_, a := planTarget(f, inst, "DRAFT")
		r := f.e.planMutate(f.admin, "addResourceRequirement", `mutation($a:ID!){ addResourceRequirement(input:{actionId:$a, kind:BUDGET, description:"Money", amountRequired:"10", currency:"XOF"}){ resource{ id } `+ue+` } }`, map[string]any{"a": a})
		return f.e.gql(w.token, `mutation($r:ID!){ updateResourceRequirement(input:{id:$r, expectedVersion:1, amountSecured:"5"}){ `+ue+` } }`, map[string]any{"r": r.Str("addResourceRequirement.resource.id")})
	}}
	matrix["createIndicator"] = matrixOp{"EditPlan", "createIndicator", func(f *fixture, w who, inst string) *resp {
		_, a := planTarget(f, inst, "DRAFT")
		return f.e.gql(w.token, `mutation($a:ID!){ createIndicator(input:{actionId:$a, name:"I", level:OUTPUT, target:3}){ `+ue+` } }`, map[string]any{"a": a})
	}}
	matrix["updateIndicator"] = matrixOp{"EditPlan", "updateIndicator", func(f *fixture, w who, inst string) *resp {
		_, a := planTarget(f, inst, "DRAFT")
		r := f.e.planMutate(f.admin, "createIndicator", `mutation($a:ID!){ createIndicator(input:{actionId:$a, name:"I", level:OUTPUT, target:3}){ indicator{ id } `+ue+` } }`, map[string]any{"a": a})
		return f.e.gql(w.token, `mutation($i:ID!){ updateIndicator(input:{id:$i, expectedVersion:1, target:4, disaggregation:[{kind:SEX}]}){ `+ue+` } }`, map[string]any{"i": r.Str("createIndicator.indicator.id")})
	}}
	matrix["recordMeasurement"] = matrixOp{"RecordProgress", "recordMeasurement", func(f *fixture, w who, inst string) *resp {
		_, a := planTarget(f, inst, "ADOPTED")
		r := f.e.planMutate(f.admin, "createIndicator", `mutation($a:ID!){ createIndicator(input:{actionId:$a, name:"I", level:OUTPUT, target:3}){ indicator{ id } `+ue+` } }`, map[string]any{"a": a})
		return f.e.gql(w.token, `mutation($i:ID!){ recordMeasurement(input:{indicatorId:$i, value:1, measuredOn:"2026-05-01"}){ `+ue+` } }`, map[string]any{"i": r.Str("createIndicator.indicator.id")})
	}}
	matrix["recordDissemination"] = matrixOp{"EditPlan", "recordDissemination", func(f *fixture, w who, inst string) *resp {
		p, _ := planTarget(f, inst, "ADOPTED")
		u := f.e.mkUnit(f.admin, inst, "", f.uniq("Unit"))
		return f.e.gql(w.token, `mutation($p:ID!,$u:ID!){ recordDissemination(input:{planId:$p, unitId:$u, date:"2026-03-01", method:BRIEFING}){ `+ue+` } }`, map[string]any{"p": p, "u": u})
	}}
}
