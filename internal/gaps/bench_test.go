package gaps

import (
	"context"
	"testing"

	"github.com/gendertrack/gendertrack/internal/store"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// seedInstitution fills one institution with an adopted and a draft plan
// holding n actions in all, with a mix of everything the rules look at:
// units with and without focal points, resources in every funding state,
// indicators with and without measurements, progress updates,
// disseminations, and findings of a validated assessment.
func seedInstitution(tb testing.TB, f *fx, n int) int64 {
	tb.Helper()
	ctx := context.Background()
	inst := f.institution()
	var units []int64
	for i := range 20 {
		units = append(units, f.unit(inst, i%3 != 0))
	}
	adopted, draft := f.plan(inst, "ADOPTED"), f.plan(inst, "DRAFT")
	for _, u := range units[:10] {
		f.disseminate(adopted, u)
	}
	objectives := map[int64][]int64{}
	for _, p := range []int64{adopted, draft} {
		for range 10 {
			objectives[p] = append(objectives[p], f.objective(p))
		}
	}
	kinds := []string{"TRAINING", "POLICY_OR_PROCEDURE", "AWARENESS_RAISING", "EQUIPMENT"}
	statuses := []string{"NOT_STARTED", "IN_PROGRESS", "BLOCKED", "COMPLETED", "CANCELLED", "IN_PROGRESS"}
	actions := make([]store.Action, n)
	for i := range actions {
		p := adopted
		if i%4 == 3 {
			p = draft
		}
		o := objectives[p][i%10]
		a := store.Action{PlanID: p, InstitutionID: inst, ObjectiveID: &o, Title: f.name("Action"), Kind: kinds[i%len(kinds)],
			Status: statuses[i%len(statuses)], Version: 1, CreatedAt: fxNow, UpdatedAt: fxNow,
			StartDate: ptr(f.day(-60)), DueDate: ptr(f.day(i%90 - 30))}
		if i%7 != 0 {
			a.LeadUnitID = &units[i%len(units)]
		}
		actions[i] = a
	}
	if _, err := f.db.NewInsert().Model(&actions).Returning("id").Exec(ctx); err != nil {
		tb.Fatal(err)
	}
	var resources []store.ResourceRequirement
	var indicators []store.Indicator
	var updates []store.ProgressUpdate
	for i, a := range actions {
		if i%5 != 0 {
			req, sec := 10.0, float64((i%3)*5)
			resources = append(resources, store.ResourceRequirement{ActionID: a.ID, PlanID: a.PlanID, InstitutionID: inst, Kind: "PERSONNEL",
				Description: "Staff", QuantityRequired: &req, QuantitySecured: &sec, FundingStatus: fundingOf(req, sec),
				Version: 1, CreatedAt: fxNow, UpdatedAt: fxNow})
		}
		if i%3 == 0 {
			id := a.ID
			level := []string{"OUTPUT", "OUTCOME", "IMPACT"}[(i/3)%3]
			indicators = append(indicators, store.Indicator{PlanID: a.PlanID, InstitutionID: inst, ActionID: &id, Name: "Indicator",
				Level: level, Target: 100, Version: 1, CreatedAt: fxNow, UpdatedAt: fxNow})
		}
		if a.Status == "IN_PROGRESS" || a.Status == "BLOCKED" {
			updates = append(updates, store.ProgressUpdate{ActionID: a.ID, CreatedAt: fxNow.AddDate(0, 0, -(i % 180)), Status: a.Status, ProgressPercent: 20})
		}
	}
	for _, rows := range []any{&resources, &indicators, &updates} {
		if _, err := f.db.NewInsert().Model(rows).Returning("id").Exec(ctx); err != nil {
			tb.Fatal(err)
		}
	}
	var ms []store.Measurement
	for i, ind := range indicators {
		if i%2 == 0 {
			ms = append(ms, store.Measurement{IndicatorID: ind.ID, Value: float64(i % 60), MeasuredOn: f.day(-(i % 250)), CreatedAt: fxNow})
		}
	}
	if len(ms) > 0 {
		if _, err := f.db.NewInsert().Model(&ms).Exec(ctx); err != nil {
			tb.Fatal(err)
		}
	}
	va := f.assessment(inst, "VALIDATED", fxNow.AddDate(0, -1, 0))
	for i := range 30 {
		f.finding(va, Categories[i%len(Categories)], Severities[i%len(Severities)])
	}
	return inst
}

func fundingOf(req, sec float64) string {
	switch {
	case sec <= 0:
		return "UNSECURED"
	case sec < req:
		return "PARTIAL"
	}
	return "SECURED"
}

// BenchmarkInstitutionFlags measures the open flags of one institution with
// 1,000 actions on PostgreSQL, as Institution.gapFlags computes them on
// every read (after the first read has stored the first sightings).
func BenchmarkInstitutionFlags(b *testing.B) {
	f := newFx(b, storetest.NewURL(b, "postgres"))
	inst := seedInstitution(b, f, 1000)
	// Fresh tables have no planner statistics; autovacuum would gather
	// them on a live database.
	if _, err := f.db.ExecContext(context.Background(), "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	fl := Filter{InstitutionID: &inst}
	first, err := f.svc.List(f.ctx, fl, "en")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(first)), "flags")
	start := f.db.Queries()
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.svc.List(f.ctx, fl, "en"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(f.db.Queries()-start)/float64(b.N), "stmts/op")
}
