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

// gapWorld is one institution with a user per role, a second institution,
// two units (one without gender focal point) and a plan.
type gapWorld struct {
	e                *env
	admin, inst, oth string
	tok              map[string]string
	stranger         string // COORDINATOR of the other institution
	unit, bare       string // a unit with a focal point, one without
	plan             string
	seq              int
}

func (e *env) gapUser(admin, inst, email, role string) string {
	e.t.Helper()
	r := e.gql(admin, `mutation($e:String!){ createUser(input:{email:$e, name:"Person", password:"a-password-1"}){ user{ id } } }`,
		map[string]any{"e": email}).OK()
	g := e.gql(admin, `mutation($u:ID!,$r:Role!,$i:ID){ grantRole(input:{userId:$u, role:$r, institutionId:$i}){ userErrors{code field} } }`,
		map[string]any{"u": r.Str("createUser.user.id"), "r": role, "i": inst}).OK()
	if ue := g.UserErrors("grantRole"); len(ue) > 0 {
		e.t.Fatalf("grantRole: %v", ue)
	}
	return e.login(email, "a-password-1")
}

// gapMust runs a mutation that must succeed and returns the answer.
func (e *env) gapMust(tok, payload, query string, vars map[string]any) *resp {
	e.t.Helper()
	r := e.gql(tok, query, vars).OK()
	if ue := r.UserErrors(payload); len(ue) > 0 {
		e.t.Fatalf("%s: %v\n%s", payload, ue, r.Raw)
	}
	return r
}

func gapNewWorld(t *testing.T, e *env) *gapWorld {
	t.Helper()
	w := &gapWorld{e: e, admin: e.admin(), tok: map[string]string{}}
	w.inst = e.mkInstitution(w.admin, "Police Nationale")
	w.oth = e.mkInstitution(w.admin, "Gendarmerie Nationale")
	for _, role := range []string{"COORDINATOR", "COMMITTEE_MEMBER", "FOCAL_POINT", "LEADERSHIP", "PARTNER", "AUDITOR"} {
		w.tok[role] = e.gapUser(w.admin, w.inst, strings.ToLower(role)+"@gaps.example.org", role)
	}
	w.stranger = e.gapUser(w.admin, w.oth, "stranger@gaps.example.org", "COORDINATOR")
	w.unit = w.mkUnit(w.inst, "Academy", "Instructor B. Keïta")
	w.bare = w.mkUnit(w.inst, "Northern Command", "")
	w.plan = w.mkPlan(w.inst)
	return w
}

// relogin signs everyone in again after the clock moved past the tokens'
// lifetime.
func (w *gapWorld) relogin() {
	w.admin = w.e.admin()
	for role := range w.tok {
		w.tok[role] = w.e.login(strings.ToLower(role)+"@gaps.example.org", "a-password-1")
	}
}

func (w *gapWorld) mkUnit(inst, name, focal string) string {
	vars := map[string]any{"i": inst, "n": name, "f": nil}
	if focal != "" {
		vars["f"] = focal
	}
	r := w.e.gapMust(w.admin, "createUnit", `mutation($i:ID!,$n:String!,$f:String){ createUnit(input:{institutionId:$i, name:$n, kind:DIRECTORATE, genderFocalPoint:$f}){ unit{ id } userErrors{code field} } }`, vars)
	return r.Str("createUnit.unit.id")
}

func (w *gapWorld) mkPlan(inst string) string {
	r := w.e.gapMust(w.admin, "createActionPlan", `mutation($i:ID!){ createActionPlan(input:{institutionId:$i, title:"Plan", startDate:"2026-01-01", endDate:"2027-12-31"}){ plan{ id } userErrors{code field} } }`,
		map[string]any{"i": inst})
	return r.Str("createActionPlan.plan.id")
}

const gapActionFields = `action{ id version gapFlags{ id rule category severity state message } }`

// action creates an action and returns the answer (with action.gapFlags).
func (w *gapWorld) action(vars map[string]any) *resp {
	w.seq++
	v := map[string]any{"p": w.plan, "t": fmt.Sprintf("Action %d", w.seq), "k": "OTHER", "l": nil, "d": nil, "o": nil}
	for k, x := range vars {
		v[k] = x
	}
	return w.e.gapMust(w.admin, "createAction", `mutation($p:ID!,$t:String!,$k:ActionKind!,$l:ID,$d:Date,$o:ID){ createAction(input:{planId:$p, title:$t, kind:$k, leadUnitId:$l, dueDate:$d, objectiveId:$o}){ `+gapActionFields+` userErrors{code field message} } }`, v)
}

// rulesOf lists the rules of a list of flags at path.
func rulesOf(r *resp, path string) []string {
	var out []string
	for i := 0; i < r.Len(path); i++ {
		out = append(out, r.Str(fmt.Sprintf("%s.%d.rule", path, i)))
	}
	slices.Sort(out)
	return out
}

func gapWant(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

const gapList = `query($f:GapFlagFilter,$n:Int,$a:String){ gapFlags(filter:$f, first:$n, after:$a){ totalCount
	pageInfo{ hasNextPage hasPreviousPage startCursor endCursor }
	edges{ cursor node{ id rule category severity state message note detectedAt
		institution{ id } plan{ id } subject{ id __typename } } } } }`

const gapSet = `mutation($id:ID!,$s:FlagState!,$n:String){ setGapFlagState(input:{id:$id, state:$s, note:$n}){ flag{ id state note detectedAt } userErrors{ code field message } } }`

const gapRaise = `mutation($i:ID!,$p:ID,$s:ID,$c:GapCategory!,$v:Severity!,$m:String!){ raiseGapFlag(input:{institutionId:$i, planId:$p, subjectId:$s, category:$c, severity:$v, message:$m}){
	flag{ id rule category severity state message plan{ id } subject{ id __typename ... on Unit { name } } institution{ id } } userErrors{ code field message } } }`

func TestGapFlagsFollowTheData(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := gapNewWorld(t, e)
		today := e.clock.Now().UTC().Format("2006-01-02")
		yesterday := e.clock.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")

		// The write that causes a flag shows it in its own answer.
		a := w.action(nil)
		gapWant(t, "new action", rulesOf(a, "createAction.action.gapFlags"), "ACTION_WITHOUT_LEAD_UNIT", "ACTION_WITHOUT_RESOURCES")
		aid := a.Str("createAction.action.id")

		// ... and the write that fixes it makes it go, in its own answer.
		up := e.gapMust(w.admin, "updateAction", `mutation($id:ID!,$l:ID){ updateAction(input:{id:$id, expectedVersion:1, leadUnitId:$l}){ `+gapActionFields+` userErrors{code field} } }`,
			map[string]any{"id": aid, "l": w.bare})
		gapWant(t, "lead unit set", rulesOf(up, "updateAction.action.gapFlags"), "ACTION_WITHOUT_RESOURCES")
		res := e.gapMust(w.admin, "addResourceRequirement", `mutation($a:ID!){ addResourceRequirement(input:{actionId:$a, kind:PERSONNEL, description:"Trainers", quantityRequired:4, quantitySecured:1}){ resource{ id status } userErrors{code field} } }`,
			map[string]any{"a": aid})
		rid := res.Str("addResourceRequirement.resource.id")

		// The unit without focal point leading an action: one flag for the
		// unit and plan; the partly secured resource: RESOURCE_GAP MEDIUM.
		r := e.gql(w.tok["PARTNER"], gapList, map[string]any{"f": map[string]any{"planId": w.plan}}).OK()
		var got []string
		for i := 0; i < r.Len("gapFlags.edges"); i++ {
			p := fmt.Sprintf("gapFlags.edges.%d.node.", i)
			got = append(got, r.Str(p+"rule")+"/"+r.Str(p+"severity")+"/"+r.Str(p+"subject.__typename"))
			if r.Str(p+"plan.id") != w.plan || r.Str(p+"institution.id") != w.inst || r.Str(p+"state") != "OPEN" || r.Str(p+"message") == "" {
				t.Fatalf("flag %d: %s", i, r.Raw)
			}
		}
		gapWant(t, "partner reads the plan's flags", got, "RESOURCE_GAP/MEDIUM/ResourceRequirement", "UNIT_WITHOUT_FOCAL_POINT/MEDIUM/Unit")
		if r.Num("gapFlags.totalCount") != 2 {
			t.Fatalf("totalCount: %s", r.Raw)
		}

		// Adopted-only rules wake up on adoption.
		w.action(map[string]any{"l": w.unit, "d": yesterday})
		if n := e.gql(w.admin, gapList, map[string]any{"f": map[string]any{"rules": []string{"ACTION_OVERDUE"}}}).OK().Num("gapFlags.totalCount"); n != 0 {
			t.Fatalf("overdue on a draft: %v", n)
		}
		e.gapMust(w.tok["LEADERSHIP"], "adoptActionPlan", `mutation($p:ID!){ adoptActionPlan(input:{planId:$p}){ plan{ status } userErrors{code field} } }`, map[string]any{"p": w.plan})
		due := w.action(map[string]any{"l": w.unit, "d": today}) // due today: not overdue
		gapWant(t, "due today", rulesOf(due, "createAction.action.gapFlags"), "ACTION_WITHOUT_RESOURCES")
		ov := e.gql(w.admin, gapList, map[string]any{"f": map[string]any{"rules": []string{"ACTION_OVERDUE", "PLAN_NOT_DISSEMINATED"}}}).OK()
		var after []string
		for i := 0; i < ov.Len("gapFlags.edges"); i++ {
			after = append(after, ov.Str(fmt.Sprintf("gapFlags.edges.%d.node.rule", i)))
		}
		slices.Sort(after)
		gapWant(t, "adopted rules", after, "ACTION_OVERDUE", "PLAN_NOT_DISSEMINATED", "PLAN_NOT_DISSEMINATED")
		// Most severe first: the HIGH overdue flag leads.
		if ov.Str("gapFlags.edges.0.node.rule") != "ACTION_OVERDUE" {
			t.Fatalf("order: %s", ov.Raw)
		}
		e.gapMust(w.admin, "recordDissemination", `mutation($p:ID!,$u:ID!,$d:Date!){ recordDissemination(input:{planId:$p, unitId:$u, date:$d, method:BRIEFING}){ dissemination{ id } userErrors{code field} } }`,
			map[string]any{"p": w.plan, "u": w.unit, "d": today})
		if n := e.gql(w.admin, gapList, map[string]any{"f": map[string]any{"rules": []string{"PLAN_NOT_DISSEMINATED"}}}).OK().Num("gapFlags.totalCount"); n != 1 {
			t.Fatalf("after dissemination: %v", n)
		}

		// Stale after 90 days without progress update, not at 90.
		e.gapMust(w.tok["FOCAL_POINT"], "recordProgress", `mutation($a:ID!){ recordProgress(input:{actionId:$a, status:IN_PROGRESS, progressPercent:10}){ action{ id } userErrors{code field} } }`,
			map[string]any{"a": aid})
		start := e.clock.Now()
		stale := func() float64 {
			return e.gql(w.admin, gapList, map[string]any{"f": map[string]any{"rules": []string{"ACTION_STALE"}}}).OK().Num("gapFlags.totalCount")
		}
		e.clock.Set(start.AddDate(0, 0, 90))
		w.relogin()
		if n := stale(); n != 0 {
			t.Fatalf("stale at 90 days: %v", n)
		}
		e.clock.Set(start.AddDate(0, 0, 91))
		w.relogin()
		if n := stale(); n != 1 {
			t.Fatalf("not stale at 91 days: %v", n)
		}
		e.gapMust(w.tok["FOCAL_POINT"], "recordProgress", `mutation($a:ID!){ recordProgress(input:{actionId:$a, status:IN_PROGRESS, progressPercent:20}){ action{ id } userErrors{code field} } }`,
			map[string]any{"a": aid})
		if n := stale(); n != 0 {
			t.Fatalf("stale after an update: %v", n)
		}
		e.clock.Set(start)
		w.relogin()

		// Securing the resource fully resolves its flag.
		e.gapMust(w.admin, "updateResourceRequirement", `mutation($id:ID!){ updateResourceRequirement(input:{id:$id, expectedVersion:1, quantitySecured:4}){ resource{ status } userErrors{code field} } }`,
			map[string]any{"id": rid})
		rs := e.gql(w.admin, gapList, map[string]any{"f": map[string]any{"rules": []string{"RESOURCE_GAP"}, "states": []string{"RESOLVED"}}}).OK()
		if rs.Num("gapFlags.totalCount") != 1 || rs.Str("gapFlags.edges.0.node.subject.id") != rid {
			t.Fatalf("resolved resource gap: %s", rs.Raw)
		}

		// Counts: the plan's progress and the institution's summary.
		c := e.gql(w.tok["AUDITOR"], `query($p:ID!,$i:ID!){
			plan: node(id:$p){ ... on ActionPlan { gapFlags{ totalCount } progress{ openGapFlags openGapFlagsByCategory{ category count } } } }
			inst: node(id:$i){ ... on Institution { gapFlags(first:1){ totalCount } summary{ openGapFlags openGapFlagsByCategory{ category count } } } } }`,
			map[string]any{"p": w.plan, "i": w.inst}).OK()
		pc, ic := c.Num("plan.progress.openGapFlags"), c.Num("inst.summary.openGapFlags")
		if pc <= 0 || pc != c.Num("plan.gapFlags.totalCount") || ic != c.Num("inst.gapFlags.totalCount") || ic < pc || c.Len("plan.progress.openGapFlagsByCategory") != 8 {
			t.Fatalf("counts: %s", c.Raw)
		}
		sum := 0.0
		for i := 0; i < 8; i++ {
			sum += c.Num(fmt.Sprintf("plan.progress.openGapFlagsByCategory.%d.count", i))
		}
		if sum != pc || c.Str("plan.progress.openGapFlagsByCategory.0.category") != "STRUCTURE" {
			t.Fatalf("by category: %s", c.Raw)
		}
	}, withAdmin)
}

func TestGapFlagStatesAndPermissions(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := gapNewWorld(t, e)
		w.action(map[string]any{"l": w.bare})
		l := e.gql(w.admin, gapList, map[string]any{"f": map[string]any{"rules": []string{"UNIT_WITHOUT_FOCAL_POINT"}}}).OK()
		id, detected := l.Str("gapFlags.edges.0.node.id"), l.Str("gapFlags.edges.0.node.detectedAt")
		if id == "" || l.Str("gapFlags.edges.0.node.subject.id") != w.bare {
			t.Fatalf("flag: %s", l.Raw)
		}

		// Who may set states.
		for role, want := range map[string]string{"PARTNER": "FORBIDDEN", "AUDITOR": "FORBIDDEN", "FOCAL_POINT": "FORBIDDEN"} {
			if c := e.gql(w.tok[role], gapSet, map[string]any{"id": id, "s": "ACKNOWLEDGED"}).Code(); c != want {
				t.Fatalf("%s: %s", role, c)
			}
		}
		if ue := e.gql(w.stranger, gapSet, map[string]any{"id": id, "s": "ACKNOWLEDGED"}).OK().UserErrors("setGapFlagState"); !slices.Equal(ue, []string{"NOT_FOUND@input.id"}) {
			t.Fatalf("stranger: %v", ue)
		}
		if c := e.gql("", gapSet, map[string]any{"id": id, "s": "ACKNOWLEDGED"}).Code(); c != "UNAUTHENTICATED" {
			t.Fatalf("anonymous: %s", c)
		}
		for _, c := range []struct {
			state string
			note  any
			want  string
		}{{"DISMISSED", nil, "INVALID@input.note"}, {"RESOLVED", "fixed", "INVALID@input.state"}} {
			if ue := e.gql(w.tok["COORDINATOR"], gapSet, map[string]any{"id": id, "s": c.state, "n": c.note}).OK().UserErrors("setGapFlagState"); !slices.Equal(ue, []string{c.want}) {
				t.Fatalf("%s: %v", c.state, ue)
			}
		}

		// Acknowledge, fix: RESOLVED; break again: OPEN again.
		e.clock.Set(e.clock.Now().Add(time.Hour))
		ack := e.gapMust(w.tok["LEADERSHIP"], "setGapFlagState", gapSet, map[string]any{"id": id, "s": "ACKNOWLEDGED", "n": "Known; unit being chosen."})
		if ack.Str("setGapFlagState.flag.state") != "ACKNOWLEDGED" || ack.Str("setGapFlagState.flag.detectedAt") != detected {
			t.Fatalf("acknowledge: %s", ack.Raw)
		}
		node := func() *resp {
			return e.gql(w.tok["PARTNER"], `query($id:ID!){ node(id:$id){ id ... on GapFlag { rule state note detectedAt subject{ id } } } }`, map[string]any{"id": id}).OK()
		}
		if n := node(); n.Str("node.state") != "ACKNOWLEDGED" || n.Str("node.note") != "Known; unit being chosen." {
			t.Fatalf("node: %s", n.Raw)
		}
		focal := func(name string) {
			uv := e.gql(w.admin, `query($id:ID!){ node(id:$id){ ... on Unit { version } } }`, map[string]any{"id": w.bare}).OK().Num("node.version")
			e.gapMust(w.admin, "updateUnit", `mutation($id:ID!,$v:Int!,$f:String){ updateUnit(input:{id:$id, expectedVersion:$v, genderFocalPoint:$f}){ unit{ id } userErrors{code field} } }`,
				map[string]any{"id": w.bare, "v": int(uv), "f": name})
		}
		focal("Captain O. Cissé")
		if n := node(); n.Str("node.state") != "RESOLVED" || n.Str("node.detectedAt") != detected {
			t.Fatalf("resolved: %s", n.Raw)
		}
		if ue := e.gql(w.tok["COORDINATOR"], gapSet, map[string]any{"id": id, "s": "OPEN"}).OK().UserErrors("setGapFlagState"); !slices.Equal(ue, []string{"INVALID_STATE@input.id"}) {
			t.Fatalf("set on resolved: %v", ue)
		}
		if n := e.gql(w.admin, gapList, map[string]any{"f": map[string]any{"planId": w.plan, "rules": []string{"UNIT_WITHOUT_FOCAL_POINT"}}}).OK().Num("gapFlags.totalCount"); n != 0 {
			t.Fatalf("resolved flag listed by default: %v", n)
		}
		// The focal point leaves: OPEN again, no longer acknowledged, first
		// seen when it was first seen.
		focal("")
		if n := node(); n.Str("node.state") != "OPEN" || n.Get("node.note") != nil || n.Str("node.detectedAt") != detected {
			t.Fatalf("reopened: %s", n.Raw)
		}

		// Dismiss another flag with a note: gone from the default list.
		b := w.action(nil).Str("createAction.action.id")
		lb := e.gql(w.admin, gapList, map[string]any{"f": map[string]any{"rules": []string{"ACTION_WITHOUT_RESOURCES"}}}).OK()
		var bid string
		for i := 0; i < lb.Len("gapFlags.edges"); i++ {
			if lb.Str(fmt.Sprintf("gapFlags.edges.%d.node.subject.id", i)) == b {
				bid = lb.Str(fmt.Sprintf("gapFlags.edges.%d.node.id", i))
			}
		}
		e.gapMust(w.tok["COMMITTEE_MEMBER"], "setGapFlagState", gapSet, map[string]any{"id": bid, "s": "DISMISSED", "n": "Funded from the regular budget."})
		d := e.gql(w.admin, gapList, map[string]any{"f": map[string]any{"rules": []string{"ACTION_WITHOUT_RESOURCES"}, "states": []string{"DISMISSED"}}}).OK()
		if d.Num("gapFlags.totalCount") != 1 || d.Str("gapFlags.edges.0.node.note") != "Funded from the regular budget." {
			t.Fatalf("dismissed: %s", d.Raw)
		}

		// MANUAL flags: raised by FOCAL_POINT, not by PARTNER.
		raise := map[string]any{"i": w.inst, "s": w.bare, "c": "COORDINATION", "v": "CRITICAL", "m": "Regional reports arrive late."}
		if c := e.gql(w.tok["PARTNER"], gapRaise, raise).Code(); c != "FORBIDDEN" {
			t.Fatalf("partner raises: %s", c)
		}
		rf := e.gapMust(w.tok["FOCAL_POINT"], "raiseGapFlag", gapRaise, raise)
		mid := rf.Str("raiseGapFlag.flag.id")
		if rf.Str("raiseGapFlag.flag.rule") != "MANUAL" || rf.Str("raiseGapFlag.flag.subject.name") != "Northern Command" || rf.Str("raiseGapFlag.flag.state") != "OPEN" {
			t.Fatalf("raised: %s", rf.Raw)
		}
		bad := e.gql(w.tok["FOCAL_POINT"], gapRaise, map[string]any{"i": w.inst, "s": "bm9wZQ", "c": "POLICY", "v": "LOW", "m": " "}).OK().UserErrors("raiseGapFlag")
		if !slices.Equal(bad, []string{"NOT_FOUND@input.subjectId"}) {
			t.Fatalf("bad subject: %v", bad)
		}
		if ue := e.gql(w.stranger, gapRaise, raise).OK().UserErrors("raiseGapFlag"); !slices.Equal(ue, []string{"NOT_FOUND@input.institutionId"}) {
			t.Fatalf("stranger raises: %v", ue)
		}
		// A MANUAL flag may be RESOLVED by hand.
		if s := e.gapMust(w.tok["COORDINATOR"], "setGapFlagState", gapSet, map[string]any{"id": mid, "s": "RESOLVED"}).Str("setGapFlagState.flag.state"); s != "RESOLVED" {
			t.Fatalf("manual resolved: %s", s)
		}
		// Most severe first: the CRITICAL manual flag, reopened, leads the list.
		e.gapMust(w.tok["COORDINATOR"], "setGapFlagState", gapSet, map[string]any{"id": mid, "s": "OPEN"})
		if top := e.gql(w.tok["PARTNER"], gapList, nil).OK().Str("gapFlags.edges.0.node.id"); top != mid {
			t.Fatalf("order: %s first", top)
		}

		// The stranger sees none of it.
		if n := e.gql(w.stranger, `query($id:ID!){ node(id:$id){ id } }`, map[string]any{"id": mid}).OK().Get("node"); n != nil {
			t.Fatalf("stranger reads: %v", n)
		}
		if n := e.gql(w.stranger, gapList, map[string]any{"f": map[string]any{"institutionId": w.inst}}).OK().Num("gapFlags.totalCount"); n != 0 {
			t.Fatalf("stranger lists: %v", n)
		}

		// Audit trail.
		ev := e.gql(w.admin, `query($s:ID!){ auditEvents(filter:{subjectId:$s}){ edges{ node{ operation actor{ email } } } } }`, map[string]any{"s": mid}).OK()
		var ops []string
		for i := 0; i < ev.Len("auditEvents.edges"); i++ {
			ops = append(ops, ev.Str(fmt.Sprintf("auditEvents.edges.%d.node.operation", i)))
		}
		slices.Sort(ops)
		if !slices.Equal(ops, []string{"raiseGapFlag", "setGapFlagState", "setGapFlagState"}) {
			t.Fatalf("audit: %v %s", ops, ev.Raw)
		}
	}, withAdmin)
}

func TestGapFlagPagesAndRules(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := gapNewWorld(t, e)
		for range 4 {
			w.action(nil)
		}
		all := e.gql(w.admin, gapList, map[string]any{"f": map[string]any{"planId": w.plan}, "n": 500}).OK()
		total := int(all.Num("gapFlags.totalCount"))
		if total != 8 || all.Len("gapFlags.edges") != 8 {
			t.Fatalf("all: %s", all.Raw)
		}
		// Page by page (as a partner on the plan; below as ADMIN across two
		// institutions), the pages give the whole list in order.
		walk := func(tok string, f map[string]any, size int) {
			t.Helper()
			all := e.gql(tok, gapList, map[string]any{"f": f, "n": 500}).OK()
			total := int(all.Num("gapFlags.totalCount"))
			var walked []string
			var after any
			for page := 0; ; page++ {
				r := e.gql(tok, gapList, map[string]any{"f": f, "n": size, "a": after}).OK()
				if int(r.Num("gapFlags.totalCount")) != total || (page > 0) != r.Get("gapFlags.pageInfo.hasPreviousPage").(bool) {
					t.Fatalf("%v page %d: %s", f, page, r.Raw)
				}
				for i := 0; i < r.Len("gapFlags.edges"); i++ {
					walked = append(walked, r.Str(fmt.Sprintf("gapFlags.edges.%d.node.id", i)))
				}
				if !r.Get("gapFlags.pageInfo.hasNextPage").(bool) {
					break
				}
				after = r.Str("gapFlags.pageInfo.endCursor")
			}
			if len(walked) != total || all.Len("gapFlags.edges") != total {
				t.Fatalf("%v: walked %d of %d", f, len(walked), total)
			}
			for i := range walked {
				if walked[i] != all.Str(fmt.Sprintf("gapFlags.edges.%d.node.id", i)) {
					t.Fatalf("%v: walked %v", f, walked)
				}
			}
		}
		walk(w.tok["PARTNER"], map[string]any{"planId": w.plan}, 3)
		if c := e.gql(w.admin, gapList, map[string]any{"n": 501}).Code(); c != "BAD_USER_INPUT" {
			t.Fatalf("first 501: %s", c)
		}
		if c := e.gql(w.admin, gapList, map[string]any{"a": "bogus"}).Code(); c != "BAD_USER_INPUT" {
			t.Fatalf("bad cursor: %s", c)
		}
		if n := e.gql(w.admin, gapList, map[string]any{"f": map[string]any{"planId": w.plan, "minSeverity": "HIGH"}}).OK().Num("gapFlags.totalCount"); n != 4 {
			t.Fatalf("minSeverity: %v", n)
		}
		if n := e.gql(w.admin, gapList, map[string]any{"f": map[string]any{"categories": []string{"RESOURCES"}}}).OK().Num("gapFlags.totalCount"); n != 4 {
			t.Fatalf("categories: %v", n)
		}
		if n := e.gql(w.admin, gapList, map[string]any{"f": map[string]any{"planId": "bm9wZQ"}}).OK().Num("gapFlags.totalCount"); n != 0 {
			t.Fatalf("unknown plan: %v", n)
		}
		// Across institutions (ADMIN).
		other := e.mkInstitution(w.admin, "Garde Nationale")
		otherPlan := w.mkPlan(other)
		for range 3 {
			w.action(map[string]any{"p": otherPlan})
		}
		if n := e.gql(w.admin, gapList, map[string]any{"n": 500}).OK().Num("gapFlags.totalCount"); n != 14 {
			t.Fatalf("flags of both institutions: %v", n)
		}
		walk(w.admin, nil, 4)
		walk(w.admin, map[string]any{"minSeverity": "HIGH"}, 2)

		// The catalogue, in English and in French.
		q := `{ gapRules{ rule category defaultSeverity description } }`
		en := e.gql("", q, nil).OK()
		fr := e.gapLangGQL("", "fr-FR,fr;q=0.9", q, nil)
		if en.Len("gapRules") != 13 || en.Str("gapRules.0.rule") != "ACTION_WITHOUT_LEAD_UNIT" || en.Str("gapRules.0.category") != "STRUCTURE" ||
			en.Str("gapRules.0.defaultSeverity") != "HIGH" || en.Str("gapRules.0.description") != "A non-cancelled action has no lead unit." {
			t.Fatalf("en: %s", en.Raw)
		}
		if fr.Str("gapRules.0.description") != "Une action non annulée n'a pas d'unité responsable." {
			t.Fatalf("fr: %s", fr.Raw)
		}
		if en.Str("gapRules.12.rule") != "PEOPLE_INDICATOR_NOT_DISAGGREGATED" || en.Str("gapRules.12.category") != "MONITORING" || en.Str("gapRules.12.defaultSeverity") != "MEDIUM" ||
			fr.Str("gapRules.12.description") != "Un indicateur qui compte des personnes (agents, survivantes et survivants, personnes formées) n'est pas ventilé par sexe." {
			t.Fatalf("the new rule in the catalogue: %s / %s", en.Raw, fr.Raw)
		}
		msg := e.gapLangGQL(w.admin, "fr", gapList, map[string]any{"f": map[string]any{"rules": []string{"ACTION_WITHOUT_LEAD_UNIT"}}, "n": 1})
		if !strings.HasPrefix(msg.Str("gapFlags.edges.0.node.message"), "L'action « ") {
			t.Fatalf("French message: %s", msg.Raw)
		}
	}, withAdmin)
}

// gapLangGQL is gql with an Accept-Language header.
func (e *env) gapLangGQL(token, lang, query string, vars map[string]any) *resp {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", e.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", lang)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

// TestGapFlagsStatementCount: a deep read of the flags, with their
// subjects, plans and institutions, and the actions' own flags, costs the
// same statements for 10 actions as for 60.
func TestGapFlagsStatementCount(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := gapNewWorld(t, e)
		// Two requests, so that no race between root fields decides which
		// loader batch comes first.
		list := `{ gapFlags(first:500){ totalCount edges{ node{ id rule state message plan{ id title } institution{ name }
				subject{ id ... on Action { title gapFlags{ id } } ... on Unit { name } ... on ResourceRequirement { description } } } } } }`
		plan := `query($p:ID!){ node(id:$p){ ... on ActionPlan { progress{ openGapFlags openGapFlagsByCategory{ category count } }
				gapFlags(first:5){ totalCount edges{ node{ id rule } } }
				actions(first:100){ edges{ node{ gapFlags{ id rule } } } } } } }`
		count := func() int64 {
			var total int64
			for _, q := range []string{list, plan} {
				e.gql(w.admin, q, map[string]any{"p": w.plan}).OK() // first sightings stored
				// Loader batches may split when resolvers straddle a
				// batch's wait; the fewest statements of a few runs is
				// the cost.
				best := int64(-1)
				for range 3 {
					before := e.srv.DB.Queries()
					e.gql(w.admin, q, map[string]any{"p": w.plan}).OK()
					if n := e.srv.DB.Queries() - before; best < 0 || n < best {
						best = n
					}
				}
				total += best
			}
			return total
		}
		for range 10 {
			w.action(map[string]any{"l": w.bare})
		}
		n10 := count()
		for range 50 {
			w.action(map[string]any{"l": w.bare})
		}
		n60 := count()
		t.Logf("statements: %d with 10 actions, %d with 60", n10, n60)
		if n60 > n10 {
			t.Fatalf("statements grow with the data: %d with 10 actions, %d with 60", n10, n60)
		}
	}, withAdmin)
}

// The gap mutations' rows of the authorization matrix (TestAuthorizationMatrix
// in e2e_access_test.go).
func init() {
	matrix["raiseGapFlag"] = matrixOp{"RaiseFlag", "raiseGapFlag", func(f *fixture, w who, inst string) *resp {
		return f.e.gql(w.token, gapRaise, map[string]any{"i": inst, "c": "POLICY", "v": "LOW", "m": "Raised in the matrix."})
	}}
	matrix["setGapFlagState"] = matrixOp{"SetFlagState", "setGapFlagState", func(f *fixture, w who, inst string) *resp {
		r := f.e.gql(f.admin, gapRaise, map[string]any{"i": inst, "c": "POLICY", "v": "LOW", "m": "Target of the matrix."}).OK()
		return f.e.gql(w.token, gapSet, map[string]any{"id": r.Str("raiseGapFlag.flag.id"), "s": "ACKNOWLEDGED"})
	}}
}

// TestGapDemoShowsEveryRule: the demo data raises a flag of every rule,
// whatever today is, with one flag acknowledged, one dismissed and one
// raised by hand.
func TestGapDemoShowsEveryRule(t *testing.T) {
	t.Parallel()
	for _, today := range []time.Time{time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC), time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)} {
		t.Run(today.Format("2006-01-02"), func(t *testing.T) {
			each(t, func(t *testing.T, e *env) {
				tok := e.login("admin@demo.gendertrack.org", demo.Password)
				r := e.gql(tok, gapList, map[string]any{"f": map[string]any{"states": []string{"OPEN", "ACKNOWLEDGED", "RESOLVED", "DISMISSED"}}, "n": 500}).OK()
				seen := map[string]int{}
				states := map[string]int{}
				ruleStates := map[string]int{}
				for i := 0; i < r.Len("gapFlags.edges"); i++ {
					n := fmt.Sprintf("gapFlags.edges.%d.node.", i)
					seen[r.Str(n+"rule")]++
					states[r.Str(n+"state")]++
					ruleStates[r.Str(n+"rule")+" "+r.Str(n+"state")]++
				}
				// Raised on one people-counting indicator, cleared on the
				// other once it was broken down by sex.
				if ruleStates["PEOPLE_INDICATOR_NOT_DISAGGREGATED OPEN"] != 1 || ruleStates["PEOPLE_INDICATOR_NOT_DISAGGREGATED RESOLVED"] != 1 {
					t.Errorf("PEOPLE_INDICATOR_NOT_DISAGGREGATED in the demo: %v", ruleStates)
				}
				for _, rule := range []string{"ACTION_WITHOUT_LEAD_UNIT", "ACTION_WITHOUT_RESOURCES", "RESOURCE_GAP", "ACTION_OVERDUE", "ACTION_STALE",
					"FINDING_UNADDRESSED", "OBJECTIVE_WITHOUT_OUTCOME_INDICATOR", "INDICATOR_NOT_MEASURED", "INDICATOR_OFF_TRACK",
					"TRAINING_WITHOUT_FOLLOW_UP", "PLAN_NOT_DISSEMINATED", "UNIT_WITHOUT_FOCAL_POINT", "PEOPLE_INDICATOR_NOT_DISAGGREGATED", "MANUAL"} {
					if seen[rule] == 0 {
						t.Errorf("no %s flag in the demo: %v", rule, seen)
					}
				}
				if states["ACKNOWLEDGED"] != 1 || states["DISMISSED"] != 1 {
					t.Errorf("states: %v", states)
				}
			}, func(c *app.Config) {
				c.Demo = true
				c.Now = func() time.Time { return today }
			})
		})
	}
}

// TestGapFlagsOfEachMutationPayload: in one request of two mutations, each
// payload shows the flags as its own write left them — the second sees the
// first's write and its own (graph/gaps_loaders.go: one memo per root
// field of a mutation).
func TestGapFlagsOfEachMutationPayload(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		w := gapNewWorld(t, e)
		a := w.action(nil)
		gapWant(t, "new action", rulesOf(a, "createAction.action.gapFlags"), "ACTION_WITHOUT_LEAD_UNIT", "ACTION_WITHOUT_RESOURCES")
		r := e.gql(w.admin, `mutation($id:ID!,$l:ID!){
			a: updateAction(input:{id:$id, expectedVersion:1, leadUnitId:$l}){ action{ gapFlags{ rule } } userErrors{ code field } }
			b: addResourceRequirement(input:{actionId:$id, kind:PERSONNEL, description:"Trainers", quantityRequired:1, quantitySecured:1}){ resource{ action{ gapFlags{ rule } } } userErrors{ code field } } }`,
			map[string]any{"id": a.Str("createAction.action.id"), "l": w.bare}).OK()
		gapWant(t, "after the lead unit", rulesOf(r, "a.action.gapFlags"), "ACTION_WITHOUT_RESOURCES")
		gapWant(t, "after the resource too", rulesOf(r, "b.resource.action.gapFlags"))
	}, withAdmin)
}
