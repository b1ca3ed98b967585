package app_test

import (
	"context"
	"sort"
	"testing"

	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/demo"
)

// TestEveryMutationAdvancesTheDataVersion runs every mutation of
// authz.Operations (and login and logout) once, successfully, and checks
// that each one moves the data version that the response cache and the
// gap-flag cache trust: a mutation that left it where it was would let an
// instance serve an answer older than the change. A mutation added to
// authz.Operations without a step here fails the test.
func TestEveryMutationAdvancesTheDataVersion(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.admin()
		ids := map[string]string{}
		versions := map[string]float64{}
		type step struct {
			op, query string
			vars      func() map[string]any
			// keep names the payload paths to remember: name -> path
			keep map[string]string
			tok  func() string
			// send, when set, sends the request instead of query (a
			// multipart upload).
			send func(tok string) *resp
		}
		v := func(m map[string]any) func() map[string]any { return func() map[string]any { return m } }
		steps := []step{
			{op: "createInstitution", query: `mutation{ createInstitution(input:{name:"Police nationale", sector:POLICE, country:"ml"}){ institution{ id version } userErrors{ code field } } }`,
				keep: map[string]string{"inst": "createInstitution.institution.id", "instV": "createInstitution.institution.version"}},
			{op: "updateInstitution", query: `mutation($i:ID!,$v:Int!){ updateInstitution(input:{id:$i, expectedVersion:$v, acronym:"PN"}){ institution{ id } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"i": ids["inst"], "v": versions["instV"]} }},
			{op: "createUnit", query: `mutation($i:ID!){ createUnit(input:{institutionId:$i, name:"Academy", kind:HEADQUARTERS}){ unit{ id version } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"i": ids["inst"]} }, keep: map[string]string{"unit": "createUnit.unit.id", "unitV": "createUnit.unit.version"}},
			{op: "updateUnit", query: `mutation($u:ID!,$v:Int!){ updateUnit(input:{id:$u, expectedVersion:$v, genderFocalPoint:"Capt. A. Diallo"}){ unit{ id } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"u": ids["unit"], "v": versions["unitV"]} }},
			{op: "createPartner", query: `mutation{ createPartner(input:{name:"UN Women", kind:UN_AGENCY}){ partner{ id } userErrors{ code field } } }`},
			{op: "createUser", query: `mutation{ createUser(input:{email:"member@police.example.org", name:"Member", password:"a-password-1"}){ user{ id } userErrors{ code field } } }`,
				keep: map[string]string{"user": "createUser.user.id"}},
			{op: "grantRole", query: `mutation($u:ID!,$i:ID){ grantRole(input:{userId:$u, role:COMMITTEE_MEMBER, institutionId:$i}){ user{ id } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"u": ids["user"], "i": ids["inst"]} }},
			{op: "revokeRole", query: `mutation($u:ID!,$i:ID){ revokeRole(input:{userId:$u, role:COMMITTEE_MEMBER, institutionId:$i}){ user{ id } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"u": ids["user"], "i": ids["inst"]} }},
			{op: "createApiKey", query: `mutation($i:ID!){ createApiKey(input:{name:"Donor dashboard", role:PARTNER, institutionIds:[$i]}){ id secret userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"i": ids["inst"]} }, keep: map[string]string{"key": "createApiKey.id"}},
			{op: "revokeApiKey", query: `mutation($k:ID!){ revokeApiKey(input:{id:$k}){ ok userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"k": ids["key"]} }},
			{op: "importQuestionnaire", query: asmImport, vars: v(map[string]any{"d": asmDoc})},
			{op: "createAssessment", query: asmCreate, vars: func() map[string]any {
				return map[string]any{"i": ids["inst"], "k": "e2e-small", "t": "Self-assessment 2025"}
			},
				keep: map[string]string{"asm": "createAssessment.assessment.id"}},
			{op: "saveResponses", query: asmSave, vars: func() map[string]any {
				return map[string]any{"a": ids["asm"], "r": []any{
					map[string]any{"questionKey": "policy", "boolValue": false}, map[string]any{"questionKey": "rate", "numberValue": 1},
					map[string]any{"questionKey": "pick", "choiceKeys": []string{"x"}}, map[string]any{"questionKey": "notes", "textValue": "Seen on visits"}}}
			}},
			{op: "addFinding", query: asmFinding, vars: func() map[string]any { return map[string]any{"a": ids["asm"], "area": "a"} },
				keep: map[string]string{"finding": "addFinding.finding.id"}},
			{op: "submitAssessment", query: asmSubmit, vars: func() map[string]any { return map[string]any{"a": ids["asm"]} }},
			{op: "reopenAssessment", query: asmReopen, vars: func() map[string]any { return map[string]any{"a": ids["asm"], "why": "Add the training records"} }},
			{op: "submitAssessment", query: asmSubmit, vars: func() map[string]any { return map[string]any{"a": ids["asm"]} }},
			{op: "validateAssessment", query: asmValidate, vars: func() map[string]any { return map[string]any{"a": ids["asm"]} }},
			{op: "createActionPlan", query: planCreate, vars: func() map[string]any {
				return map[string]any{"i": ids["inst"], "t": "Gender action plan", "s": "2026-01-01", "e": "2027-12-31"}
			}, keep: map[string]string{"plan": "createActionPlan.plan.id", "planV": "createActionPlan.plan.version"}},
			{op: "updateActionPlan", query: `mutation($p:ID!,$v:Int!){ updateActionPlan(input:{id:$p, expectedVersion:$v, title:"Gender action plan 2026-2027"}){ plan{ id } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"p": ids["plan"], "v": versions["planV"]} }},
			{op: "createObjective", query: `mutation($p:ID!){ createObjective(input:{planId:$p, title:"Capacity"}){ objective{ id version } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"p": ids["plan"]} }, keep: map[string]string{"obj": "createObjective.objective.id", "objV": "createObjective.objective.version"}},
			{op: "updateObjective", query: `mutation($o:ID!,$v:Int!){ updateObjective(input:{id:$o, expectedVersion:$v, description:"Trained trainers in every region"}){ objective{ id } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"o": ids["obj"], "v": versions["objV"]} }},
			{op: "createAction", query: planAction, vars: func() map[string]any {
				return map[string]any{"p": ids["plan"], "t": "Train trainers", "k": "TRAINING", "u": ids["unit"], "o": ids["obj"], "s": "2026-02-01", "d": "2026-12-31"}
			}, keep: map[string]string{"act": "createAction.action.id", "actV": "createAction.action.version"}},
			{op: "updateAction", query: `mutation($a:ID!,$v:Int!){ updateAction(input:{id:$a, expectedVersion:$v, accountable:"Director of training"}){ action{ id } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"a": ids["act"], "v": versions["actV"]} }},
			{op: "addResourceRequirement", query: `mutation($a:ID!){ addResourceRequirement(input:{actionId:$a, kind:BUDGET, description:"Venue", amountRequired:"1000.50", currency:"XOF"}){ resource{ id version } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"a": ids["act"]} }, keep: map[string]string{"res": "addResourceRequirement.resource.id", "resV": "addResourceRequirement.resource.version"}},
			{op: "updateResourceRequirement", query: `mutation($r:ID!,$v:Int!){ updateResourceRequirement(input:{id:$r, expectedVersion:$v, amountSecured:"250"}){ resource{ id } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"r": ids["res"], "v": versions["resV"]} }},
			{op: "createIndicator", query: `mutation($a:ID!){ createIndicator(input:{actionId:$a, name:"Trainers", level:OUTCOME, baseline:0, target:20}){ indicator{ id version } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"a": ids["act"]} }, keep: map[string]string{"ind": "createIndicator.indicator.id", "indV": "createIndicator.indicator.version"}},
			{op: "updateIndicator", query: `mutation($i:ID!,$v:Int!){ updateIndicator(input:{id:$i, expectedVersion:$v, countsPeople:true, disaggregation:[{kind:SEX}], categoryTargets:[{dimension:"sex", category:"women", target:10}]}){ indicator{ id } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"i": ids["ind"], "v": versions["indV"]} }},
			{op: "adoptActionPlan", query: planAdopt, vars: func() map[string]any { return map[string]any{"p": ids["plan"]} }},
			{op: "recordProgress", query: planProgress, vars: func() map[string]any { return map[string]any{"a": ids["act"], "s": "IN_PROGRESS", "p": 10} },
				keep: map[string]string{"upd": "recordProgress.update.id"}},
			{op: "attachEvidence", send: func(tok string) *resp { return e.attach(tok, ids["upd"], "sheet.pdf", demo.PDF("Attendance")) },
				keep: map[string]string{"file": "attachEvidence.file.id"}},
			{op: "removeEvidence", query: evRemove, vars: func() map[string]any { return map[string]any{"f": ids["file"]} }},
			{op: "recordMeasurement", query: `mutation($i:ID!){ recordMeasurement(input:{indicatorId:$i, value:4, measuredOn:"2026-05-01"}){ measurement{ id } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"i": ids["ind"]} }},
			{op: "recordDissemination", query: `mutation($p:ID!,$u:ID!){ recordDissemination(input:{planId:$p, unitId:$u, date:"2026-03-01", method:BRIEFING}){ dissemination{ id } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"p": ids["plan"], "u": ids["unit"]} }},
			{op: "raiseGapFlag", query: `mutation($i:ID!){ raiseGapFlag(input:{institutionId:$i, category:RESOURCES, severity:HIGH, message:"No room to hear survivors"}){ flag{ id } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"i": ids["inst"]} }, keep: map[string]string{"flag": "raiseGapFlag.flag.id"}},
			{op: "setGapFlagState", query: `mutation($f:ID!){ setGapFlagState(input:{id:$f, state:ACKNOWLEDGED}){ flag{ id } userErrors{ code field } } }`,
				vars: func() map[string]any { return map[string]any{"f": ids["flag"]} }},
			{op: "closeActionPlan", query: planClose, vars: func() map[string]any { return map[string]any{"p": ids["plan"]} }},
			{op: "logout", query: `mutation{ logout{ ok userErrors{ code field } } }`, tok: func() string { return e.login(adminEmail, adminPassword) }},
		}
		covered := map[string]bool{}
		for _, s := range steps {
			tok := admin
			if s.tok != nil {
				tok = s.tok()
			}
			var vars map[string]any
			if s.vars != nil {
				vars = s.vars()
			}
			g0, a0, err := e.srv.DB.DataVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var r *resp
			if s.send != nil {
				r = s.send(tok).OK()
			} else {
				r = e.gql(tok, s.query, vars).OK()
			}
			if ue := r.UserErrors(s.op); len(ue) > 0 {
				t.Fatalf("%s: %v", s.op, ue)
			}
			for name, path := range s.keep {
				switch x := r.Get(path).(type) {
				case string:
					ids[name] = x
				case float64:
					versions[name] = x
				default:
					t.Fatalf("%s: nothing at %s: %s", s.op, path, r.Raw)
				}
			}
			g1, a1, err := e.srv.DB.DataVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if g1 == g0 && a1 == a0 {
				t.Errorf("%s left the data version at (%d, %d)", s.op, g0, a0)
			}
			covered[s.op] = true
		}
		var missing []string
		for op := range authz.Operations {
			if !covered[op] {
				missing = append(missing, op)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Fatalf("mutations of authz.Operations without a step here: %v", missing)
		}
	}, withAdmin)
}
