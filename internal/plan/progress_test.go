package plan_test

import (
	"context"
	"testing"

	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/money"
	"github.com/gendertrack/gendertrack/internal/patch"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

func authAs(userID int64) context.Context {
	return auth.WithActor(context.Background(), &auth.Actor{UserID: userID})
}

func (fx *fixture) budget(actionID int64, required, secured, currency string) *store.ResourceRequirement {
	fx.t.Helper()
	in := plan.ResourceInput{ActionID: actionID, Kind: sp("BUDGET"), Description: patch.Set("Budget"), AmountRequired: patch.Set(required), Currency: patch.Set(currency)}
	if secured != "" {
		in.AmountSecured = patch.Set(secured)
	}
	return must(fx.s.AddResource(fx.ctx, in))
}

func moneyOf(t *testing.T, totals []money.MoneyTotal) map[string][3]string {
	t.Helper()
	out := map[string][3]string{}
	var last string
	for _, m := range totals {
		if m.Currency <= last {
			t.Fatalf("totals not ordered by currency: %+v", totals)
		}
		last = m.Currency
		out[m.Currency] = [3]string{m.Required.String(), m.Secured.String(), m.Gap.String()}
	}
	return out
}

// TestMoneyIsExact sums amounts no float can hold on both databases.
func TestMoneyIsExact(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		fx := setup(t, dsn)
		p := fx.plan("Plan")
		a := fx.action(p.ID, "A", nil)
		b := fx.action(p.ID, "B", nil)
		// 20 digits before the point: far beyond float64's 15-17.
		fx.budget(a.ID, "12345678901234567890.1234", "12345678901234567890.1233", "XOF")
		fx.budget(b.ID, "98765432109876543210.9876", "", "XOF")
		// 0.1 + 0.2 is 0.3 exactly; a line secured beyond its need does not
		// offset another's gap.
		fx.budget(a.ID, "0.1", "0.5", "EUR")
		fx.budget(b.ID, "0.2", "0", "EUR")
		// Quantities never enter the money totals.
		must(fx.s.AddResource(fx.ctx, plan.ResourceInput{ActionID: a.ID, Kind: sp("EQUIPMENT"), Description: patch.Set("PCs"), QuantityRequired: patch.Set(1e6)}))

		pr := must(fx.s.Progress(fx.ctx, []int64{p.ID}))[p.ID]
		got := moneyOf(t, pr.Budget)
		wantMoney := map[string][3]string{
			"EUR": {"0.3", "0.5", "0.2"},
			"XOF": {"111111111011111111101.111", "12345678901234567890.1233", "98765432109876543210.9877"},
		}
		if len(got) != 2 || got["EUR"] != wantMoney["EUR"] || got["XOF"] != wantMoney["XOF"] {
			t.Fatalf("budget %v, want %v", got, wantMoney)
		}

		// The institution summary counts ADOPTED plans only.
		sum := must(fx.s.Summaries(fx.ctx, []int64{fx.inst}))[fx.inst]
		if sum.ActivePlans != 0 || len(sum.Budget) != 0 || sum.ActionsTotal != 0 {
			t.Fatalf("summary of a DRAFT plan %+v", sum)
		}
		must(fx.s.AdoptPlan(fx.ctx, p.ID, nil))
		q := fx.plan("Second")
		c := fx.action(q.ID, "C", nil)
		fx.budget(c.ID, "0.0001", "", "EUR")
		must(fx.s.AdoptPlan(fx.ctx, q.ID, nil))
		draft := fx.plan("Draft")
		d := fx.action(draft.ID, "D", nil)
		fx.budget(d.ID, "5", "", "USD")
		sum = must(fx.s.Summaries(fx.ctx, []int64{fx.inst, fx.other}))[fx.inst]
		got = moneyOf(t, sum.Budget)
		if sum.ActivePlans != 2 || sum.ActionsTotal != 3 || len(got) != 2 || got["EUR"] != [3]string{"0.3001", "0.5", "0.2001"} || got["XOF"] != wantMoney["XOF"] {
			t.Fatalf("summary %+v %v", sum, got)
		}
		if sum.LatestValidatedAssessmentID == nil || *sum.LatestValidatedAssessmentID != fx.assess {
			t.Fatalf("latest validated assessment %v", sum.LatestValidatedAssessmentID)
		}
	})
}

// TestProgressAndFilters checks the counts of PlanProgress and the action
// filters, health included, with pagination.
func TestProgressAndFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		fx := setup(t, dsn) // today is 2026-06-15
		p := fx.plan("Plan")
		dates := func(start, due string) func(*plan.ActionInput) {
			return func(in *plan.ActionInput) {
				if start != "" {
					in.StartDate = patch.Set(start)
				}
				if due != "" {
					in.DueDate = patch.Set(due)
				}
				in.LeadUnitID = patch.Set(fx.units[0])
			}
		}
		grey := fx.action(p.ID, "grey", dates("2026-09-01", "2026-12-31"))
		amber := fx.action(p.ID, "amber", dates("2026-06-01", "2026-12-31"))
		overdue := fx.action(p.ID, "overdue", dates("2026-01-01", "2026-05-31"))
		done := fx.action(p.ID, "done", dates("2026-01-01", "2026-03-31"))
		green := fx.action(p.ID, "green", func(in *plan.ActionInput) { in.Kind = patch.Set("EQUIPMENT") })
		cancelled := fx.action(p.ID, "cancelled", dates("2026-01-01", "2026-02-01"))
		must(fx.s.AdoptPlan(fx.ctx, p.ID, nil))
		progress := func(a *store.Action, status string, pct int) {
			if _, _, err := fx.s.RecordProgress(fx.ctx, plan.ProgressInput{ActionID: a.ID, Status: status, ProgressPercent: pct}); err != nil {
				t.Fatal(err)
			}
		}
		progress(done, "COMPLETED", 100)
		progress(green, "IN_PROGRESS", 10)
		progress(cancelled, "CANCELLED", 0)
		progress(overdue, "IN_PROGRESS", 50)

		all := must(fx.s.ActionsByID(fx.ctx, []int64{grey.ID, amber.ID, overdue.ID, done.ID, green.ID, cancelled.ID}))
		for id, h := range map[int64]string{grey.ID: "GREY", amber.ID: "AMBER", overdue.ID: "RED", done.ID: "BLUE", green.ID: "GREEN", cancelled.ID: "GREY"} {
			if got := fx.s.Health(all[id]); got != h {
				t.Fatalf("health of %s: %s, want %s", all[id].Title, got, h)
			}
		}

		pr := must(fx.s.Progress(fx.ctx, []int64{p.ID}))[p.ID]
		byStatus := ""
		for _, c := range pr.ActionsByStatus {
			byStatus += c.Status + "=" + string(rune('0'+c.Count)) + " "
		}
		if pr.ActionsTotal != 6 || pr.ActionsOverdue != 1 || byStatus != "NOT_STARTED=2 IN_PROGRESS=2 COMPLETED=1 BLOCKED=0 CANCELLED=1 " ||
			pr.CompletionPercent != 20 {
			t.Fatalf("progress %+v (%s)", pr, byStatus)
		}

		titles := func(fl plan.ActionFilter, pg store.Page) (string, int, bool) {
			page := must(fx.s.ActionPages(fx.ctx, []int64{p.ID}, fl, pg))[p.ID]
			s := ""
			for _, a := range page.Items {
				s += a.Title + " "
			}
			return s, page.Total, page.More
		}
		check := func(fl plan.ActionFilter, pg store.Page, wantTitles string, wantTotal int, wantMore bool) {
			t.Helper()
			got, total, more := titles(fl, pg)
			if got != wantTitles || total != wantTotal || more != wantMore {
				t.Fatalf("filter %+v page %+v: %q total %d more %v, want %q %d %v", fl, pg, got, total, more, wantTitles, wantTotal, wantMore)
			}
		}
		tr := true
		fa := false
		check(plan.ActionFilter{}, store.Page{First: 2}, "grey amber ", 6, true)
		check(plan.ActionFilter{}, store.Page{First: 2, After: amber.ID}, "overdue done ", 6, true)
		check(plan.ActionFilter{}, store.Page{First: 10, After: cancelled.ID}, "", 6, false)
		check(plan.ActionFilter{Statuses: []string{"IN_PROGRESS"}}, store.Page{First: 10}, "overdue green ", 2, false)
		check(plan.ActionFilter{Kinds: []string{"EQUIPMENT"}}, store.Page{First: 10}, "green ", 1, false)
		check(plan.ActionFilter{LeadUnitID: &fx.units[0], Statuses: []string{"NOT_STARTED", "COMPLETED"}}, store.Page{First: 10}, "grey amber done ", 3, false)
		check(plan.ActionFilter{Overdue: &tr}, store.Page{First: 10}, "overdue ", 1, false)
		check(plan.ActionFilter{Overdue: &fa}, store.Page{First: 10}, "grey amber done green cancelled ", 5, false)
		check(plan.ActionFilter{Health: []string{"GREY"}}, store.Page{First: 1}, "grey ", 2, true)
		check(plan.ActionFilter{Health: []string{"GREY"}}, store.Page{First: 1, After: grey.ID}, "cancelled ", 2, false)
		check(plan.ActionFilter{Health: []string{"RED", "BLUE"}, Kinds: []string{"TRAINING"}}, store.Page{First: 5}, "overdue done ", 2, false)

		// Time moves on: the health follows the clock.
		fx.now = fx.now.AddDate(0, 4, 0) // 2026-10-15
		check(plan.ActionFilter{Health: []string{"AMBER"}}, store.Page{First: 5}, "grey amber ", 2, false)
	})
}
