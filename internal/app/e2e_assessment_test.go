package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/demo"
)

// ---------------------------------------------------------------- helpers

// asmDoc is a small questionnaire in English and French: two areas, a gap
// on the YES_NO and on the RATING question.
const asmDoc = `
key: e2e-small
version: 1
defaultLanguage: en
languages: [en, fr]
title: {en: Small check, fr: Petit contrôle}
areas:
  - key: a
    title: {en: Area A, fr: Domaine A}
    questions:
      - key: policy
        kind: YES_NO
        weight: 1
        text: {en: "Is there a policy?", fr: "Existe-t-il une politique ?"}
        gap: {category: POLICY, severity: HIGH, finding: {en: No policy, fr: Pas de politique}}
      - key: rate
        kind: RATING
        scale: 3
        weight: 2
        text: {en: Rate it, fr: Notez}
        gap: {below: 0.6, category: CAPACITY, severity: MEDIUM, finding: {en: Low rating, fr: Note basse}}
  - key: b
    title: {en: Area B, fr: Domaine B}
    questions:
      - key: pick
        kind: MULTIPLE_CHOICE
        text: {en: Pick, fr: Choisir}
        options:
          - {key: x, label: {en: Ex, fr: Iks}, score: 0.5}
          - {key: y, label: {en: Why, fr: Igrec}, score: 0.5}
      - key: notes
        kind: TEXT
        text: {en: Notes, fr: Remarques}
`

// asmWorld is two institutions, a user for every role in the first and a
// committee member of the second, and asmDoc imported.
type asmWorld struct {
	e       *env
	admin   string
	inst    string // the institution every role user belongs to
	other   string // an institution none of them belongs to
	tok     map[string]string
	outside string // COMMITTEE_MEMBER of other
}

func asmUser(e *env, admin, email, role, inst string) string {
	e.t.Helper()
	r := e.gql(admin, `mutation($e:String!){ createUser(input:{email:$e, name:"Person", password:"a-password-1"}){ user{ id } userErrors{code field} } }`,
		map[string]any{"e": email}).OK()
	uid := r.Str("createUser.user.id")
	if uid == "" {
		e.t.Fatalf("createUser: %s", r.Raw)
	}
	g := e.gql(admin, `mutation($u:ID!,$r:Role!,$i:ID){ grantRole(input:{userId:$u, role:$r, institutionId:$i}){ userErrors{code field} } }`,
		map[string]any{"u": uid, "r": role, "i": inst}).OK()
	if ue := g.UserErrors("grantRole"); len(ue) > 0 {
		e.t.Fatalf("grantRole: %v", ue)
	}
	return e.login(email, "a-password-1")
}

func asmNewWorld(t *testing.T, e *env) *asmWorld {
	t.Helper()
	w := &asmWorld{e: e, admin: e.admin(), tok: map[string]string{}}
	w.inst = e.mkInstitution(w.admin, "National Police")
	w.other = e.mkInstitution(w.admin, "National Gendarmerie")
	for _, role := range []string{"COORDINATOR", "COMMITTEE_MEMBER", "FOCAL_POINT", "LEADERSHIP", "PARTNER", "AUDITOR"} {
		w.tok[role] = asmUser(e, w.admin, strings.ToLower(role)+"@police.example.org", role, w.inst)
	}
	w.outside = asmUser(e, w.admin, "committee@gendarmerie.example.org", "COMMITTEE_MEMBER", w.other)
	r := e.gql(w.admin, asmImport, map[string]any{"d": asmDoc}).OK()
	if ue := r.UserErrors("importQuestionnaire"); len(ue) > 0 {
		t.Fatalf("import: %v", ue)
	}
	return w
}

// asmGQL is gql with an Accept-Language header.
func (e *env) asmGQL(token, lang, query string, vars map[string]any) *resp {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", e.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	return e.do(req)
}

const (
	asmImport = `mutation($d:String!){ importQuestionnaire(input:{document:$d}){
		questionnaire{ id key version questionCount } userErrors{ code field message } } }`
	asmCreate = `mutation($i:ID!,$k:String!,$t:String!){ createAssessment(input:{institutionId:$i, questionnaireKey:$k, title:$t, startDate:"2025-01-15", endDate:"2025-03-31"}){
		assessment{ id status version startDate endDate questionnaire{ key version } } userErrors{ code field message } } }`
	asmSave = `mutation($a:ID!,$r:[ResponseInput!]!){ saveResponses(input:{assessmentId:$a, responses:$r}){
		assessment{ id completion{ answered total requiredMissing } scores{ overall{ points maxPoints percent } areas{ area{ key } score{ percent } answered total } } }
		responses{ id version score notApplicable comment evidence choiceKeys question{ key } answeredBy{ email } }
		userErrors{ code field message } } }`
	asmSubmit   = `mutation($a:ID!,$why:String){ submitAssessment(input:{assessmentId:$a, reason:$why}){ assessment{ id status version submittedAt findings{ title origin category severity question{ key } area{ key } } } userErrors{ code field message } } }`
	asmValidate = `mutation($a:ID!){ validateAssessment(input:{assessmentId:$a}){ assessment{ id status version validatedAt validatedBy{ email } } userErrors{ code field message } } }`
	asmReopen   = `mutation($a:ID!,$why:String){ reopenAssessment(input:{assessmentId:$a, reason:$why}){ assessment{ id status version submittedAt } userErrors{ code field message } } }`
	asmFinding  = `mutation($a:ID!,$area:String!,$q:String){ addFinding(input:{assessmentId:$a, areaKey:$area, questionKey:$q, title:"Custody areas lack women officers", detail:"Seen on visits.", category:STRUCTURE, severity:HIGH}){
		finding{ id title origin area{ key } question{ key } assessment{ id } } userErrors{ code field message } } }`
	asmRead = `query($a:ID!){ node(id:$a){ ... on Assessment { id status title version
		completion{ answered total requiredMissing }
		scores{ overall{ points maxPoints percent } areas{ area{ key } score{ points maxPoints percent } answered total } }
		findings{ id title detail origin category severity area{ key title } question{ key } }
		responses{ totalCount edges{ node{ id question{ key } boolValue numberValue textValue choiceKeys comment evidence score version } } } } } }`
)

// asmCreate creates an assessment of asmDoc and returns its ID.
func (w *asmWorld) create(tok, key, title string) string {
	w.e.t.Helper()
	r := w.e.gql(tok, asmCreate, map[string]any{"i": w.inst, "k": key, "t": title}).OK()
	if ue := r.UserErrors("createAssessment"); len(ue) > 0 {
		w.e.t.Fatalf("createAssessment: %v %s", ue, r.Raw)
	}
	return r.Str("createAssessment.assessment.id")
}

// save runs saveResponses; mustSave also fails the test on any error.
func (w *asmWorld) save(tok, a string, responses ...map[string]any) *resp {
	w.e.t.Helper()
	if responses == nil {
		responses = []map[string]any{}
	}
	return w.e.gql(tok, asmSave, map[string]any{"a": a, "r": responses})
}

func (w *asmWorld) mustSave(tok, a string, responses ...map[string]any) *resp {
	w.e.t.Helper()
	r := w.save(tok, a, responses...).OK()
	if ue := r.UserErrors("saveResponses"); len(ue) > 0 {
		w.e.t.Fatalf("saveResponses: %v %s", ue, r.Raw)
	}
	return r
}

// asmAll answers every question of asmDoc: policy no, rate 1 of 3, pick x.
func asmAll() []map[string]any {
	return []map[string]any{
		{"questionKey": "policy", "boolValue": false, "comment": "Draft only", "evidence": []string{"Draft policy v2", "Interview with HR"}},
		{"questionKey": "rate", "numberValue": 1},
		{"questionKey": "pick", "choiceKeys": []string{"x"}},
		{"questionKey": "notes", "textValue": "Free text"},
	}
}

func asmUE(t *testing.T, r *resp, payload string, want ...string) {
	t.Helper()
	if got := r.UserErrors(payload); !slices.Equal(got, want) {
		t.Fatalf("%s userErrors = %v, want %v\n%s", payload, got, want, r.Raw)
	}
}

func asmCode(t *testing.T, r *resp, want string) {
	t.Helper()
	if got := r.Code(); got != want {
		t.Fatalf("error code = %q, want %q\n%s", got, want, r.Raw)
	}
}

func near(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

// ---------------------------------------------------------------- tests

func TestAssessmentLifeCycle(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := asmNewWorld(t, e)
		committee, lead := w.tok["COMMITTEE_MEMBER"], w.tok["LEADERSHIP"]

		r := e.gql(committee, asmCreate, map[string]any{"i": w.inst, "k": "e2e-small", "t": "Baseline 2025"}).OK()
		asmUE(t, r, "createAssessment")
		a := r.Str("createAssessment.assessment.id")
		if r.Str("createAssessment.assessment.status") != "DRAFT" || r.Str("createAssessment.assessment.startDate") != "2025-01-15" ||
			r.Str("createAssessment.assessment.endDate") != "2025-03-31" || r.Num("createAssessment.assessment.questionnaire.version") != 1 {
			t.Fatalf("created: %s", r.Raw)
		}
		r = e.gql(committee, asmCreate, map[string]any{"i": w.inst, "k": "nope", "t": "x"}).OK()
		asmUE(t, r, "createAssessment", "NOT_FOUND@input.questionnaireKey")

		// Submitting with required questions unanswered lists them.
		r = e.gql(committee, asmSubmit, map[string]any{"a": a}).OK()
		asmUE(t, r, "submitAssessment", "INVALID_STATE@input.assessmentId")
		if msg := r.Str("submitAssessment.userErrors.0.message"); !strings.Contains(msg, "policy, rate, pick") {
			t.Fatalf("message does not list the keys: %s", msg)
		}

		r = w.mustSave(committee, a, asmAll()...)
		p := "saveResponses.responses."
		if r.Len("saveResponses.responses") != 4 || r.Num(p+"0.version") != 1 || r.Num(p+"0.score") != 0 || !near(r.Num(p+"1.score"), 2.0/3) ||
			r.Get(p+"3.score") != nil || r.Str(p+"0.answeredBy.email") != "committee_member@police.example.org" ||
			r.Len(p+"0.evidence") != 2 || r.Len(p+"1.evidence") != 0 || r.Get(p+"1.choiceKeys") != nil || r.Str(p+"2.choiceKeys.0") != "x" {
			t.Fatalf("saved: %s", r.Raw)
		}
		s := "saveResponses.assessment."
		if r.Num(s+"completion.answered") != 4 || r.Num(s+"completion.total") != 4 || r.Len(s+"completion.requiredMissing") != 0 ||
			!near(r.Num(s+"scores.overall.points"), 0+2.0/3+0.5) || r.Num(s+"scores.overall.maxPoints") != 4 ||
			!near(r.Num(s+"scores.areas.1.score.percent"), 50) || r.Num(s+"scores.areas.0.answered") != 2 {
			t.Fatalf("scores: %s", r.Raw)
		}

		r = e.gql(committee, asmFinding, map[string]any{"a": a, "area": "a", "q": "policy"}).OK()
		asmUE(t, r, "addFinding")
		if r.Str("addFinding.finding.origin") != "MANUAL" || r.Str("addFinding.finding.question.key") != "policy" {
			t.Fatalf("manual finding: %s", r.Raw)
		}
		asmUE(t, e.gql(committee, asmFinding, map[string]any{"a": a, "area": "zzz"}).OK(), "addFinding", "NOT_FOUND@input.areaKey")
		asmUE(t, e.gql(committee, asmFinding, map[string]any{"a": a, "area": "a", "q": "zzz"}).OK(), "addFinding", "NOT_FOUND@input.questionKey")

		r = e.gql(committee, asmSubmit, map[string]any{"a": a}).OK()
		asmUE(t, r, "submitAssessment")
		if r.Str("submitAssessment.assessment.status") != "SUBMITTED" || r.Num("submitAssessment.assessment.version") != 2 ||
			r.Get("submitAssessment.assessment.submittedAt") == nil {
			t.Fatalf("submitted: %s", r.Raw)
		}
		titles := func(r *resp, path string) string {
			var out []string
			for i := 0; i < r.Len(path); i++ {
				out = append(out, r.Str(fmt.Sprintf("%s.%d.origin", path, i))+":"+r.Str(fmt.Sprintf("%s.%d.title", path, i)))
			}
			return strings.Join(out, ", ")
		}
		if got := titles(r, "submitAssessment.assessment.findings"); got != "MANUAL:Custody areas lack women officers, RULE:No policy, RULE:Low rating" {
			t.Fatalf("findings: %s", got)
		}

		// Forbidden transitions.
		asmUE(t, w.save(committee, a, map[string]any{"questionKey": "rate", "numberValue": 3}), "saveResponses", "INVALID_STATE@input.assessmentId")
		asmCode(t, e.gql(committee, asmValidate, map[string]any{"a": a}), "FORBIDDEN")
		asmUE(t, e.gql(lead, asmReopen, map[string]any{"a": a}).OK(), "reopenAssessment", "INVALID@input.reason")
		asmUE(t, e.gql(lead, asmReopen, map[string]any{"a": a, "why": "   "}).OK(), "reopenAssessment", "INVALID@input.reason")
		asmUE(t, e.gql(committee, asmSubmit, map[string]any{"a": a}).OK(), "submitAssessment", "INVALID_STATE@input.assessmentId")

		r = e.gql(lead, asmReopen, map[string]any{"a": a, "why": "The rating of area A was contested."}).OK()
		asmUE(t, r, "reopenAssessment")
		if r.Str("reopenAssessment.assessment.status") != "DRAFT" || r.Get("reopenAssessment.assessment.submittedAt") != nil {
			t.Fatalf("reopened: %s", r.Raw)
		}
		w.mustSave(committee, a, map[string]any{"questionKey": "rate", "numberValue": 3})
		r = e.gql(committee, asmSubmit, map[string]any{"a": a}).OK()
		asmUE(t, r, "submitAssessment")
		if got := titles(r, "submitAssessment.assessment.findings"); got != "MANUAL:Custody areas lack women officers, RULE:No policy" {
			t.Fatalf("findings after resubmission: %s", got)
		}

		r = e.gql(lead, asmValidate, map[string]any{"a": a}).OK()
		asmUE(t, r, "validateAssessment")
		if r.Str("validateAssessment.assessment.status") != "VALIDATED" || r.Str("validateAssessment.assessment.validatedBy.email") != "leadership@police.example.org" ||
			r.Get("validateAssessment.assessment.validatedAt") == nil || r.Num("validateAssessment.assessment.version") != 5 {
			t.Fatalf("validated: %s", r.Raw)
		}
		asmUE(t, e.gql(lead, asmValidate, map[string]any{"a": a}).OK(), "validateAssessment", "INVALID_STATE@input.assessmentId")
		asmUE(t, e.gql(lead, asmReopen, map[string]any{"a": a, "why": "again"}).OK(), "reopenAssessment", "INVALID_STATE@input.assessmentId")
		asmUE(t, e.gql(committee, asmFinding, map[string]any{"a": a, "area": "a"}).OK(), "addFinding", "INVALID_STATE@input.assessmentId")

		// Validating a DRAFT is refused.
		draft := w.create(committee, "e2e-small", "Follow-up 2026")
		asmUE(t, e.gql(lead, asmValidate, map[string]any{"a": draft}).OK(), "validateAssessment", "INVALID_STATE@input.assessmentId")

		// Listing by status; compareTo shows the change.
		w.mustSave(committee, draft, map[string]any{"questionKey": "policy", "boolValue": true}, map[string]any{"questionKey": "pick", "choiceKeys": []string{"x", "y"}})
		r = e.gql(lead, `query($i:ID!,$a:ID!,$b:ID!){ node(id:$i){ ... on Institution {
				all: assessments{ totalCount edges{ node{ id status } } }
				validated: assessments(status: VALIDATED){ totalCount edges{ node{ id } } } } }
			b: node(id:$b){ ... on Assessment { compareTo(assessmentId:$a){ area{ key } before after delta } } } }`,
			map[string]any{"i": w.inst, "a": a, "b": draft}).OK()
		if r.Num("node.all.totalCount") != 2 || r.Num("node.validated.totalCount") != 1 || r.Str("node.validated.edges.0.node.id") != a {
			t.Fatalf("assessments: %s", r.Raw)
		}
		// a: area A = (0 + 2) / 3, area B = 50; draft: area A = 1/1, area B = 100.
		c := "b.compareTo."
		if r.Str(c+"0.area.key") != "a" || !near(r.Num(c+"0.before"), 200.0/3) || r.Num(c+"0.after") != 100 || !near(r.Num(c+"0.delta"), 100.0/3) ||
			r.Num(c+"1.before") != 50 || r.Num(c+"1.delta") != 50 {
			t.Fatalf("compareTo: %s", r.Raw)
		}

		// Every change is in the audit trail.
		r = e.gql(w.admin, `query($s:ID!){ auditEvents(filter:{subjectId:$s}, first:50){ edges{ node{ operation changes } } } }`, map[string]any{"s": a}).OK()
		var ops []string
		for i := 0; i < r.Len("auditEvents.edges"); i++ {
			ops = append(ops, r.Str(fmt.Sprintf("auditEvents.edges.%d.node.operation", i)))
		}
		for _, op := range []string{"createAssessment", "saveResponses", "submitAssessment", "reopenAssessment", "validateAssessment"} {
			if !slices.Contains(ops, op) {
				t.Errorf("no %s event among %v", op, ops)
			}
		}
	}, withAdmin)
}

func TestAssessmentSavesAreAllOrNothing(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := asmNewWorld(t, e)
		committee := w.tok["COMMITTEE_MEMBER"]
		a := w.create(committee, "e2e-small", "Baseline")

		resps := asmAll()
		resps[1]["numberValue"] = 7 // above the scale of 3
		r := w.save(committee, a, resps...)
		asmUE(t, r, "saveResponses", "INVALID@input.responses.1.numberValue")
		if r.Len("saveResponses.responses") != 0 || r.Get("saveResponses.assessment") != nil {
			t.Fatalf("payload of a refused save: %s", r.Raw)
		}
		r = w.save(committee, a,
			map[string]any{"questionKey": "policy", "boolValue": true},
			map[string]any{"questionKey": "unknown", "boolValue": true},
			map[string]any{"questionKey": "policy", "boolValue": false},
			map[string]any{"questionKey": "rate", "boolValue": true},
			map[string]any{"questionKey": "pick", "choiceKeys": []string{"x", "z"}},
			map[string]any{"questionKey": "notes", "notApplicable": true, "textValue": "x"},
		)
		asmUE(t, r, "saveResponses", "NOT_FOUND@input.responses.1.questionKey", "INVALID@input.responses.2.questionKey",
			"INVALID@input.responses.3.boolValue", "INVALID@input.responses.3.numberValue", "INVALID@input.responses.4.choiceKeys",
			"INVALID@input.responses.5.textValue")
		read := e.gql(committee, asmRead, map[string]any{"a": a}).OK()
		if read.Num("node.completion.answered") != 0 || read.Num("node.responses.totalCount") != 0 {
			t.Fatalf("something was stored: %s", read.Raw)
		}
		many := make([]map[string]any, 1001)
		for i := range many {
			many[i] = map[string]any{"questionKey": "policy", "boolValue": true}
		}
		asmUE(t, w.save(committee, a, many...), "saveResponses", "INVALID@input.responses")
		asmUE(t, w.save(committee, a), "saveResponses", "INVALID@input.responses")

		// Versions: each response carries its own.
		w.mustSave(committee, a, asmAll()...)
		r = w.mustSave(committee, a, map[string]any{"questionKey": "rate", "numberValue": 2, "expectedVersion": 1},
			map[string]any{"questionKey": "policy", "boolValue": false, "expectedVersion": 1})
		if r.Num("saveResponses.responses.0.version") != 2 || r.Num("saveResponses.responses.1.version") != 1 ||
			r.Str("saveResponses.responses.1.comment") != "Draft only" || r.Len("saveResponses.responses.1.evidence") != 2 {
			t.Fatalf("versions: %s", r.Raw)
		}
		r = w.save(committee, a, map[string]any{"questionKey": "pick", "choiceKeys": []string{"y"}},
			map[string]any{"questionKey": "rate", "numberValue": 3, "expectedVersion": 1})
		asmUE(t, r, "saveResponses", "CONFLICT@input.responses.1.expectedVersion")
		// A new response expects version 0; a stored one conflicts.
		asmUE(t, w.save(committee, a, map[string]any{"questionKey": "notes", "textValue": "x", "expectedVersion": 0}),
			"saveResponses", "CONFLICT@input.responses.0.expectedVersion")
		read = e.gql(committee, asmRead, map[string]any{"a": a}).OK()
		for i := 0; i < read.Len("node.responses.edges"); i++ {
			n := fmt.Sprintf("node.responses.edges.%d.node.", i)
			switch read.Str(n + "question.key") {
			case "pick":
				if read.Str(n+"choiceKeys.0") != "x" {
					t.Fatalf("pick changed by a refused save: %s", read.Raw)
				}
			case "rate":
				if read.Num(n+"numberValue") != 2 || read.Num(n+"version") != 2 {
					t.Fatalf("rate: %s", read.Raw)
				}
			}
		}
		// Clearing the comment and evidence, and answering not applicable.
		r = w.mustSave(committee, a, map[string]any{"questionKey": "policy", "notApplicable": true, "comment": "", "evidence": []string{}})
		if r.Get("saveResponses.responses.0.comment") != nil || r.Len("saveResponses.responses.0.evidence") != 0 ||
			r.Get("saveResponses.responses.0.score") != nil || r.Get("saveResponses.responses.0.notApplicable") != true {
			t.Fatalf("not applicable: %s", r.Raw)
		}
	}, withAdmin)
}

func TestAssessmentPermissions(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := asmNewWorld(t, e)
		a := w.create(w.tok["COMMITTEE_MEMBER"], "e2e-small", "Baseline")
		resp := w.mustSave(w.tok["COORDINATOR"], a, asmAll()...)
		rid := resp.Str("saveResponses.responses.0.id")

		asmCode(t, w.save(w.tok["FOCAL_POINT"], a, asmAll()...), "FORBIDDEN")
		asmCode(t, e.gql(w.tok["FOCAL_POINT"], asmCreate, map[string]any{"i": w.inst, "k": "e2e-small", "t": "x"}), "FORBIDDEN")
		asmUE(t, w.save(w.outside, a, asmAll()...), "saveResponses", "NOT_FOUND@input.assessmentId")
		asmUE(t, e.gql(w.outside, asmValidate, map[string]any{"a": a}).OK(), "validateAssessment", "NOT_FOUND@input.assessmentId")
		asmUE(t, e.gql(w.outside, asmCreate, map[string]any{"i": w.inst, "k": "e2e-small", "t": "x"}).OK(), "createAssessment", "NOT_FOUND@input.institutionId")
		asmCode(t, e.gql("", asmCreate, map[string]any{"i": w.inst, "k": "e2e-small", "t": "x"}), "UNAUTHENTICATED")
		asmCode(t, w.save("", a, asmAll()...), "UNAUTHENTICATED")
		if r := e.gql(w.outside, asmRead, map[string]any{"a": a}).OK(); r.Get("node") != nil {
			t.Fatalf("another institution reads the assessment: %s", r.Raw)
		}

		// A partner reads status, scores and findings, but not responses.
		r := e.gql(w.tok["PARTNER"], asmRead, map[string]any{"a": a})
		if r.Str("node.status") != "DRAFT" || r.Num("node.completion.answered") != 4 || r.Get("node.scores.overall.percent") == nil {
			t.Fatalf("partner read: %s", r.Raw)
		}
		if r.Get("node.responses") != nil || len(r.Errors) != 1 || r.Code() != "FORBIDDEN" ||
			fmt.Sprint(r.Errors[0].Path) != "[node responses]" {
			t.Fatalf("partner responses: %s", r.Raw)
		}
		if r := e.gql(w.tok["PARTNER"], `query($id:ID!){ node(id:$id){ id } }`, map[string]any{"id": rid}).OK(); r.Get("node") != nil {
			t.Fatalf("a partner reads a response by id: %s", r.Raw)
		}
		for _, role := range []string{"AUDITOR", "LEADERSHIP", "FOCAL_POINT"} {
			if r := e.gql(w.tok[role], asmRead, map[string]any{"a": a}).OK(); r.Num("node.responses.totalCount") != 4 {
				t.Fatalf("%s reads responses: %s", role, r.Raw)
			}
		}
		// An API key acting as PARTNER is refused the same way.
		k := e.gql(w.admin, `mutation($i:ID!){ createApiKey(input:{name:"donor dashboard", role:PARTNER, institutionIds:[$i]}){ secret } }`, map[string]any{"i": w.inst}).OK()
		r = e.gql(k.Str("createApiKey.secret"), asmRead, map[string]any{"a": a})
		if r.Str("node.status") != "DRAFT" || r.Get("node.responses") != nil || r.Code() != "FORBIDDEN" {
			t.Fatalf("partner key: %s", r.Raw)
		}
	}, withAdmin)
}

func TestAssessmentLanguages(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := asmNewWorld(t, e)
		committee := w.tok["COMMITTEE_MEMBER"]
		q := `{ questionnaire(key:"security-sector-gender-self-assessment"){ title defaultLanguage languages
			areas{ title questions{ text kind options{ label } } } } }`
		for lang, want := range map[string]string{
			"":                       "Security sector gender self-assessment",
			"en-GB,en;q=0.9":         "Security sector gender self-assessment",
			"fr-CH, fr;q=0.9, *;q=0": "Auto-évaluation genre du secteur de la sécurité",
			"de, fr;q=0.5":           "Auto-évaluation genre du secteur de la sécurité",
			"de":                     "Security sector gender self-assessment",
		} {
			r := e.asmGQL(committee, lang, q, nil).OK()
			if got := r.Str("questionnaire.title"); got != want {
				t.Errorf("Accept-Language %q: title %q, want %q", lang, got, want)
			}
		}
		fr := e.asmGQL(committee, "fr", q, nil).OK()
		if fr.Str("questionnaire.areas.0.title") != "Performance et efficacité opérationnelle" || !strings.HasPrefix(fr.Str("questionnaire.areas.0.questions.0.text"), "Des procédures") {
			t.Fatalf("French areas: %s", fr.Str("questionnaire.areas.0.title"))
		}

		a := w.create(committee, "e2e-small", "Baseline")
		w.mustSave(committee, a, asmAll()...)
		asmUE(t, e.gql(committee, asmSubmit, map[string]any{"a": a}).OK(), "submitAssessment")
		read := `query($a:ID!){ node(id:$a){ ... on Assessment {
			questionnaire{ title }
			findings{ title detail area{ title } question{ text } }
			responses(areaKey:"b"){ totalCount edges{ node{ question{ key text options{ label } } } } } } } }`
		en := e.asmGQL(committee, "en", read, map[string]any{"a": a}).OK()
		fr = e.asmGQL(committee, "fr-FR", read, map[string]any{"a": a}).OK()
		for _, c := range []struct {
			r          *resp
			path, want string
		}{
			{en, "node.questionnaire.title", "Small check"},
			{fr, "node.questionnaire.title", "Petit contrôle"},
			{en, "node.findings.0.title", "No policy"},
			{fr, "node.findings.0.title", "Pas de politique"},
			{fr, "node.findings.1.title", "Note basse"},
			{en, "node.findings.0.detail", "Is there a policy?"},
			{fr, "node.findings.0.detail", "Existe-t-il une politique ?"},
			{fr, "node.findings.0.area.title", "Domaine A"},
			{fr, "node.findings.0.question.text", "Existe-t-il une politique ?"},
			{fr, "node.responses.edges.0.node.question.options.0.label", "Iks"},
			{en, "node.responses.edges.0.node.question.options.1.label", "Why"},
		} {
			if got := c.r.Str(c.path); got != c.want {
				t.Errorf("%s = %q, want %q", c.path, got, c.want)
			}
		}
		if fr.Num("node.responses.totalCount") != 2 {
			t.Fatalf("areaKey filter: %s", fr.Raw)
		}
	}, withAdmin)
}

func TestImportQuestionnaire(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := asmNewWorld(t, e)
		// The bundled questionnaires were imported at start-up.
		r := e.gql(w.tok["COMMITTEE_MEMBER"], `{ questionnaires{ key version questionCount } }`, nil).OK()
		var keys []string
		for i := 0; i < r.Len("questionnaires"); i++ {
			keys = append(keys, r.Str(fmt.Sprintf("questionnaires.%d.key", i)))
		}
		if strings.Join(keys, ",") != "e2e-small,gbv-crsv-response-capacity,security-sector-gender-self-assessment" {
			t.Fatalf("questionnaires: %v", keys)
		}
		if r := e.gql("", `{ questionnaires{ key } }`, nil).OK(); r.Len("questionnaires") != 0 {
			t.Fatalf("anonymous callers see questionnaires: %s", r.Raw)
		}

		asmCode(t, e.gql(w.tok["COORDINATOR"], asmImport, map[string]any{"d": asmDoc}), "FORBIDDEN")
		asmCode(t, e.gql("", asmImport, map[string]any{"d": asmDoc}), "UNAUTHENTICATED")
		r = e.gql(w.admin, asmImport, map[string]any{"d": asmDoc}).OK()
		asmUE(t, r, "importQuestionnaire", "DUPLICATE@input.document.version")
		if r.Get("importQuestionnaire.questionnaire") != nil {
			t.Fatalf("payload of a duplicate: %s", r.Raw)
		}

		bad := `key: Bad Key
version: 0
defaultLanguage: en
languages: [en, fr]
title: {en: T, fr: T}
colour: red
areas:
  - key: a
    title: {en: A}
    questions:
      - key: q1
        kind: RATING
        text: {en: Q, fr: Q}
      - key: q2
        kind: YES_NO
        text: {en: Q, fr: Q}
        scale: 3
`
		r = e.gql(w.admin, asmImport, map[string]any{"d": bad}).OK()
		asmUE(t, r, "importQuestionnaire", "INVALID@input.document.key", "INVALID@input.document.version", "INVALID@input.document.colour",
			"INVALID@input.document.areas.0.title", "INVALID@input.document.areas.0.questions.0.scale", "INVALID@input.document.areas.0.questions.1.scale")
		asmUE(t, e.gql(w.admin, asmImport, map[string]any{"d": "{not yaml: ["}).OK(), "importQuestionnaire", "INVALID@input.document")

		// A new version, as JSON; the newest is the default.
		v2 := `{"key":"e2e-small","version":2,"defaultLanguage":"fr","languages":["fr"],"title":"Petit contrôle v2",
			"areas":[{"key":"a","title":"Domaine A","questions":[{"key":"policy","kind":"YES_NO","text":"Politique ?"}]}]}`
		r = e.gql(w.admin, asmImport, map[string]any{"d": v2}).OK()
		asmUE(t, r, "importQuestionnaire")
		if r.Num("importQuestionnaire.questionnaire.version") != 2 || r.Num("importQuestionnaire.questionnaire.questionCount") != 1 {
			t.Fatalf("v2: %s", r.Raw)
		}
		r = e.gql(w.tok["AUDITOR"], `{ newest: questionnaire(key:"e2e-small"){ version title } v1: questionnaire(key:"e2e-small", version:1){ version title }
			none: questionnaire(key:"e2e-small", version:9){ version } all: questionnaires(allVersions:true){ key version } }`, nil).OK()
		if r.Num("newest.version") != 2 || r.Str("newest.title") != "Petit contrôle v2" || r.Num("v1.version") != 1 || r.Get("none") != nil || r.Len("all") != 4 {
			t.Fatalf("versions: %s", r.Raw)
		}
		// createAssessment takes the newest unless told otherwise.
		r = e.gql(w.tok["COMMITTEE_MEMBER"], `mutation($i:ID!){ a: createAssessment(input:{institutionId:$i, questionnaireKey:"e2e-small", title:"x", startDate:"2026-01-01"}){ assessment{ questionnaire{ version } } }
			b: createAssessment(input:{institutionId:$i, questionnaireKey:"e2e-small", questionnaireVersion:1, title:"y", startDate:"2026-01-01"}){ assessment{ questionnaire{ version } } }
			c: createAssessment(input:{institutionId:$i, questionnaireKey:"e2e-small", questionnaireVersion:5, title:"z", startDate:"2026-01-01"}){ userErrors{ code field } }
			d: createAssessment(input:{institutionId:$i, questionnaireKey:"e2e-small", title:" ", startDate:"2026-01-01", endDate:"2025-01-01"}){ userErrors{ code field } } }`,
			map[string]any{"i": w.inst}).OK()
		if r.Num("a.assessment.questionnaire.version") != 2 || r.Num("b.assessment.questionnaire.version") != 1 {
			t.Fatalf("versions of new assessments: %s", r.Raw)
		}
		asmUE(t, r, "c", "NOT_FOUND@input.questionnaireVersion")
		asmUE(t, r, "d", "INVALID@input.title", "INVALID@input.endDate")
	}, withAdmin)
}

func TestAssessmentNodes(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := asmNewWorld(t, e)
		committee := w.tok["COMMITTEE_MEMBER"]
		a := w.create(committee, "e2e-small", "Baseline")
		w.mustSave(committee, a, asmAll()...)
		e.gql(committee, asmSubmit, map[string]any{"a": a}).OK()
		r := e.gql(committee, `query($a:ID!){ node(id:$a){ ... on Assessment { questionnaire{ id areas{ id questions{ id key } } }
			findings{ id } responses{ edges{ node{ id } } } } } }`, map[string]any{"a": a}).OK()
		ids := map[string]string{
			"Assessment":    a,
			"Questionnaire": r.Str("node.questionnaire.id"),
			"Question":      r.Str("node.questionnaire.areas.0.questions.1.id"),
			"Finding":       r.Str("node.findings.0.id"),
			"Response":      r.Str("node.responses.edges.0.node.id"),
		}
		if r.Str("node.questionnaire.areas.0.id") == "" || r.Str("node.questionnaire.areas.0.id") == r.Str("node.questionnaire.areas.1.id") {
			t.Fatalf("area ids: %s", r.Raw)
		}
		for typ, id := range ids {
			n := e.gql(committee, `query($id:ID!){ node(id:$id){ __typename id ... on Question { key area { key } } } nodes(ids:[$id]){ id } }`, map[string]any{"id": id}).OK()
			if n.Str("node.__typename") != typ || n.Str("node.id") != id || n.Str("nodes.0.id") != id {
				t.Errorf("node(%s): %s", typ, n.Raw)
			}
			if typ == "Question" && (n.Str("node.key") != "rate" || n.Str("node.area.key") != "a") {
				t.Errorf("question node: %s", n.Raw)
			}
			// Another institution's user sees none of the institution's
			// objects; questionnaires and questions are templates.
			o := e.gql(w.outside, `query($id:ID!){ node(id:$id){ id } }`, map[string]any{"id": id}).OK()
			if template := typ == "Questionnaire" || typ == "Question"; (o.Get("node") != nil) != template {
				t.Errorf("outsider node(%s): %s", typ, o.Raw)
			}
		}
	}, withAdmin)
}

// Saving 1,000 responses, and reading an assessment with all its responses,
// scores and findings, cost as many SQL statements as for 10.
func TestAssessmentStatementCount(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := asmNewWorld(t, e)
		committee := w.tok["COMMITTEE_MEMBER"]
		var b strings.Builder
		b.WriteString("key: big\nversion: 1\ndefaultLanguage: en\nlanguages: [en, fr]\ntitle: {en: Big, fr: Grand}\nareas:\n")
		for _, area := range []string{"a", "b"} {
			fmt.Fprintf(&b, "  - key: %s\n    title: {en: Area %s, fr: Domaine %s}\n    questions:\n", area, area, area)
			for i := 0; i < 500; i++ {
				fmt.Fprintf(&b, "      - {key: %s%d, kind: RATING, scale: 3, text: {en: Q%d, fr: Q%d}, gap: {category: POLICY, severity: LOW, finding: {en: Low, fr: Bas}}}\n", area, i, i, i)
			}
		}
		asmUE(t, e.gql(w.admin, asmImport, map[string]any{"d": b.String()}).OK(), "importQuestionnaire")

		read := `query($a:ID!){ node(id:$a){ ... on Assessment { status
			completion{ answered requiredMissing } scores{ overall{ percent } areas{ area{ title } score{ percent } } }
			findings{ title detail question{ key } area{ key } }
			a: responses(areaKey:"a", first:500){ totalCount edges{ node{ id version numberValue comment score answeredBy{ name } question{ key text } } } }
			b: responses(areaKey:"b", first:500){ totalCount edges{ node{ id version numberValue comment score answeredBy{ name } question{ key text } } } } } } }`
		measure := func(n int) (save, get int64) {
			a := w.create(committee, "big", fmt.Sprintf("%d answers", n))
			resps := make([]map[string]any, n)
			for i := range resps {
				key := fmt.Sprintf("a%d", i)
				if i >= 500 {
					key = fmt.Sprintf("b%d", i-500)
				}
				resps[i] = map[string]any{"questionKey": key, "numberValue": i % 4, "comment": "c"}
			}
			before := e.srv.DB.Queries()
			r := w.mustSave(committee, a, resps...)
			save = e.srv.DB.Queries() - before
			if r.Len("saveResponses.responses") != n {
				t.Fatalf("saved %d of %d", r.Len("saveResponses.responses"), n)
			}
			// Submit with findings, so that reading shows them too.
			if n == 1000 {
				asmUE(t, e.gql(committee, asmSubmit, map[string]any{"a": a}).OK(), "submitAssessment")
			}
			before = e.srv.DB.Queries()
			got := e.gql(committee, read, map[string]any{"a": a}).OK()
			get = e.srv.DB.Queries() - before
			if total := got.Num("node.a.totalCount") + got.Num("node.b.totalCount"); int(total) != n || got.Len("node.a.edges")+max(0, got.Len("node.b.edges")) != n {
				t.Fatalf("read %v responses of %d", total, n)
			}
			return save, get
		}
		save10, get10 := measure(10)
		save1000, get1000 := measure(1000)
		t.Logf("saveResponses: %d statements for 10, %d for 1000; read: %d for 10, %d for 1000", save10, save1000, get10, get1000)
		if save1000 > save10 || get1000 > get10 {
			t.Fatalf("statements grow with the responses: save %d -> %d, read %d -> %d", save10, save1000, get10, get1000)
		}
	}, withAdmin, func(c *app.Config) { c.RolePoll = time.Hour })
}

// The demo data set holds the police baseline (validated, with findings),
// its follow-up in DRAFT and a gendarmerie assessment.
func TestAssessmentDemo(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		lead := e.login("leadership@demo.gendertrack.org", demo.Password)
		r := e.gql(lead, `{ institutions{ edges{ node{ name assessments{ edges{ node{ id title status startDate submittedAt validatedAt validatedBy{ email }
			completion{ answered total requiredMissing } findings{ origin severity } } } } } } } }`, nil).OK()
		if r.Len("institutions.edges") != 1 || r.Len("institutions.edges.0.node.assessments.edges") != 2 {
			t.Fatalf("demo police: %s", r.Raw)
		}
		p := "institutions.edges.0.node.assessments.edges."
		base, follow := r.Str(p+"0.node.id"), r.Str(p+"1.node.id")
		if r.Str(p+"0.node.status") != "VALIDATED" || r.Str(p+"0.node.startDate") != "2025-01-15" || r.Str(p+"1.node.status") != "DRAFT" ||
			r.Str(p+"1.node.startDate") != "2026-03-01" {
			t.Fatalf("demo assessments: %s", r.Raw)
		}
		if r.Str(p+"0.node.validatedBy.email") != "leadership@demo.gendertrack.org" || r.Str(p+"0.node.validatedAt") == "" || r.Str(p+"0.node.submittedAt") == "" {
			t.Fatalf("baseline validation: %s", r.Raw)
		}
		if a, n := r.Num(p+"0.node.completion.answered"), r.Num(p+"0.node.completion.total"); a != n {
			t.Fatalf("baseline answers %v of %v questions", a, n)
		}
		if r.Len(p+"1.node.completion.requiredMissing") == 0 || r.Len(p+"1.node.completion.requiredMissing") > 5 {
			t.Fatalf("follow-up: %s", r.Raw)
		}
		var manual, rule int
		for i := 0; i < r.Len(p+"0.node.findings"); i++ {
			if r.Str(fmt.Sprintf("%s0.node.findings.%d.origin", p, i)) == "MANUAL" {
				manual++
			} else {
				rule++
			}
		}
		if manual != 1 || rule < 15 {
			t.Fatalf("baseline findings: %d manual, %d rule", manual, rule)
		}
		c := e.gql(lead, `query($a:ID!,$b:ID!){ node(id:$a){ ... on Assessment { compareTo(assessmentId:$b){ area{ key } before after delta } } } }`,
			map[string]any{"a": follow, "b": base}).OK()
		better := 0
		for i := 0; i < c.Len("node.compareTo"); i++ {
			if c.Num(fmt.Sprintf("node.compareTo.%d.delta", i)) > 5 {
				better++
			}
		}
		if c.Len("node.compareTo") != 6 || better < 3 {
			t.Fatalf("compareTo: %s", c.Raw)
		}

		// The gendarmerie's assessment, of another questionnaire, cannot be
		// compared with the police's.
		admin := e.login("admin@demo.gendertrack.org", demo.Password)
		g := e.gql(admin, `{ institutions(search:"Gendarmerie"){ edges{ node{ assessments{ edges{ node{ id status completion{ answered } questionnaire{ key } } } } } } } }`, nil).OK()
		gid := g.Str("institutions.edges.0.node.assessments.edges.0.node.id")
		if g.Str("institutions.edges.0.node.assessments.edges.0.node.questionnaire.key") != "gbv-crsv-response-capacity" ||
			g.Num("institutions.edges.0.node.assessments.edges.0.node.completion.answered") < 10 {
			t.Fatalf("gendarmerie: %s", g.Raw)
		}
		asmCode(t, e.gql(admin, `query($a:ID!,$b:ID!){ node(id:$a){ ... on Assessment { compareTo(assessmentId:$b){ delta } } } }`,
			map[string]any{"a": follow, "b": gid}), "BAD_USER_INPUT")
		asmCode(t, e.gql(lead, `query($a:ID!,$b:ID!){ node(id:$a){ ... on Assessment { compareTo(assessmentId:$b){ delta } } } }`,
			map[string]any{"a": follow, "b": gid}), "BAD_USER_INPUT")
		partner := e.login("partner@demo.gendertrack.org", demo.Password)
		pr := e.gql(partner, `query($a:ID!){ node(id:$a){ ... on Assessment { scores{ overall{ percent } } responses{ totalCount } } } }`, map[string]any{"a": base})
		if pr.Get("node.scores.overall.percent") == nil || pr.Get("node.responses") != nil || pr.Code() != "FORBIDDEN" {
			t.Fatalf("partner on the demo: %s", pr.Raw)
		}
	}, func(c *app.Config) { c.Demo = true })
}

// ---------------------------------------------------------------- matrix

// asmTiny is the questionnaire of the authorization matrix rows: one
// question, so that an assessment is quickly complete.
const asmTiny = `{"key":"matrix-tiny","version":1,"defaultLanguage":"en","languages":["en"],"title":"Tiny",
	"areas":[{"key":"only","title":"Only","questions":[{"key":"ok","kind":"YES_NO","text":"OK?"}]}]}`

// asmTarget makes, as admin, an assessment of inst brought to status.
func asmTarget(f *fixture, inst, status string) string {
	f.e.gql(f.admin, asmImport, map[string]any{"d": asmTiny}).OK() // DUPLICATE after the first time
	r := f.e.gql(f.admin, asmCreate, map[string]any{"i": inst, "k": "matrix-tiny", "t": f.uniq("Assessment")}).OK()
	a := r.Str("createAssessment.assessment.id")
	if a == "" {
		f.e.t.Fatalf("createAssessment: %s", r.Raw)
	}
	if status == "DRAFT" {
		return a
	}
	f.e.gql(f.admin, asmSave, map[string]any{"a": a, "r": []map[string]any{{"questionKey": "ok", "boolValue": true}}}).OK()
	if s := f.e.gql(f.admin, asmSubmit, map[string]any{"a": a}).OK(); s.Str("submitAssessment.assessment.status") != "SUBMITTED" {
		f.e.t.Fatalf("submit: %s", s.Raw)
	}
	return a
}

// The assessment mutations' rows of the authorization matrix
// (TestAuthorizationMatrix in e2e_access_test.go).
func init() {
	matrix["importQuestionnaire"] = matrixOp{"ManageGlobal", "importQuestionnaire", func(f *fixture, w who, inst string) *resp {
		doc := strings.Replace(asmTiny, `"version":1`, fmt.Sprintf(`"version":%d`, 100+f.seq.Add(1)), 1)
		return f.e.gql(w.token, asmImport, map[string]any{"d": doc})
	}}
	matrix["createAssessment"] = matrixOp{"EditAssessment", "createAssessment", func(f *fixture, w who, inst string) *resp {
		return f.e.gql(w.token, asmCreate, map[string]any{"i": inst, "k": "security-sector-gender-self-assessment", "t": f.uniq("Assessment")})
	}}
	matrix["saveResponses"] = matrixOp{"EditAssessment", "saveResponses", func(f *fixture, w who, inst string) *resp {
		a := asmTarget(f, inst, "DRAFT")
		return f.e.gql(w.token, asmSave, map[string]any{"a": a, "r": []map[string]any{{"questionKey": "ok", "boolValue": false}}})
	}}
	matrix["submitAssessment"] = matrixOp{"EditAssessment", "submitAssessment", func(f *fixture, w who, inst string) *resp {
		a := asmTarget(f, inst, "DRAFT")
		f.e.gql(f.admin, asmSave, map[string]any{"a": a, "r": []map[string]any{{"questionKey": "ok", "boolValue": true}}}).OK()
		return f.e.gql(w.token, asmSubmit, map[string]any{"a": a})
	}}
	matrix["validateAssessment"] = matrixOp{"ValidateAssessment", "validateAssessment", func(f *fixture, w who, inst string) *resp {
		return f.e.gql(w.token, asmValidate, map[string]any{"a": asmTarget(f, inst, "SUBMITTED")})
	}}
	matrix["reopenAssessment"] = matrixOp{"ValidateAssessment", "reopenAssessment", func(f *fixture, w who, inst string) *resp {
		return f.e.gql(w.token, asmReopen, map[string]any{"a": asmTarget(f, inst, "SUBMITTED"), "why": "Needs another look."})
	}}
	matrix["addFinding"] = matrixOp{"EditAssessment", "addFinding", func(f *fixture, w who, inst string) *resp {
		return f.e.gql(w.token, asmFinding, map[string]any{"a": asmTarget(f, inst, "DRAFT"), "area": "only", "q": "ok"})
	}}
}
