package gaps

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/store"
)

// userErr returns "CODE@a.b" of a user error, "" for nil, the error text
// otherwise.
func userErr(err error) string {
	if err == nil {
		return ""
	}
	if u, ok := errs.AsUser(err); ok {
		var out []string
		for _, e := range u {
			out = append(out, string(e.Code)+"@"+strings.Join(e.Field, "."))
		}
		return strings.Join(out, ",")
	}
	return err.Error()
}

func (f *fx) get(ctx context.Context, id string) *Flag {
	f.t.Helper()
	m, err := f.svc.Get(ctx, []string{id}, "en")
	if err != nil {
		f.t.Fatal(err)
	}
	return m[id]
}

func TestFlagStates(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		u := f.unit(inst, true)
		p := f.plan(inst, "DRAFT")
		a := f.action(p, act{})
		id := Key{Rule: ActionWithoutLeadUnit, SubjectType: "Action", SubjectID: a, PlanID: p}.ID()

		// First sighting: OPEN, detectedAt now, kept on later reads.
		fl := f.get(f.ctx, id)
		if fl == nil || fl.State != Open || !fl.DetectedAt.Equal(fxNow) || fl.ID != id {
			t.Fatalf("first sighting: %+v", fl)
		}
		f.setNow(fxNow.Add(48 * time.Hour))
		if fl := f.get(f.ctx, id); !fl.DetectedAt.Equal(fxNow) {
			t.Fatalf("detectedAt moved: %v", fl.DetectedAt)
		}

		// Acknowledge; then fix: RESOLVED, listed only when asked for.
		got, err := f.svc.SetState(f.ctx, id, Acknowledged, ptr("  we know  "), "en")
		if err != nil || got.State != Acknowledged || deref(got.Note) != "we know" {
			t.Fatalf("acknowledge: %v %+v", err, got)
		}
		if n := len(f.list(Filter{PlanID: &p, Rules: []string{ActionWithoutLeadUnit}})); n != 1 {
			t.Fatalf("acknowledged flags are open: %d", n)
		}
		f.exec("UPDATE actions SET lead_unit_id = ? WHERE id = ?", u, a)
		if n := len(f.list(Filter{PlanID: &p, Rules: []string{ActionWithoutLeadUnit}})); n != 0 {
			t.Fatalf("resolved flag listed by default")
		}
		if fl := f.get(f.ctx, id); fl.State != Resolved || !fl.DetectedAt.Equal(fxNow) {
			t.Fatalf("resolved: %+v", fl)
		}
		if l := f.list(Filter{States: []string{Resolved}}); len(l) != 1 || l[0].ID != id {
			t.Fatalf("RESOLVED filter: %+v", l)
		}
		// The state of a resolved automatic flag cannot be set.
		if _, err := f.svc.SetState(f.ctx, id, Open, nil, "en"); userErr(err) != "INVALID_STATE@input.id" {
			t.Fatalf("set on resolved: %v", err)
		}

		// The condition returns: OPEN again (the acknowledgement is gone),
		// detectedAt still the first sighting.
		f.exec("UPDATE actions SET lead_unit_id = NULL WHERE id = ?", a)
		if fl := f.get(f.ctx, id); fl.State != Open || fl.Note != nil || !fl.DetectedAt.Equal(fxNow) {
			t.Fatalf("reopened: %+v", fl)
		}

		// Refusals.
		for _, c := range []struct {
			state string
			note  *string
			want  string
		}{
			{Resolved, ptr("x"), "INVALID@input.state"},
			{Dismissed, nil, "INVALID@input.note"},
			{Dismissed, ptr("   "), "INVALID@input.note"},
			{"NOPE", nil, "INVALID@input.state"},
		} {
			if _, err := f.svc.SetState(f.ctx, id, c.state, c.note, "en"); userErr(err) != c.want {
				t.Fatalf("%s: got %v, want %s", c.state, err, c.want)
			}
		}
		if _, err := f.svc.SetState(f.ctx, Key{Rule: ActionOverdue, SubjectType: "Action", SubjectID: a, PlanID: p}.ID(), Acknowledged, nil, "en"); userErr(err) != "NOT_FOUND@input.id" {
			t.Fatalf("flag that never was: %v", err)
		}
		if _, err := f.svc.SetState(f.ctx, "garbage", Acknowledged, nil, "en"); userErr(err) != "NOT_FOUND@input.id" {
			t.Fatalf("bad id: %v", err)
		}

		// Dismissed stays dismissed: RESOLVED while fixed, DISMISSED again
		// when the condition returns.
		if _, err := f.svc.SetState(f.ctx, id, Dismissed, ptr("Handled by the ministry."), "en"); err != nil {
			t.Fatal(err)
		}
		if n := len(f.list(Filter{PlanID: &p, Rules: []string{ActionWithoutLeadUnit}})); n != 0 {
			t.Fatalf("dismissed flag listed by default")
		}
		f.exec("UPDATE actions SET lead_unit_id = ? WHERE id = ?", u, a)
		if fl := f.get(f.ctx, id); fl.State != Resolved {
			t.Fatalf("dismissed then fixed: %+v", fl)
		}
		f.exec("UPDATE actions SET lead_unit_id = NULL WHERE id = ?", a)
		if fl := f.get(f.ctx, id); fl.State != Dismissed || deref(fl.Note) != "Handled by the ministry." {
			t.Fatalf("dismissed flag came back: %+v", fl)
		}
		// OPEN by hand.
		if fl, err := f.svc.SetState(f.ctx, id, Open, nil, "en"); err != nil || fl.State != Open || fl.Note != nil {
			t.Fatalf("reopen by hand: %v %+v", err, fl)
		}

		// Every change was audited with the flag's ID.
		var evs []store.AuditEvent
		if err := f.db.NewSelect().Model(&evs).Where("operation = 'setGapFlagState'").Order("id").Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(evs) != 3 || deref(evs[0].SubjectID) != id || deref(evs[0].InstitutionID) != inst || !strings.Contains(deref(evs[0].Changes), `"state":["OPEN","ACKNOWLEDGED"]`) {
			t.Fatalf("audit: %d events, first %+v %s", len(evs), evs, deref(evs[0].Changes))
		}
	})
}

func TestManualFlags(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		other := f.institution()
		p := f.plan(inst, "ADOPTED")
		a := f.action(p, act{})
		u := f.unit(inst, true)
		ou := f.unit(other, true)
		ctx := f.as(authz.RoleFocalPoint, inst)

		fl, err := f.svc.Raise(ctx, RaiseInput{InstitutionID: inst, SubjectType: "Action", SubjectID: a, Category: "COORDINATION", Severity: "CRITICAL", Message: "  Nobody talks to the regions.  "}, "en")
		if err != nil {
			t.Fatal(err)
		}
		if fl.Rule != Manual || fl.State != Open || fl.Message != "Nobody talks to the regions." || deref(fl.PlanID) != p || fl.ActionID != a || fl.SubjectGID() == "" {
			t.Fatalf("raised %+v", fl)
		}
		if got := f.get(f.ctx, fl.ID); got == nil || got.Category != "COORDINATION" || got.Severity != "CRITICAL" {
			t.Fatalf("get %+v", got)
		}
		// Listed first: most severe.
		if l := f.list(Filter{InstitutionID: &inst}); len(l) == 0 || l[0].ID != fl.ID {
			t.Fatalf("list %+v", l)
		}
		if l := f.list(Filter{PlanID: &p, Rules: []string{Manual}}); len(l) != 1 {
			t.Fatalf("plan list %+v", l)
		}

		// Input problems.
		for _, c := range []struct {
			in   RaiseInput
			want string
		}{
			{RaiseInput{InstitutionID: inst, Category: "NOPE", Severity: "LOW", Message: "m"}, "INVALID@input.category"},
			{RaiseInput{InstitutionID: inst, Category: "POLICY", Severity: "NOPE", Message: "m"}, "INVALID@input.severity"},
			{RaiseInput{InstitutionID: inst, Category: "POLICY", Severity: "LOW", Message: " "}, "INVALID@input.message"},
			{RaiseInput{InstitutionID: inst, Category: "POLICY", Severity: "LOW", Message: "m", SubjectType: "Unit", SubjectID: 99999}, "NOT_FOUND@input.subjectId"},
			{RaiseInput{InstitutionID: inst, Category: "POLICY", Severity: "LOW", Message: "m", SubjectType: "Unit", SubjectID: ou}, "NOT_FOUND@input.subjectId"},
			{RaiseInput{InstitutionID: inst, Category: "POLICY", Severity: "LOW", Message: "m", PlanID: ptr(int64(99999))}, "NOT_FOUND@input.planId"},
			{RaiseInput{InstitutionID: other, Category: "POLICY", Severity: "LOW", Message: "m"}, "NOT_FOUND@input.institutionId"},
		} {
			if _, err := f.svc.Raise(ctx, c.in, "en"); userErr(err) != c.want {
				t.Fatalf("%+v: got %v, want %s", c.in, err, c.want)
			}
		}
		// An admin naming a subject of another institution: INVALID.
		if _, err := f.svc.Raise(f.ctx, RaiseInput{InstitutionID: inst, Category: "POLICY", Severity: "LOW", Message: "m", SubjectType: "Unit", SubjectID: ou}, "en"); userErr(err) != "INVALID@input.subjectId" {
			t.Fatalf("other institution's subject: %v", err)
		}
		other2 := f.plan(inst, "DRAFT")
		if _, err := f.svc.Raise(f.ctx, RaiseInput{InstitutionID: inst, PlanID: &other2, Category: "POLICY", Severity: "LOW", Message: "m", SubjectType: "Action", SubjectID: a}, "en"); userErr(err) != "INVALID@input.planId" {
			t.Fatalf("subject of another plan: %v", err)
		}
		// A flag about a unit, without plan.
		uf, err := f.svc.Raise(f.ctx, RaiseInput{InstitutionID: inst, Category: "STRUCTURE", Severity: "LOW", Message: "m", SubjectType: "Unit", SubjectID: u}, "en")
		if err != nil || uf.PlanID != nil || uf.SubjectType != "Unit" {
			t.Fatalf("%v %+v", err, uf)
		}

		// A MANUAL flag takes any state by hand, RESOLVED included.
		set := f.as(authz.RoleCommitteeMember, inst)
		for _, st := range []string{Acknowledged, Resolved, Open} {
			if got, err := f.svc.SetState(set, fl.ID, st, nil, "en"); err != nil || got.State != st {
				t.Fatalf("%s: %v %+v", st, err, got)
			}
		}
		if _, err := f.svc.SetState(set, fl.ID, Dismissed, nil, "en"); userErr(err) != "INVALID@input.note" {
			t.Fatalf("dismiss without note: %v", err)
		}
		if got := f.get(f.ctx, fl.ID); got.State != Open {
			t.Fatalf("stored state %+v", got)
		}
		var n int
		if err := f.db.NewSelect().Table("audit_events").ColumnExpr("count(*)").Where("operation = 'raiseGapFlag'").Scan(context.Background(), &n); err != nil || n != 2 {
			t.Fatalf("raise audit events: %d %v", n, err)
		}
	})
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		other := f.institution()
		p := f.plan(inst, "DRAFT")
		f.action(p, act{})
		op := f.plan(other, "DRAFT")
		f.action(op, act{})
		id := f.of(ActionWithoutLeadUnit)[0].ID
		if f.of(ActionWithoutLeadUnit)[0].InstitutionID != inst {
			id = f.of(ActionWithoutLeadUnit)[1].ID
		}
		raise := RaiseInput{InstitutionID: inst, Category: "POLICY", Severity: "LOW", Message: "m"}

		// Every role reads flags, of its institution only.
		for _, role := range []string{authz.RoleCoordinator, authz.RoleCommitteeMember, authz.RoleFocalPoint, authz.RoleLeadership, authz.RolePartner, authz.RoleAuditor} {
			ctx := f.as(role, inst)
			l, err := f.svc.List(ctx, Filter{}, "en")
			if err != nil || len(l) == 0 {
				t.Fatalf("%s lists %d flags: %v", role, len(l), err)
			}
			for _, fl := range l {
				if fl.InstitutionID != inst {
					t.Fatalf("%s sees a flag of another institution", role)
				}
			}
			if l, _ := f.svc.List(ctx, Filter{InstitutionID: &other}, "en"); len(l) != 0 {
				t.Fatalf("%s lists another institution's flags", role)
			}
			_, rerr := f.svc.Raise(ctx, raise, "en")
			_, serr := f.svc.SetState(ctx, id, Acknowledged, nil, "en")
			mayRaise := role != authz.RolePartner && role != authz.RoleAuditor
			maySet := mayRaise && role != authz.RoleFocalPoint
			if mayRaise != (rerr == nil) || (!mayRaise && !errors.Is(rerr, errs.ErrForbidden)) {
				t.Fatalf("%s raise: %v", role, rerr)
			}
			if maySet != (serr == nil) || (!maySet && !errors.Is(serr, errs.ErrForbidden)) {
				t.Fatalf("%s set state: %v", role, serr)
			}
		}
		// A stranger sees nothing and may change nothing: NOT_FOUND.
		stranger := f.as(authz.RoleCoordinator, other)
		if f.get(stranger, id) != nil {
			t.Fatal("stranger reads the flag")
		}
		if _, err := f.svc.SetState(stranger, id, Acknowledged, nil, "en"); userErr(err) != "NOT_FOUND@input.id" {
			t.Fatalf("stranger set: %v", err)
		}
		if _, err := f.svc.Raise(stranger, raise, "en"); userErr(err) != "NOT_FOUND@input.institutionId" {
			t.Fatalf("stranger raise: %v", err)
		}
		// Anonymous: nothing, and UNAUTHENTICATED for changes.
		anon := context.Background()
		if l, err := f.svc.List(anon, Filter{}, "en"); err != nil || len(l) != 0 {
			t.Fatalf("anonymous list: %d %v", len(l), err)
		}
		if _, err := f.svc.SetState(anon, id, Acknowledged, nil, "en"); !errors.Is(err, errs.ErrUnauthenticated) {
			t.Fatalf("anonymous set: %v", err)
		}
		if _, err := f.svc.Raise(anon, raise, "en"); !errors.Is(err, errs.ErrUnauthenticated) {
			t.Fatalf("anonymous raise: %v", err)
		}
	})
}

func TestFiltersOrderAndPages(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		other := f.institution()
		p := f.plan(inst, "ADOPTED")
		p2 := f.plan(inst, "DRAFT")
		// HIGH: no lead unit (and overdue); MEDIUM: no resources; LOW: stale.
		a := f.action(p, act{due: ptr(f.day(-1)), status: "BLOCKED"})
		f.setNow(fxNow.Add(time.Hour))
		b := f.action(p2, act{})
		f.action(f.plan(other, "DRAFT"), act{})
		f.list(Filter{PlanID: &p2}) // b's flags seen an hour later than a's
		f.setNow(fxNow)
		f.list(Filter{})
		f.setNow(fxNow.Add(2 * time.Hour))

		all := f.list(Filter{InstitutionID: &inst})
		var got []string
		for _, fl := range all {
			got = append(got, fl.Rule+"/"+fl.Severity)
		}
		// severity desc, then detectedAt asc (plan p2's flags came later).
		wantOrder := []string{
			"ACTION_WITHOUT_LEAD_UNIT/HIGH", "ACTION_OVERDUE/HIGH", // a at 09:00 (id order between them)
			"ACTION_WITHOUT_LEAD_UNIT/HIGH", // b at 10:00
			"ACTION_WITHOUT_RESOURCES/MEDIUM", "ACTION_WITHOUT_RESOURCES/MEDIUM",
			"ACTION_STALE/LOW",
		}
		if len(got) != len(wantOrder) {
			t.Fatalf("got %v", got)
		}
		for i := range all {
			if SeverityRank(all[i].Severity) != SeverityRank(strings.Split(wantOrder[i], "/")[1]) {
				t.Fatalf("order: got %v, want %v", got, wantOrder)
			}
		}
		if all[0].SubjectID != a || all[1].SubjectID != a || all[2].SubjectID != b || all[0].ID > all[1].ID {
			t.Fatalf("detectedAt/id order: %+v", all[:3])
		}

		count := func(fl Filter) int { return len(f.list(fl)) }
		if n := count(Filter{InstitutionID: &inst, MinSeverity: "HIGH"}); n != 3 {
			t.Fatalf("minSeverity HIGH: %d", n)
		}
		if n := count(Filter{InstitutionID: &inst, MinSeverity: "CRITICAL"}); n != 0 {
			t.Fatalf("minSeverity CRITICAL: %d", n)
		}
		if n := count(Filter{InstitutionID: &inst, Categories: []string{"RESOURCES", "TIMELINE"}}); n != 3 {
			t.Fatalf("categories: %d", n)
		}
		if n := count(Filter{PlanID: &p}); n != 4 {
			t.Fatalf("plan: %d", n)
		}
		if n := count(Filter{InstitutionID: &other, PlanID: &p}); n != 0 {
			t.Fatalf("plan of another institution: %d", n)
		}
		if n := count(Filter{Rules: []string{ActionWithoutLeadUnit}}); n != 3 {
			t.Fatalf("rules across institutions: %d", n)
		}

		// Pages of 2 walk the whole list exactly once.
		var walked []string
		after := ""
		for i := 0; ; i++ {
			page, more, earlier, err := Page(all, 2, after)
			if err != nil || earlier != (i > 0) {
				t.Fatalf("page %d: %v %v", i, err, earlier)
			}
			for _, fl := range page {
				walked = append(walked, fl.ID)
			}
			if !more {
				break
			}
			after = Cursor(&page[len(page)-1])
		}
		var ids []string
		for _, fl := range all {
			ids = append(ids, fl.ID)
		}
		if !slices.Equal(walked, ids) {
			t.Fatalf("walked %v, want %v", walked, ids)
		}
		// A cursor still works when its flag is gone.
		c := Cursor(&all[1])
		rest, _, _, _ := Page(slices.Delete(slices.Clone(all), 1, 2), 10, c)
		if len(rest) != len(all)-2 || rest[0].ID != all[2].ID {
			t.Fatalf("cursor of a gone flag: %+v", rest)
		}
		if _, _, _, err := Page(all, 2, "bogus"); err == nil {
			t.Fatal("bogus cursor accepted")
		}

		// Counts per category.
		pc, err := f.svc.NewMemo("en").OpenCountsByPlans(f.ctx, []PlanRef{{p, inst}, {p2, inst}})
		if err != nil || pc[p].Open != 4 || pc[p].ByCategory["TIMELINE"] != 1 || pc[p2].Open != 2 {
			t.Fatalf("plan counts %+v %v", pc, err)
		}
		if l := pc[p].List(); len(l) != len(Categories) || l[0].Category != "STRUCTURE" || l[0].Count != 1 {
			t.Fatalf("category list %+v", l)
		}
		memo := f.svc.NewMemo("en")
		ic, err := memo.OpenCountsByInstitutions(f.ctx, []int64{inst, other})
		if err != nil || ic[inst].Open != 6 || ic[other].Open != 2 {
			t.Fatalf("institution counts %+v %v", ic, err)
		}
		// Action.gapFlags: the flags of each action.
		before := f.db.Queries()
		ba, err := memo.ByActions(f.ctx, []ActionFlagRef{{a, p, inst}, {b, p2, inst}})
		if err != nil || len(ba[a]) != 4 || len(ba[b]) != 2 {
			t.Fatalf("by actions %v %v", len(ba[a]), err)
		}
		// The memo knew both institutions already: no statement.
		if n := f.db.Queries() - before; n != 0 {
			t.Fatalf("memo ran %d statements", n)
		}
		if l, err := memo.List(f.ctx, Filter{InstitutionID: &inst, PlanID: &p}); err != nil || len(l) != 4 || f.db.Queries() != before {
			t.Fatalf("memo list %d %v", len(l), err)
		}
	})
}

// TestStatementsPerRequest: the statements of one list do not depend on
// how much data there is.
func TestStatementsPerRequest(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		measure := func(actions int) (first, steady int64) {
			inst := f.institution()
			u := f.unit(inst, false)
			p := f.plan(inst, "ADOPTED")
			o := f.objective(p)
			rows := make([]store.Action, actions)
			for i := range rows {
				rows[i] = store.Action{PlanID: p, InstitutionID: inst, ObjectiveID: &o, Title: f.name("A"), Kind: "TRAINING", Status: "IN_PROGRESS",
					DueDate: ptr(f.day(-1)), Version: 1, CreatedAt: fxNow, UpdatedAt: fxNow}
				if i%2 == 0 {
					rows[i].LeadUnitID = &u
				}
			}
			if _, err := f.db.NewInsert().Model(&rows).Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
			run := func() int64 {
				before := f.db.Queries()
				l := f.list(Filter{InstitutionID: &inst, States: States})
				if len(l) < actions {
					t.Fatalf("%d flags for %d actions", len(l), actions)
				}
				return f.db.Queries() - before
			}
			return run(), run()
		}
		f10, s10 := measure(10)
		f300, s300 := measure(300)
		t.Logf("statements: first read %d/%d, later reads %d/%d", f10, f300, s10, s300)
		if f10 != f300 || s10 != s300 || s10 > 3 {
			t.Fatalf("statements grow with the data: 10 actions %d then %d, 300 actions %d then %d", f10, s10, f300, s300)
		}
	})
}

// Paging through the flags of every institution, of one or of a plan, page
// by page, gives the whole list in its order, with its count on every
// page, whatever the filter; a cursor from nowhere is refused.
func TestPagesAcrossInstitutionsWalkTheWholeList(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		var inst, p int64
		for range 3 {
			inst = f.institution()
			p = f.plan(inst, "ADOPTED")
			for i := range 4 {
				a := f.action(p, act{status: "IN_PROGRESS", due: ptr(f.day(-1 - i))})
				f.progressAt(a, fxNow.AddDate(0, 0, -100))
			}
		}
		filters := []Filter{{}, {States: States}, {MinSeverity: "HIGH"}, {Rules: []string{ActionStale}},
			{InstitutionID: &inst}, {PlanID: &p}, {InstitutionID: &inst, PlanID: &p, MinSeverity: "HIGH"}}
		for _, fl := range filters {
			memo := f.svc.NewMemo("en")
			all, err := memo.List(f.ctx, fl)
			if err != nil || len(all) < 3 {
				t.Fatalf("%+v: list of %d, %v", fl, len(all), err)
			}
			for _, size := range []int{1, 5, len(all), len(all) + 1} {
				var walked []Flag
				after := ""
				for page := 0; ; page++ {
					items, total, more, earlier, err := memo.ListPage(f.ctx, fl, size, after)
					if err != nil || total != len(all) || earlier != (page > 0) || len(items) > size {
						t.Fatalf("%+v size %d page %d: %d items of %d, earlier %v, %v", fl, size, page, len(items), total, earlier, err)
					}
					walked = append(walked, items...)
					if !more {
						break
					}
					after = Cursor(&items[len(items)-1])
				}
				if len(walked) != len(all) {
					t.Fatalf("%+v size %d: walked %d of %d", fl, size, len(walked), len(all))
				}
				for i := range all {
					if walked[i].ID != all[i].ID {
						t.Fatalf("%+v size %d: flag %d is %s, want %s", fl, size, i, walked[i].ID, all[i].ID)
					}
				}
			}
		}
		if _, _, _, _, err := f.svc.NewMemo("en").ListPage(f.ctx, Filter{}, 10, "bogus"); !errors.Is(err, errs.ErrBadInput) {
			t.Fatalf("bogus cursor: %v", err)
		}
	})
}
