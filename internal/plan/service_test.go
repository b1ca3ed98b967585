package plan_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/money"
	"github.com/gendertrack/gendertrack/internal/org"
	"github.com/gendertrack/gendertrack/internal/patch"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// fixture is a migrated database with two institutions, their units, a
// partner, and a finding in each.
type fixture struct {
	t        *testing.T
	ctx      context.Context
	db       *store.DB
	s        *plan.Service
	now      time.Time
	inst     int64 // the institution the plans belong to
	other    int64 // another institution
	units    []int64
	foreign  int64 // a unit of the other institution
	partner  int64
	finding  int64
	foreignF int64 // a finding of the other institution
	assess   int64
	assessF  int64 // an assessment of the other institution
}

func setup(t *testing.T, dsn string) *fixture {
	t.Helper()
	db := storetest.Open(t, dsn)
	guard, err := authz.NewGuard()
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{t: t, ctx: authz.System(context.Background()), db: db, now: time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return fx.now }
	fx.s = &plan.Service{DB: db, Guard: guard, Now: clock}
	o := &org.Service{DB: db, Guard: guard, Now: clock}
	inst, err := o.CreateInstitution(fx.ctx, org.InstitutionInput{Name: patch.Set("National Police"), Sector: patch.Set("POLICE"), Country: patch.Set("ML")})
	if err != nil {
		t.Fatal(err)
	}
	other, err := o.CreateInstitution(fx.ctx, org.InstitutionInput{Name: patch.Set("National Gendarmerie"), Sector: patch.Set("GENDARMERIE"), Country: patch.Set("ML")})
	if err != nil {
		t.Fatal(err)
	}
	fx.inst, fx.other = inst.ID, other.ID
	for _, n := range []string{"HQ", "Academy", "GBV Unit"} {
		u, err := o.CreateUnit(fx.ctx, org.UnitInput{InstitutionID: inst.ID, Name: patch.Set(n), Kind: patch.Set("DIRECTORATE")})
		if err != nil {
			t.Fatal(err)
		}
		fx.units = append(fx.units, u.ID)
	}
	fu, err := o.CreateUnit(fx.ctx, org.UnitInput{InstitutionID: other.ID, Name: patch.Set("Legion"), Kind: patch.Set("REGIONAL_COMMAND")})
	if err != nil {
		t.Fatal(err)
	}
	fx.foreign = fu.ID
	p, err := o.CreatePartner(fx.ctx, org.PartnerInput{Name: "UN Women", Kind: "UN_AGENCY"})
	if err != nil {
		t.Fatal(err)
	}
	fx.partner = p.ID
	fx.assess, fx.finding = fx.mkFinding(inst.ID, "No confidential interview rooms")
	fx.assessF, fx.foreignF = fx.mkFinding(other.ID, "Elsewhere")
	return fx
}

// mkFinding stores an assessment with one finding straight in the tables.
func (fx *fixture) mkFinding(inst int64, title string) (assessment, finding int64) {
	fx.t.Helper()
	q := &store.Questionnaire{Key: "test-" + title, Version: 1, DefaultLanguage: "en", Document: "{}", CreatedAt: fx.now}
	if _, err := fx.db.NewInsert().Model(q).Returning("id").Exec(fx.ctx); err != nil {
		fx.t.Fatal(err)
	}
	a := &store.Assessment{InstitutionID: inst, QuestionnaireID: q.ID, Title: "Baseline", StartDate: "2025-01-10", Status: "VALIDATED",
		Version: 1, CreatedAt: fx.now, UpdatedAt: fx.now}
	if _, err := fx.db.NewInsert().Model(a).Returning("id").Exec(fx.ctx); err != nil {
		fx.t.Fatal(err)
	}
	f := &store.Finding{AssessmentID: a.ID, InstitutionID: inst, AreaKey: "area", Title: title, Category: "STRUCTURE", Severity: "HIGH", Origin: "MANUAL", CreatedAt: fx.now}
	if _, err := fx.db.NewInsert().Model(f).Returning("id").Exec(fx.ctx); err != nil {
		fx.t.Fatal(err)
	}
	return a.ID, f.ID
}

func sp(s string) *string                 { return &s }
func fp(v float64) *float64               { return &v }
func ip(v int64) *int64                   { return &v }
func idl(v ...int64) patch.Field[[]int64] { return patch.Set(v) }

// codes renders the user errors of err as CODE@field.path, sorted; it fails
// on any other error.
func codes(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	u, ok := errs.AsUser(err)
	if !ok {
		t.Fatalf("not a user error: %v", err)
	}
	var out []string
	for _, e := range u {
		out = append(out, string(e.Code)+"@"+strings.Join(e.Field, "."))
	}
	slices.Sort(out)
	return out
}

func want(t *testing.T, err error, expected ...string) {
	t.Helper()
	slices.Sort(expected)
	if got := codes(t, err); !slices.Equal(got, expected) {
		t.Fatalf("user errors %v, want %v (%v)", got, expected, err)
	}
}

// must returns v, and panics (failing the test) on an error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func (fx *fixture) plan(title string) *store.ActionPlan {
	return must(fx.s.CreatePlan(fx.ctx, plan.PlanInput{InstitutionID: fx.inst, Title: patch.Set(title), StartDate: patch.Set("2026-01-01"), EndDate: patch.Set("2027-12-31")}))
}

func (fx *fixture) action(planID int64, title string, mod func(*plan.ActionInput)) *store.Action {
	in := plan.ActionInput{PlanID: planID, Title: patch.Set(title), Kind: patch.Set("TRAINING")}
	if mod != nil {
		mod(&in)
	}
	return must(fx.s.CreateAction(fx.ctx, in))
}

func (fx *fixture) audits(op string) int64 {
	n, err := fx.db.NewSelect().Table("audit_events").Where("operation = ?", op).Count(fx.ctx)
	if err != nil {
		fx.t.Fatal(err)
	}
	return n
}

func TestPlanValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		fx := setup(t, dsn)
		_, err := fx.s.CreatePlan(fx.ctx, plan.PlanInput{InstitutionID: fx.inst, Title: patch.Set("  "), StartDate: patch.Set("2026-02-30"), EndDate: patch.Set("2026-01-01")})
		want(t, err, "INVALID@input.title", "INVALID@input.startDate")
		_, err = fx.s.CreatePlan(fx.ctx, plan.PlanInput{InstitutionID: fx.inst, Title: patch.Set("P"), StartDate: patch.Set("2026-03-01"), EndDate: patch.Set("2026-01-01"), DraftFromFindings: true})
		want(t, err, "INVALID@input.endDate", "INVALID@input.sourceAssessmentId")
		_, err = fx.s.CreatePlan(fx.ctx, plan.PlanInput{InstitutionID: fx.inst, Title: patch.Set("P"), StartDate: patch.Set("2026-01-01"), EndDate: patch.Set("2026-12-31"), SourceAssessmentID: ip(fx.assessF)})
		want(t, err, "INVALID@input.sourceAssessmentId")
		_, err = fx.s.CreatePlan(fx.ctx, plan.PlanInput{InstitutionID: fx.inst, Title: patch.Set("P"), StartDate: patch.Set("2026-01-01"), EndDate: patch.Set("2026-12-31"), SourceAssessmentID: ip(99999)})
		want(t, err, "NOT_FOUND@input.sourceAssessmentId")
		_, err = fx.s.CreatePlan(fx.ctx, plan.PlanInput{InstitutionID: 99999, Title: patch.Set("P"), StartDate: patch.Set("2026-01-01"), EndDate: patch.Set("2026-12-31")})
		want(t, err, "NOT_FOUND@input.institutionId")
		if n, _ := fx.db.NewSelect().Table("action_plans").Count(fx.ctx); n != 0 {
			t.Fatalf("%d plans stored by failed creates", n)
		}

		p := fx.plan("Plan")
		if p.Status != "DRAFT" || p.Version != 1 {
			t.Fatalf("new plan %+v", p)
		}
		_, err = fx.s.UpdatePlan(fx.ctx, p.ID, 1, plan.PlanInput{EndDate: patch.Set("2025-12-31")})
		want(t, err, "INVALID@input.endDate")
		_, err = fx.s.UpdatePlan(fx.ctx, p.ID, 1, plan.PlanInput{StartDate: patch.Set("2028-01-01")})
		want(t, err, "INVALID@input.startDate")
		_, err = fx.s.UpdatePlan(fx.ctx, p.ID, 7, plan.PlanInput{Title: patch.Set("New")})
		want(t, err, "CONFLICT@input.expectedVersion")
		up := must(fx.s.UpdatePlan(fx.ctx, p.ID, 1, plan.PlanInput{Title: patch.Set("New"), EndDate: patch.Set("2026-01-01")}))
		if up.Version != 2 || up.Title != "New" || up.EndDate != "2026-01-01" {
			t.Fatalf("updated plan %+v", up)
		}
		if fx.audits("createActionPlan") != 1 || fx.audits("updateActionPlan") != 1 {
			t.Fatal("one audit event per successful mutation")
		}
	})
}

func TestDraftFromFindings(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		fx := setup(t, dsn)
		// A second finding in the same assessment.
		f2 := &store.Finding{AssessmentID: fx.assess, InstitutionID: fx.inst, AreaKey: "area", Title: "No GBV procedures", Category: "POLICY", Severity: "MEDIUM", Origin: "RULE", CreatedAt: fx.now}
		if _, err := fx.db.NewInsert().Model(f2).Returning("id").Exec(fx.ctx); err != nil {
			t.Fatal(err)
		}
		p := must(fx.s.CreatePlan(fx.ctx, plan.PlanInput{InstitutionID: fx.inst, Title: patch.Set("From findings"), StartDate: patch.Set("2026-01-01"),
			EndDate: patch.Set("2026-12-31"), SourceAssessmentID: ip(fx.assess), DraftFromFindings: true}))
		objs := must(fx.s.ObjectivesByPlan(fx.ctx, []int64{p.ID}))[p.ID]
		if len(objs) != 2 || objs[0].Title != "No confidential interview rooms" || objs[1].Title != "No GBV procedures" {
			t.Fatalf("objectives %+v", objs)
		}
		links := must(fx.s.ObjectiveFindings(fx.ctx, []int64{objs[0].ID, objs[1].ID}))
		if len(links[objs[0].ID]) != 1 || links[objs[0].ID][0].ID != fx.finding || links[objs[1].ID][0].ID != f2.ID {
			t.Fatalf("links %+v", links)
		}
		by := must(fx.s.ObjectivesByFinding(fx.ctx, []int64{fx.finding}))
		if len(by[fx.finding]) != 1 || by[fx.finding][0].ID != objs[0].ID {
			t.Fatalf("objectives by finding %+v", by)
		}
		if fx.audits("createActionPlan") != 1 || fx.audits("createObjective") != 0 {
			t.Fatal("drafting is one mutation with one audit event")
		}
	})
}

func TestObjectiveAndActionValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		fx := setup(t, dsn)
		p := fx.plan("Plan")
		other := fx.plan("Other plan")
		foreignObj := must(fx.s.CreateObjective(fx.ctx, plan.ObjectiveInput{PlanID: other.ID, Title: patch.Set("Elsewhere")}))

		_, err := fx.s.CreateObjective(fx.ctx, plan.ObjectiveInput{PlanID: p.ID, Title: patch.Set(""), FindingIDs: idl(fx.finding, fx.foreignF, 424242)})
		want(t, err, "INVALID@input.title", "INVALID@input.findingIds.1", "NOT_FOUND@input.findingIds.2")
		_, err = fx.s.CreateObjective(fx.ctx, plan.ObjectiveInput{PlanID: 424242, Title: patch.Set("x")})
		want(t, err, "NOT_FOUND@input.planId")
		obj := must(fx.s.CreateObjective(fx.ctx, plan.ObjectiveInput{PlanID: p.ID, Title: patch.Set("Rooms"), FindingIDs: idl(fx.finding)}))

		_, err = fx.s.CreateAction(fx.ctx, plan.ActionInput{PlanID: p.ID, Title: patch.Set("A"), Kind: patch.Set("DANCING"),
			ObjectiveID: patch.Set(foreignObj.ID), LeadUnitID: patch.Set(fx.foreign), SupportingUnitIDs: idl(fx.units[0], 424242, fx.foreign),
			PartnerIDs: idl(fx.partner, 424242), FindingIDs: idl(fx.foreignF), StartDate: patch.Set("2026-05-01"), DueDate: patch.Set("2026-04-30")})
		want(t, err, "INVALID@input.kind", "INVALID@input.objectiveId", "INVALID@input.leadUnitId",
			"NOT_FOUND@input.supportingUnitIds.1", "INVALID@input.supportingUnitIds.2", "NOT_FOUND@input.partnerIds.1",
			"INVALID@input.findingIds.0", "INVALID@input.dueDate")
		_, err = fx.s.CreateAction(fx.ctx, plan.ActionInput{PlanID: p.ID, Kind: patch.Set("TRAINING"), ObjectiveID: patch.Set[int64](424242), LeadUnitID: patch.Set[int64](424242)})
		want(t, err, "INVALID@input.title", "NOT_FOUND@input.objectiveId", "NOT_FOUND@input.leadUnitId")
		if n, _ := fx.db.NewSelect().Table("actions").Count(fx.ctx); n != 0 {
			t.Fatalf("%d actions stored by failed creates", n)
		}

		a := fx.action(p.ID, "Train trainers", func(in *plan.ActionInput) {
			in.ObjectiveID, in.LeadUnitID = patch.Set(obj.ID), patch.Set(fx.units[1])
			in.SupportingUnitIDs, in.PartnerIDs, in.FindingIDs = idl(fx.units[0], fx.units[2], fx.units[0]), idl(fx.partner), idl(fx.finding)
			in.StartDate, in.DueDate = patch.Set("2026-02-01"), patch.Set("2026-09-30")
		})
		if a.Status != "NOT_STARTED" || a.ProgressPercent != 0 || a.Version != 1 {
			t.Fatalf("new action %+v", a)
		}
		su := must(fx.s.SupportingUnits(fx.ctx, []int64{a.ID}))[a.ID]
		if len(su) != 2 || su[0].ID != fx.units[0] || su[1].ID != fx.units[2] {
			t.Fatalf("supporting units %+v", su)
		}
		// The stored start date against a new due date, and the other way.
		_, err = fx.s.UpdateAction(fx.ctx, a.ID, 1, plan.ActionInput{DueDate: patch.Set("2026-01-31")})
		want(t, err, "INVALID@input.dueDate")
		_, err = fx.s.UpdateAction(fx.ctx, a.ID, 1, plan.ActionInput{StartDate: patch.Set("2026-10-01")})
		want(t, err, "INVALID@input.startDate")
		_, err = fx.s.UpdateAction(fx.ctx, a.ID, 1, plan.ActionInput{LeadUnitID: patch.Set(fx.foreign)})
		want(t, err, "INVALID@input.leadUnitId")
		_, err = fx.s.UpdateAction(fx.ctx, a.ID, 0, plan.ActionInput{Title: patch.Set("x")})
		want(t, err, "CONFLICT@input.expectedVersion")
		up := must(fx.s.UpdateAction(fx.ctx, a.ID, 1, plan.ActionInput{Title: patch.Set("Train the trainers"), SupportingUnitIDs: idl(), PartnerIDs: idl()}))
		if up.Version != 2 || up.Title != "Train the trainers" || *up.LeadUnitID != fx.units[1] {
			t.Fatalf("updated %+v", up)
		}
		if su := must(fx.s.SupportingUnits(fx.ctx, []int64{a.ID}))[a.ID]; len(su) != 0 {
			t.Fatalf("supporting units not cleared: %+v", su)
		}
		if f := must(fx.s.ActionFindings(fx.ctx, []int64{a.ID}))[a.ID]; len(f) != 1 {
			t.Fatalf("findings changed although not given: %+v", f)
		}
		_, err = fx.s.UpdateObjective(fx.ctx, obj.ID, 1, plan.ObjectiveInput{FindingIDs: idl(fx.foreignF)})
		want(t, err, "INVALID@input.findingIds.0")
		uo := must(fx.s.UpdateObjective(fx.ctx, obj.ID, 1, plan.ObjectiveInput{Description: patch.Set("All stations"), FindingIDs: idl()}))
		if uo.Version != 2 || *uo.Description != "All stations" {
			t.Fatalf("objective %+v", uo)
		}
		if fx.audits("createAction") != 1 || fx.audits("updateAction") != 1 || fx.audits("updateObjective") != 1 {
			t.Fatal("one audit event per successful mutation")
		}
	})
}

func TestResourceValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		fx := setup(t, dsn)
		p := fx.plan("Plan")
		a := fx.action(p.ID, "Rooms", nil)
		add := func(in plan.ResourceInput) (*store.ResourceRequirement, error) {
			in.ActionID = a.ID
			if !in.Description.Present() {
				in.Description = patch.Set("Need")
			}
			return fx.s.AddResource(fx.ctx, in)
		}
		_, err := add(plan.ResourceInput{Kind: sp("BUDGET")})
		want(t, err, "INVALID@input.amountRequired", "INVALID@input.currency")
		_, err = add(plan.ResourceInput{Kind: sp("BUDGET"), AmountRequired: patch.Set("10"), Currency: patch.Set("EURO"), QuantityRequired: patch.Set[float64](2), Unit: patch.Set("rooms")})
		want(t, err, "INVALID@input.currency", "INVALID@input.quantityRequired", "INVALID@input.unit")
		_, err = add(plan.ResourceInput{Kind: sp("BUDGET"), AmountRequired: patch.Set("-5"), AmountSecured: patch.Set("1.23456"), Currency: patch.Set("XOF")})
		want(t, err, "INVALID@input.amountRequired", "INVALID@input.amountSecured")
		_, err = add(plan.ResourceInput{Kind: sp("BUDGET"), AmountRequired: patch.Set("1e5"), Currency: patch.Set("XXX")})
		want(t, err, "INVALID@input.amountRequired", "INVALID@input.currency")
		_, err = add(plan.ResourceInput{Kind: sp("EQUIPMENT"), AmountRequired: patch.Set("10"), Currency: patch.Set("EUR")})
		want(t, err, "INVALID@input.amountRequired", "INVALID@input.currency", "INVALID@input.quantityRequired")
		_, err = add(plan.ResourceInput{Kind: sp("EQUIPMENT"), QuantityRequired: patch.Set[float64](-1), AmountSecured: patch.Set("1")})
		want(t, err, "INVALID@input.quantityRequired", "INVALID@input.amountSecured")
		_, err = add(plan.ResourceInput{Kind: sp("MONEY"), QuantityRequired: patch.Set[float64](1)})
		want(t, err, "INVALID@input.kind")
		_, err = add(plan.ResourceInput{Kind: sp("PERSONNEL"), Description: patch.Set(" "), QuantityRequired: patch.Set[float64](1), ProviderID: patch.Set[int64](424242)})
		want(t, err, "INVALID@input.description", "NOT_FOUND@input.providerId")

		b := must(add(plan.ResourceInput{Kind: sp("BUDGET"), AmountRequired: patch.Set("1000000.50"), Currency: patch.Set("xof"), ProviderID: patch.Set(fx.partner)}))
		if b.FundingStatus != "UNSECURED" || *b.Currency != "XOF" || b.AmountRequired.String() != "1000000.5" || b.AmountSecured != nil {
			t.Fatalf("budget %+v", b)
		}
		b = must(fx.s.UpdateResource(fx.ctx, b.ID, 1, plan.ResourceInput{AmountSecured: patch.Set("250000")}))
		if b.FundingStatus != "PARTIAL" || b.Version != 2 {
			t.Fatalf("partial %+v", b)
		}
		_, err = fx.s.UpdateResource(fx.ctx, b.ID, 2, plan.ResourceInput{QuantitySecured: patch.Set[float64](3)})
		want(t, err, "INVALID@input.quantitySecured")
		_, err = fx.s.UpdateResource(fx.ctx, b.ID, 1, plan.ResourceInput{AmountSecured: patch.Set("1")})
		want(t, err, "CONFLICT@input.expectedVersion")
		b = must(fx.s.UpdateResource(fx.ctx, b.ID, 2, plan.ResourceInput{AmountSecured: patch.Set("1000000.5000")}))
		if b.FundingStatus != "SECURED" {
			t.Fatalf("secured %+v", b)
		}
		q := must(add(plan.ResourceInput{Kind: sp("EQUIPMENT"), QuantityRequired: patch.Set[float64](10), QuantitySecured: patch.Set[float64](4), Unit: patch.Set("computers")}))
		if q.FundingStatus != "PARTIAL" {
			t.Fatalf("quantity %+v", q)
		}
		// Read back: the exact amount survives the database.
		got := must(fx.s.ResourcesByAction(fx.ctx, []int64{a.ID}))[a.ID]
		if len(got) != 2 || got[0].AmountRequired.String() != "1000000.5" || got[0].AmountSecured.Cmp(money.MustParseAmount("1000000.5")) != 0 || got[1].FundingStatus != "PARTIAL" {
			t.Fatalf("stored %+v", got)
		}
		if fx.audits("addResourceRequirement") != 2 || fx.audits("updateResourceRequirement") != 2 {
			t.Fatal("one audit event per successful mutation")
		}
	})
}

func TestIndicatorValidationAndStatus(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		fx := setup(t, dsn)
		p := fx.plan("Plan")
		obj := must(fx.s.CreateObjective(fx.ctx, plan.ObjectiveInput{PlanID: p.ID, Title: patch.Set("O")}))
		a := fx.action(p.ID, "A", nil)
		_, err := fx.s.CreateIndicator(fx.ctx, plan.IndicatorInput{Name: sp("n"), Level: sp("OUTPUT"), Target: fp(1)})
		want(t, err, "INVALID@input.objectiveId")
		_, err = fx.s.CreateIndicator(fx.ctx, plan.IndicatorInput{ObjectiveID: &obj.ID, ActionID: &a.ID, Name: sp("n"), Level: sp("OUTPUT"), Target: fp(1)})
		want(t, err, "INVALID@input.actionId")
		_, err = fx.s.CreateIndicator(fx.ctx, plan.IndicatorInput{ActionID: ip(424242), Name: sp("n"), Level: sp("OUTPUT"), Target: fp(1)})
		want(t, err, "NOT_FOUND@input.actionId")
		_, err = fx.s.CreateIndicator(fx.ctx, plan.IndicatorInput{ObjectiveID: &obj.ID, Name: sp(""), Level: sp("RESULT"),
			BaselineDate: sp("2026-06-01"), TargetDate: sp("2026-05-31")})
		want(t, err, "INVALID@input.name", "INVALID@input.level", "INVALID@input.target", "INVALID@input.targetDate")

		ind := must(fx.s.CreateIndicator(fx.ctx, plan.IndicatorInput{ObjectiveID: &obj.ID, Name: sp("Women among GBV investigators (%)"),
			Level: sp("OUTCOME"), Baseline: fp(10), Target: fp(30), BaselineDate: sp("2026-01-01"), TargetDate: sp("2026-12-31")}))
		if st := fx.s.IndicatorStatus(ind, p); st != "NOT_MEASURED" {
			t.Fatalf("status %s", st)
		}
		// Measurements only in ADOPTED.
		_, _, err = fx.s.RecordMeasurement(fx.ctx, plan.MeasurementInput{IndicatorID: ind.ID, Value: 12, MeasuredOn: "2026-03-01"})
		want(t, err, "INVALID_STATE@input.indicatorId")
		must(fx.s.AdoptPlan(fx.ctx, p.ID, nil))
		_, _, err = fx.s.RecordMeasurement(fx.ctx, plan.MeasurementInput{IndicatorID: ind.ID, Value: 12, MeasuredOn: "2026-13-01"})
		want(t, err, "INVALID@input.measuredOn")
		_, i1, err := fx.s.RecordMeasurement(fx.ctx, plan.MeasurementInput{IndicatorID: ind.ID, Value: 12, MeasuredOn: "2026-05-01"})
		if err != nil {
			t.Fatal(err)
		}
		// 2026-06-15 is 45% through the year; progress 10% < 20%: OFF_TRACK.
		if st := fx.s.IndicatorStatus(i1, p); st != "OFF_TRACK" || *i1.LatestValue != 12 || i1.Version != 2 {
			t.Fatalf("status %s %+v", st, i1)
		}
		// An older measurement does not replace the latest.
		_, i2, err := fx.s.RecordMeasurement(fx.ctx, plan.MeasurementInput{IndicatorID: ind.ID, Value: 30, MeasuredOn: "2026-02-01"})
		if err != nil {
			t.Fatal(err)
		}
		if *i2.LatestValue != 12 || *i2.LatestMeasuredOn != "2026-05-01" {
			t.Fatalf("older measurement became latest: %+v", i2)
		}
		_, i3, err := fx.s.RecordMeasurement(fx.ctx, plan.MeasurementInput{IndicatorID: ind.ID, Value: 18, MeasuredOn: "2026-06-01"})
		if err != nil {
			t.Fatal(err)
		}
		if st := fx.s.IndicatorStatus(i3, p); st != "ON_TRACK" {
			t.Fatalf("status %s", st)
		}
		ms := must(fx.s.MeasurementsByIndicator(fx.ctx, []int64{ind.ID}))[ind.ID]
		if len(ms) != 3 || ms[2].Value != 18 || ms[0].Value != 30 {
			t.Fatalf("measurements %+v", ms)
		}
		pr := must(fx.s.Progress(fx.ctx, []int64{p.ID}))[p.ID]
		if pr.IndicatorsOnTrack != 1 || pr.IndicatorsNotMeasured != 0 {
			t.Fatalf("progress %+v", pr)
		}
	})
}

func TestLifeCycle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		fx := setup(t, dsn)
		p := fx.plan("Plan")
		_, err := fx.s.AdoptPlan(fx.ctx, p.ID, nil)
		want(t, err, "INVALID_STATE@input.planId")
		_, err = fx.s.ClosePlan(fx.ctx, p.ID, nil)
		want(t, err, "INVALID_STATE@input.planId")
		a := fx.action(p.ID, "A", func(in *plan.ActionInput) { in.LeadUnitID = patch.Set(fx.units[0]) })
		_, _, err = fx.s.RecordProgress(fx.ctx, plan.ProgressInput{ActionID: a.ID, Status: "IN_PROGRESS", ProgressPercent: 10})
		want(t, err, "INVALID_STATE@input.actionId")
		_, err = fx.s.RecordDissemination(fx.ctx, plan.DisseminationInput{PlanID: p.ID, UnitID: fx.units[0], Date: "2026-06-01", Method: "BRIEFING"})
		want(t, err, "INVALID_STATE@input.planId")

		ad := must(fx.s.AdoptPlan(fx.ctx, p.ID, sp("Signed by the Director General")))
		if ad.Status != "ADOPTED" || ad.AdoptedAt == nil || ad.Version != 2 {
			t.Fatalf("adopted %+v", ad)
		}
		_, err = fx.s.AdoptPlan(fx.ctx, p.ID, nil)
		want(t, err, "INVALID_STATE@input.planId")
		// Structure changes continue in ADOPTED.
		b := fx.action(p.ID, "B", nil)

		_, _, err = fx.s.RecordProgress(fx.ctx, plan.ProgressInput{ActionID: a.ID, Status: "COMPLETED", ProgressPercent: 90})
		want(t, err, "INVALID@input.progressPercent")
		_, _, err = fx.s.RecordProgress(fx.ctx, plan.ProgressInput{ActionID: a.ID, Status: "IN_PROGRESS", ProgressPercent: 101, Evidence: []string{"ok", " "}})
		want(t, err, "INVALID@input.progressPercent", "INVALID@input.evidence.1")
		_, _, err = fx.s.RecordProgress(fx.ctx, plan.ProgressInput{ActionID: a.ID, Status: "DONE", ProgressPercent: 1})
		want(t, err, "INVALID@input.status")
		upd, u, err := fx.s.RecordProgress(fx.ctx, plan.ProgressInput{ActionID: a.ID, Status: "IN_PROGRESS", ProgressPercent: 40, Note: sp("Half the trainers trained"), Evidence: []string{"report.pdf"}})
		if err != nil {
			t.Fatal(err)
		}
		if upd.Status != "IN_PROGRESS" || upd.ProgressPercent != 40 || upd.LastProgressAt == nil || upd.Version != 2 || u.ActionID != a.ID || u.Evidence[0] != "report.pdf" {
			t.Fatalf("progress %+v %+v", upd, u)
		}
		fx.now = fx.now.Add(time.Hour)
		_, _, err = fx.s.RecordProgress(fx.ctx, plan.ProgressInput{ActionID: a.ID, Status: "COMPLETED", ProgressPercent: 100})
		if err != nil {
			t.Fatal(err)
		}
		pages := must(fx.s.UpdatePages(fx.ctx, []int64{a.ID, b.ID}, store.Page{First: 1, Desc: true}))
		if pg := pages[a.ID]; !pg.More || len(pg.Items) != 1 || pg.Items[0].Status != "COMPLETED" {
			t.Fatalf("latest update page %+v", pg)
		}
		if n := must(fx.s.ActionsByID(fx.ctx, []int64{a.ID, b.ID})); n[a.ID].UpdateCount != 2 || n[b.ID].UpdateCount != 0 {
			t.Fatalf("update counts %d and %d, want 2 and 0", n[a.ID].UpdateCount, n[b.ID].UpdateCount)
		}
		if pg := pages[b.ID]; len(pg.Items) != 0 {
			t.Fatalf("empty page %+v", pg)
		}
		next := must(fx.s.UpdatePages(fx.ctx, []int64{a.ID}, store.Page{First: 1, Desc: true, After: pages[a.ID].Items[0].ID}))[a.ID]
		if next.More || len(next.Items) != 1 || next.Items[0].ProgressPercent != 40 {
			t.Fatalf("second page %+v", next)
		}
		d := must(fx.s.RecordDissemination(fx.ctx, plan.DisseminationInput{PlanID: p.ID, UnitID: fx.units[0], Date: "2026-06-01", Method: "BRIEFING"}))
		if d.PlanID != p.ID {
			t.Fatalf("dissemination %+v", d)
		}
		_, err = fx.s.RecordDissemination(fx.ctx, plan.DisseminationInput{PlanID: p.ID, UnitID: fx.foreign, Date: "2026-06-31", Method: "SHOUTING"})
		want(t, err, "INVALID@input.unitId", "INVALID@input.date", "INVALID@input.method")

		cl := must(fx.s.ClosePlan(fx.ctx, p.ID, nil))
		if cl.Status != "CLOSED" || cl.ClosedAt == nil {
			t.Fatalf("closed %+v", cl)
		}
		// Nothing changes in CLOSED.
		_, err = fx.s.ClosePlan(fx.ctx, p.ID, nil)
		want(t, err, "INVALID_STATE@input.planId")
		_, err = fx.s.AdoptPlan(fx.ctx, p.ID, nil)
		want(t, err, "INVALID_STATE@input.planId")
		_, err = fx.s.UpdatePlan(fx.ctx, p.ID, cl.Version, plan.PlanInput{Title: patch.Set("x")})
		want(t, err, "INVALID_STATE@input.id")
		_, err = fx.s.CreateAction(fx.ctx, plan.ActionInput{PlanID: p.ID, Title: patch.Set("C"), Kind: patch.Set("OTHER")})
		want(t, err, "INVALID_STATE@input.planId")
		_, err = fx.s.UpdateAction(fx.ctx, b.ID, 1, plan.ActionInput{Title: patch.Set("x")})
		want(t, err, "INVALID_STATE@input.id")
		_, err = fx.s.CreateObjective(fx.ctx, plan.ObjectiveInput{PlanID: p.ID, Title: patch.Set("x")})
		want(t, err, "INVALID_STATE@input.planId")
		_, err = fx.s.AddResource(fx.ctx, plan.ResourceInput{ActionID: b.ID, Kind: sp("PERSONNEL"), Description: patch.Set("x"), QuantityRequired: patch.Set[float64](1)})
		want(t, err, "INVALID_STATE@input.actionId")
		_, err = fx.s.CreateIndicator(fx.ctx, plan.IndicatorInput{ActionID: &b.ID, Name: sp("x"), Level: sp("OUTPUT"), Target: fp(1)})
		want(t, err, "INVALID_STATE@input.actionId")
		_, _, err = fx.s.RecordProgress(fx.ctx, plan.ProgressInput{ActionID: b.ID, Status: "IN_PROGRESS", ProgressPercent: 5})
		want(t, err, "INVALID_STATE@input.actionId")
		_, err = fx.s.RecordDissemination(fx.ctx, plan.DisseminationInput{PlanID: p.ID, UnitID: fx.units[0], Date: "2026-06-01", Method: "BRIEFING"})
		want(t, err, "INVALID_STATE@input.planId")
		for op, n := range map[string]int64{"adoptActionPlan": 1, "closeActionPlan": 1, "recordProgress": 2, "recordDissemination": 1, "createAction": 2} {
			if got := fx.audits(op); got != n {
				t.Fatalf("%d audit events for %s, want %d", got, op, n)
			}
		}
	})
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		fx := setup(t, dsn)
		p := fx.plan("Plan")
		a := fx.action(p.ID, "A", nil)
		_, err := fx.s.CreateAction(context.Background(), plan.ActionInput{PlanID: p.ID, Title: patch.Set("x"), Kind: patch.Set("OTHER")})
		if err != errs.ErrUnauthenticated {
			t.Fatalf("anonymous: %v", err)
		}
		// Roles are loaded straight into the guard; the users need rows for
		// the audit trail.
		var users []int64
		for _, role := range []string{"FOCAL_POINT", "LEADERSHIP", "COORDINATOR"} {
			u := &store.User{Email: role + "@example.org", Name: role, PasswordHash: "x", Version: 1, CreatedAt: fx.now}
			if _, err := fx.db.NewInsert().Model(u).Returning("id").Exec(fx.ctx); err != nil {
				t.Fatal(err)
			}
			users = append(users, u.ID)
		}
		if err := fx.s.Guard.Load([]authz.Assignment{{UserID: users[0], Role: "FOCAL_POINT", InstitutionID: fx.inst},
			{UserID: users[1], Role: "LEADERSHIP", InstitutionID: fx.inst}, {UserID: users[2], Role: "COORDINATOR", InstitutionID: fx.other}}, 1); err != nil {
			t.Fatal(err)
		}
		as := func(i int) context.Context { return authAs(users[i]) }
		_, err = fx.s.CreateAction(as(0), plan.ActionInput{PlanID: p.ID, Title: patch.Set("x"), Kind: patch.Set("OTHER")})
		if err != errs.ErrForbidden {
			t.Fatalf("focal point createAction: %v", err)
		}
		_, err = fx.s.AdoptPlan(as(0), p.ID, nil)
		if err != errs.ErrForbidden {
			t.Fatalf("focal point adopt: %v", err)
		}
		_, err = fx.s.CreateAction(as(1), plan.ActionInput{PlanID: p.ID, Title: patch.Set("x"), Kind: patch.Set("OTHER")})
		if err != errs.ErrForbidden {
			t.Fatalf("leadership createAction: %v", err)
		}
		ad := must(fx.s.AdoptPlan(as(1), p.ID, nil))
		if ad.AdoptedBy == nil || *ad.AdoptedBy != users[1] {
			t.Fatalf("adoptedBy %+v", ad)
		}
		_, _, err = fx.s.RecordProgress(as(1), plan.ProgressInput{ActionID: a.ID, Status: "IN_PROGRESS", ProgressPercent: 5})
		if err != errs.ErrForbidden {
			t.Fatalf("leadership recordProgress: %v", err)
		}
		_, u, err := fx.s.RecordProgress(as(0), plan.ProgressInput{ActionID: a.ID, Status: "IN_PROGRESS", ProgressPercent: 5})
		if err != nil || *u.AuthorID != users[0] {
			t.Fatalf("focal point recordProgress: %v", err)
		}
		// Another institution's coordinator: the plan does not exist for it.
		_, err = fx.s.UpdateAction(as(2), a.ID, 1, plan.ActionInput{Title: patch.Set("x")})
		want(t, err, "NOT_FOUND@input.id")
		_, err = fx.s.CreateObjective(as(2), plan.ObjectiveInput{PlanID: p.ID, Title: patch.Set("x")})
		want(t, err, "NOT_FOUND@input.planId")
		if m := must(fx.s.PlansByID(as(2), []int64{p.ID})); len(m) != 0 {
			t.Fatal("another institution's plan is readable")
		}
		if m := must(fx.s.ActionsByID(as(2), []int64{a.ID})); len(m) != 0 {
			t.Fatal("another institution's action is readable")
		}
	})
}
