package gaps

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

// want fails the test unless got lists exactly the expected items, in any
// order.
func want(t *testing.T, what string, got []string, expected ...string) {
	t.Helper()
	g, e := slices.Clone(got), slices.Clone(expected)
	slices.Sort(g)
	slices.Sort(e)
	if !slices.Equal(g, e) {
		t.Fatalf("%s: got %v, want %v", what, g, e)
	}
}

func subj(typ string, id int64, state string) string { return fmt.Sprintf("%s:%d/%s", typ, id, state) }

func each(t *testing.T, fn func(t *testing.T, f *fx)) {
	storetest.Each(t, func(t *testing.T, dsn string) { fn(t, newFx(t, dsn)) })
}

func TestActionWithoutLeadUnit(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		u := f.unit(inst, true)
		p := f.plan(inst, "DRAFT")
		a := f.action(p, act{})
		led := f.action(p, act{lead: &u})
		f.action(p, act{status: "CANCELLED"})
		closed := f.plan(inst, "CLOSED")
		f.action(closed, act{})
		want(t, "raised on drafts, not on led, cancelled or closed-plan actions", f.subjects(ActionWithoutLeadUnit), subj("Action", a, Open))
		fl := f.of(ActionWithoutLeadUnit)[0]
		if fl.Category != "STRUCTURE" || fl.Severity != "HIGH" || deref(fl.PlanID) != p || fl.InstitutionID != inst || fl.ActionID != a {
			t.Fatalf("flag %+v", fl)
		}
		_ = led
		f.exec("UPDATE actions SET lead_unit_id = ? WHERE id = ?", u, a)
		want(t, "resolved by a lead unit", f.subjects(ActionWithoutLeadUnit), subj("Action", a, Resolved))
	})
}

func TestActionWithoutResources(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		p := f.plan(inst, "ADOPTED")
		a := f.action(p, act{})
		f.action(p, act{status: "CANCELLED"})
		with := f.action(p, act{})
		f.resource(with, 10)
		want(t, "raised", f.subjects(ActionWithoutResources), subj("Action", a, Open))
		if fl := f.of(ActionWithoutResources)[0]; fl.Category != "RESOURCES" || fl.Severity != "MEDIUM" {
			t.Fatalf("flag %+v", fl)
		}
		f.resource(a, 0) // any requirement, even unsecured
		want(t, "resolved", f.subjects(ActionWithoutResources), subj("Action", a, Resolved))
	})
}

func TestResourceGap(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		p := f.plan(inst, "DRAFT")
		a := f.action(p, act{status: "IN_PROGRESS"})
		unsecured := f.resource(a, 0)
		partial := f.resource(a, 4)
		f.resource(a, 10) // secured
		done := f.action(p, act{status: "COMPLETED"})
		f.resource(done, 0)
		cancelled := f.action(p, act{status: "CANCELLED"})
		f.resource(cancelled, 0)
		want(t, "raised", f.subjects(ResourceGap), subj("ResourceRequirement", unsecured, Open), subj("ResourceRequirement", partial, Open))
		sev := map[int64]string{}
		for _, fl := range f.of(ResourceGap) {
			sev[fl.SubjectID] = fl.Severity
			if fl.ActionID != a || fl.Category != "RESOURCES" {
				t.Fatalf("flag %+v", fl)
			}
		}
		if sev[unsecured] != "HIGH" || sev[partial] != "MEDIUM" {
			t.Fatalf("severities %v", sev)
		}
		// Partly securing the unsecured one lowers its severity.
		f.exec("UPDATE resource_requirements SET quantity_secured = 5, funding_status = 'PARTIAL' WHERE id = ?", unsecured)
		for _, fl := range f.of(ResourceGap) {
			if fl.SubjectID == unsecured && (fl.Severity != "MEDIUM" || !strings.HasSuffix(fl.Message, "” is only partly secured.")) {
				t.Fatalf("after partial: %+v", fl)
			}
		}
		f.exec("UPDATE resource_requirements SET funding_status = 'SECURED' WHERE id = ?", partial)
		f.exec("UPDATE actions SET status = 'COMPLETED' WHERE id = ?", a)
		want(t, "resolved", f.subjects(ResourceGap), subj("ResourceRequirement", unsecured, Resolved), subj("ResourceRequirement", partial, Resolved))
		// The resolved flag keeps the last seen severity.
		for _, fl := range f.of(ResourceGap) {
			if fl.SubjectID == unsecured && fl.Severity != "MEDIUM" {
				t.Fatalf("resolved snapshot %+v", fl)
			}
		}
	})
}

func TestActionOverdue(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		p := f.plan(inst, "ADOPTED")
		late := f.action(p, act{due: ptr(f.day(-1)), status: "IN_PROGRESS"})
		f.action(p, act{due: ptr(f.day(0))}) // due today: not overdue
		f.action(p, act{due: ptr(f.day(-5)), status: "COMPLETED"})
		f.action(p, act{due: ptr(f.day(-5)), status: "CANCELLED"})
		f.action(p, act{}) // no due date
		draft := f.plan(inst, "DRAFT")
		f.action(draft, act{due: ptr(f.day(-10))}) // adopted-only rule
		want(t, "raised", f.subjects(ActionOverdue), subj("Action", late, Open))
		fl := f.of(ActionOverdue)[0]
		if fl.Category != "TIMELINE" || fl.Severity != "HIGH" || fl.Message == "" {
			t.Fatalf("flag %+v", fl)
		}
		f.exec("UPDATE actions SET status = 'COMPLETED' WHERE id = ?", late)
		want(t, "resolved", f.subjects(ActionOverdue), subj("Action", late, Resolved))
		// The day after, the action due "today" is overdue.
		f.setNow(fxNow.AddDate(0, 0, 1))
		if n := len(f.list(Filter{Rules: []string{ActionOverdue}})); n != 1 {
			t.Fatalf("next day: %d open overdue flags, want 1", n)
		}
	})
}

func TestActionStale(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		p := f.plan(inst, "ADOPTED")
		stale := f.action(p, act{status: "IN_PROGRESS"})
		f.progressAt(stale, fxNow.AddDate(0, 0, -91))
		blocked := f.action(p, act{status: "BLOCKED"}) // never updated
		edge := f.action(p, act{status: "IN_PROGRESS"})
		f.progressAt(edge, time.Date(2026, 3, 17, 0, 0, 0, 0, time.UTC)) // exactly 90 days before 2026-06-15
		f.progressAt(edge, fxNow.AddDate(0, 0, -200))
		late := f.action(p, act{status: "IN_PROGRESS"})
		f.progressAt(late, time.Date(2026, 3, 16, 23, 59, 59, 0, time.UTC)) // the last second of the day before
		f.action(p, act{status: "NOT_STARTED"})
		done := f.action(p, act{status: "COMPLETED"})
		f.progressAt(done, fxNow.AddDate(0, 0, -300))
		draft := f.plan(inst, "DRAFT")
		d := f.action(draft, act{status: "IN_PROGRESS"})
		f.progressAt(d, fxNow.AddDate(0, 0, -300))
		want(t, "raised", f.subjects(ActionStale), subj("Action", stale, Open), subj("Action", blocked, Open), subj("Action", late, Open))
		if fl := f.of(ActionStale)[0]; fl.Category != "MONITORING" || fl.Severity != "LOW" {
			t.Fatalf("flag %+v", fl)
		}
		f.progressAt(stale, fxNow.Add(-time.Hour))
		want(t, "an update resolves", f.subjects(ActionStale), subj("Action", stale, Resolved), subj("Action", blocked, Open), subj("Action", late, Open))
		// A day later the 90-day edge update is 91 days old.
		f.setNow(fxNow.AddDate(0, 0, 1))
		want(t, "next day", f.subjects(ActionStale), subj("Action", stale, Resolved), subj("Action", blocked, Open), subj("Action", edge, Open), subj("Action", late, Open))
		// Configurable period.
		f.setNow(fxNow)
		f.svc.Config.StaleDays = 300
		want(t, "300 days", f.subjects(ActionStale), subj("Action", stale, Resolved), subj("Action", blocked, Open), subj("Action", edge, Resolved), subj("Action", late, Resolved))
	})
}

func TestFindingUnaddressed(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		old := f.assessment(inst, "VALIDATED", fxNow.AddDate(-1, 0, 0))
		f.finding(old, "POLICY", "HIGH") // of an older assessment: not flagged
		va := f.assessment(inst, "VALIDATED", fxNow.AddDate(0, -1, 0))
		high := f.finding(va, "CAPACITY", "HIGH")
		med := f.finding(va, "POLICY", "MEDIUM")
		crit := f.finding(va, "RESOURCES", "CRITICAL")
		f.finding(va, "POLICY", "LOW")
		sub := f.assessment(inst, "SUBMITTED", time.Time{})
		f.finding(sub, "POLICY", "HIGH") // not validated
		want(t, "raised", f.subjects(FindingUnaddressed), subj("Finding", high, Open), subj("Finding", med, Open), subj("Finding", crit, Open))
		for _, fl := range f.of(FindingUnaddressed) {
			if fl.PlanID != nil || fl.InstitutionID != inst {
				t.Fatalf("flag %+v", fl)
			}
			if fl.SubjectID == high && (fl.Category != "CAPACITY" || fl.Severity != "HIGH") {
				t.Fatalf("flag %+v", fl)
			}
		}
		fr, err := f.svc.List(f.ctx, Filter{Rules: []string{FindingUnaddressed}}, "fr")
		if err != nil || len(fr) != 3 || fr[0].Message != "Le constat « Constat FR » n'est traité par aucun objectif ni aucune action d'un plan en cours." {
			t.Fatalf("French: %v %+v", err, fr)
		}

		// Linked to an objective of a draft plan, to an action of an adopted
		// one: addressed. Linked to a closed plan: still unaddressed.
		draft := f.plan(inst, "DRAFT")
		o := f.objective(draft)
		f.exec("INSERT INTO objective_findings (objective_id, finding_id) VALUES (?, ?)", o, high)
		adopted := f.plan(inst, "ADOPTED")
		a := f.action(adopted, act{})
		f.exec("INSERT INTO action_findings (action_id, finding_id) VALUES (?, ?)", a, med)
		closed := f.plan(inst, "CLOSED")
		ca := f.action(closed, act{})
		f.exec("INSERT INTO action_findings (action_id, finding_id) VALUES (?, ?)", ca, crit)
		want(t, "linked", f.subjects(FindingUnaddressed), subj("Finding", high, Resolved), subj("Finding", med, Resolved), subj("Finding", crit, Open))

		// A plan's flags never hold institution-level ones.
		if n := len(f.list(Filter{PlanID: &closed, States: States})); n != 0 {
			t.Fatalf("plan scope holds %d flags", n)
		}
		// A newer validated assessment replaces the findings looked at.
		nva := f.assessment(inst, "VALIDATED", fxNow.AddDate(0, 0, -1))
		nf := f.finding(nva, "POLICY", "MEDIUM")
		want(t, "newer assessment", f.subjects(FindingUnaddressed), subj("Finding", high, Resolved), subj("Finding", med, Resolved),
			subj("Finding", crit, Resolved), subj("Finding", nf, Open))
	})
}

func TestObjectiveWithoutOutcomeIndicator(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		p := f.plan(inst, "DRAFT")
		o := f.objective(p)
		ok1 := f.objective(p)
		f.indicator(p, ind{objective: &ok1, level: "IMPACT", target: 1})
		f.indicator(p, ind{objective: &o, level: "OUTPUT", target: 1})
		want(t, "raised", f.subjects(ObjectiveWithoutOutcomeIndicator), subj("Objective", o, Open))
		if fl := f.of(ObjectiveWithoutOutcomeIndicator)[0]; fl.Category != "MONITORING" || fl.Severity != "MEDIUM" || fl.ActionID != 0 {
			t.Fatalf("flag %+v", fl)
		}
		a := f.action(p, act{objective: &o})
		f.indicator(p, ind{action: &a, level: "OUTCOME", target: 1})
		want(t, "an outcome indicator on its action", f.subjects(ObjectiveWithoutOutcomeIndicator), subj("Objective", o, Resolved))
	})
}

func TestIndicatorNotMeasured(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		// Adopted 181 days ago: its indicators without a measurement are due.
		f.setNow(fxNow.AddDate(0, 0, -181))
		p := f.plan(inst, "ADOPTED")
		f.setNow(fxNow.AddDate(0, 0, -180))
		edge := f.plan(inst, "ADOPTED") // exactly 180 days ago
		f.setNow(fxNow)
		never := f.indicator(p, ind{target: 1})
		f.indicator(edge, ind{target: 1})
		old := f.indicator(p, ind{target: 1})
		f.measure(old, 0.5, f.day(-181))
		recent := f.indicator(p, ind{target: 1})
		f.measure(recent, 0.5, f.day(-181))
		f.measure(recent, 0.5, f.day(-180)) // exactly 180 days ago: measured in time
		draft := f.plan(inst, "DRAFT")
		f.indicator(draft, ind{target: 1})
		want(t, "raised", f.subjects(IndicatorNotMeasured), subj("Indicator", never, Open), subj("Indicator", old, Open))
		if fl := f.of(IndicatorNotMeasured)[0]; fl.Category != "MONITORING" || fl.Severity != "LOW" {
			t.Fatalf("flag %+v", fl)
		}
		f.measure(never, 0.1, f.day(0))
		want(t, "measured", f.subjects(IndicatorNotMeasured), subj("Indicator", never, Resolved), subj("Indicator", old, Open))
	})
}

func TestIndicatorOffTrack(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		p := f.plan(inst, "ADOPTED") // from 100 days ago to 100 days ahead: elapsed 0.5
		off := f.indicator(p, ind{target: 100})
		f.measure(off, 10, f.day(-50))
		f.measure(off, 24, f.day(-1)) // progress 0.24 < 0.25
		edge := f.indicator(p, ind{target: 100})
		f.measure(edge, 25, f.day(-1)) // progress 0.25: on track
		down := f.indicator(p, ind{baseline: ptr(50.0), target: 10})
		f.measure(down, 45, f.day(-1)) // progress 0.125: off track
		done := f.indicator(p, ind{target: 100})
		f.measure(done, 100, f.day(-1)) // achieved
		own := f.indicator(p, ind{target: 100, baselineDate: ptr(f.day(-10)), targetDate: ptr(f.day(190))})
		f.measure(own, 1, f.day(-1))     // elapsed 0.05: on track
		f.indicator(p, ind{target: 100}) // not measured
		draft := f.plan(inst, "DRAFT")
		d := f.indicator(draft, ind{target: 100})
		f.measure(d, 0, f.day(-1))
		want(t, "raised", f.subjects(IndicatorOffTrack), subj("Indicator", off, Open), subj("Indicator", down, Open))
		if fl := f.of(IndicatorOffTrack)[0]; fl.Category != "MONITORING" || fl.Severity != "MEDIUM" {
			t.Fatalf("flag %+v", fl)
		}
		f.measure(off, 30, f.day(0))
		want(t, "back on track", f.subjects(IndicatorOffTrack), subj("Indicator", off, Resolved), subj("Indicator", down, Open))
	})
}

func TestTrainingWithoutFollowUp(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		p := f.plan(inst, "DRAFT")
		o := f.objective(p)
		tr := f.action(p, act{kind: "TRAINING", objective: &o})
		f.indicator(p, ind{action: &tr, level: "OUTPUT", target: 1})
		viaObjective := f.objective(p)
		f.indicator(p, ind{objective: &viaObjective, level: "OUTCOME", target: 1})
		f.action(p, act{kind: "TRAINING", objective: &viaObjective})
		own := f.action(p, act{kind: "TRAINING"})
		f.indicator(p, ind{action: &own, level: "IMPACT", target: 1})
		f.action(p, act{kind: "TRAINING", status: "CANCELLED"})
		f.action(p, act{kind: "AWARENESS_RAISING"})
		want(t, "raised", f.subjects(TrainingWithoutFollowUp), subj("Action", tr, Open))
		if fl := f.of(TrainingWithoutFollowUp)[0]; fl.Category != "CAPACITY" || fl.Severity != "MEDIUM" {
			t.Fatalf("flag %+v", fl)
		}
		f.indicator(p, ind{objective: &o, level: "OUTCOME", target: 1})
		want(t, "followed up", f.subjects(TrainingWithoutFollowUp), subj("Action", tr, Resolved))
	})
}

func TestPlanNotDisseminated(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		u1, u2, u3 := f.unit(inst, true), f.unit(inst, true), f.unit(inst, true)
		p := f.plan(inst, "ADOPTED")
		f.action(p, act{lead: &u1})
		f.action(p, act{lead: &u1}) // one flag per unit and plan
		f.action(p, act{lead: &u2})
		f.action(p, act{lead: &u3, status: "CANCELLED"})
		draft := f.plan(inst, "DRAFT")
		f.action(draft, act{lead: &u1})
		want(t, "raised", f.subjects(PlanNotDisseminated), subj("Unit", u1, Open), subj("Unit", u2, Open))
		for _, fl := range f.of(PlanNotDisseminated) {
			if deref(fl.PlanID) != p || fl.Category != "OWNERSHIP" || fl.Severity != "MEDIUM" {
				t.Fatalf("flag %+v", fl)
			}
		}
		f.disseminate(p, u1)
		f.disseminate(draft, u2) // another plan's record does not count
		want(t, "disseminated", f.subjects(PlanNotDisseminated), subj("Unit", u1, Resolved), subj("Unit", u2, Open))
	})
}

func TestUnitWithoutFocalPoint(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		bare, focal, idle := f.unit(inst, false), f.unit(inst, true), f.unit(inst, false)
		p1 := f.plan(inst, "DRAFT")
		p2 := f.plan(inst, "ADOPTED")
		f.action(p1, act{lead: &bare})
		f.action(p1, act{lead: &bare})
		f.action(p2, act{lead: &bare})
		f.action(p1, act{lead: &focal})
		f.action(p1, act{lead: &idle, status: "CANCELLED"})
		fl := f.of(UnitWithoutFocalPoint)
		if len(fl) != 2 || fl[0].SubjectID != bare || fl[1].SubjectID != bare || deref(fl[0].PlanID) == deref(fl[1].PlanID) {
			t.Fatalf("one flag per unit and plan: %+v", fl)
		}
		if fl[0].ID == fl[1].ID || fl[0].Category != "STRUCTURE" || fl[0].Severity != "MEDIUM" {
			t.Fatalf("flags %+v", fl)
		}
		f.exec("UPDATE units SET gender_focal_point = 'Someone' WHERE id = ?", bare)
		want(t, "focal point named", f.subjects(UnitWithoutFocalPoint), subj("Unit", bare, Resolved), subj("Unit", bare, Resolved))
	})
}

func TestPeopleIndicatorNotDisaggregated(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fx) {
		inst := f.institution()
		p := f.plan(inst, "ADOPTED")
		bare := f.indicator(p, ind{target: 10, countsPeople: true})
		byAge := f.indicator(p, ind{target: 10, countsPeople: true})
		f.dimension(byAge, "AGE_GROUP", "age-group", 0)
		bySex := f.indicator(p, ind{target: 10, countsPeople: true}) // the boundary: a SEX dimension, among others
		f.dimension(bySex, "AGE_GROUP", "age-group", 0)
		f.dimension(bySex, "SEX", "sex", 1)
		f.indicator(p, ind{target: 10}) // counts no people
		draft := f.plan(inst, "DRAFT")
		inDraft := f.indicator(draft, ind{target: 10, countsPeople: true}) // not an "adopted" rule
		f.indicator(f.plan(inst, "CLOSED"), ind{target: 10, countsPeople: true})
		want(t, "raised", f.subjects(PeopleIndicatorNotDisaggregated),
			subj("Indicator", bare, Open), subj("Indicator", byAge, Open), subj("Indicator", inDraft, Open))
		if fl := f.of(PeopleIndicatorNotDisaggregated)[0]; fl.Category != "MONITORING" || fl.Severity != "MEDIUM" {
			t.Fatalf("flag %+v", fl)
		}
		f.dimension(byAge, "SEX", "sex", 1)
		f.exec("UPDATE indicators SET counts_people = ? WHERE id = ?", false, inDraft)
		want(t, "cleared", f.subjects(PeopleIndicatorNotDisaggregated),
			subj("Indicator", bare, Open), subj("Indicator", byAge, Resolved), subj("Indicator", inDraft, Resolved))
	})
}

func TestRulesCatalogue(t *testing.T) {
	t.Parallel()
	s := &Service{}
	en, fr := s.Rules("en"), s.Rules("fr")
	if len(en) != 13 || len(fr) != 13 {
		t.Fatalf("%d rules", len(en))
	}
	for i, r := range en {
		if r.Description == "" || fr[i].Description == "" || r.Description == fr[i].Description || !ValidCategory(r.Category) || !ValidSeverity(r.DefaultSeverity) {
			t.Fatalf("rule %+v / %+v", r, fr[i])
		}
	}
	if en[4].Rule != ActionStale || en[4].Description != "In an adopted plan, an action in progress or blocked has had no progress update in the last 90 days (configurable)." {
		t.Fatalf("stale: %+v", en[4])
	}
	if got := (&Service{Config: Config{StaleDays: 30}}).Rules("de")[4].Description; got != "In an adopted plan, an action in progress or blocked has had no progress update in the last 30 days (configurable)." {
		t.Fatal(got)
	}
}

func TestIDs(t *testing.T) {
	t.Parallel()
	k := Key{Rule: UnitWithoutFocalPoint, SubjectType: "Unit", SubjectID: 42, PlanID: 7}
	got, manual, ok := ParseID(k.ID())
	if !ok || manual != 0 || got != k {
		t.Fatalf("%v %v %v", got, manual, ok)
	}
	if _, m, ok := ParseID(ManualID(9)); !ok || m != 9 {
		t.Fatal("manual id")
	}
	for _, bad := range []string{"", "x", Key{Rule: "NOPE", SubjectType: "Unit", SubjectID: 1}.ID(), Key{Rule: ActionOverdue, SubjectType: "Unit", SubjectID: 1, PlanID: 1}.ID()} {
		if _, _, ok := ParseID(bad); ok {
			t.Fatalf("%q parsed", bad)
		}
	}
}
