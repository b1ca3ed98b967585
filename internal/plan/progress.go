package plan

import (
	"context"
	"sort"

	"github.com/gendertrack/gendertrack/internal/money"
	"github.com/gendertrack/gendertrack/internal/store"
)

// StatusCount is the number of actions in one status.
type StatusCount struct {
	Status string
	Count  int
}

// Progress is a plan's progress at a glance (GraphQL PlanProgress).
// PlanID and InstitutionID identify the plan for fields computed
// elsewhere (the gap flags).
type Progress struct {
	PlanID                int64
	InstitutionID         int64
	ActionsTotal          int
	ActionsByStatus       []StatusCount
	CompletionPercent     float64
	ActionsOverdue        int
	Budget                []money.MoneyTotal
	IndicatorsOnTrack     int
	IndicatorsOffTrack    int
	IndicatorsNotMeasured int
	IndicatorsAchieved    int
}

// Summary is the leadership view of one institution (GraphQL
// InstitutionSummary), counting its ADOPTED plans and their actions.
type Summary struct {
	InstitutionID               int64
	LatestValidatedAssessmentID *int64
	ActivePlans                 int
	ActionsTotal                int
	ActionsCompleted            int
	ActionsOverdue              int
	Budget                      []money.MoneyTotal
}

// statusRow counts the actions of one key (plan or institution) in one
// status.
type statusRow struct {
	Key     int64  `bun:"k"`
	Status  string `bun:"status"`
	N       int    `bun:"n"`
	Overdue int    `bun:"overdue"`
}

// Progress computes the progress of each plan the actor may read (the
// others are absent): four statements whatever the number of plans and
// actions.
func (s *Service) Progress(ctx context.Context, planIDs []int64) (map[int64]*Progress, error) {
	out := make(map[int64]*Progress, len(planIDs))
	sc := s.Guard.Readable(ctx)
	if len(planIDs) == 0 || sc.Empty() {
		return out, nil
	}
	// Their arguments are bound (store.Args): the dashboard runs these
	// statements on every read.
	var plans []store.ActionPlan
	a := s.DB.Args()
	if err := s.DB.Select(ctx, s.DB.NewSelect().Model(&plans).Where("?", a.In("id", planIDs)).Where("?", sc.Where("institution_id")), a, &plans); err != nil {
		return nil, err
	}
	byID := map[int64]*store.ActionPlan{}
	planIDs = planIDs[:0:0] // from here on, only the readable ones
	for i := range plans {
		p := &plans[i]
		byID[p.ID] = p
		planIDs = append(planIDs, p.ID)
		out[p.ID] = &Progress{PlanID: p.ID, InstitutionID: p.InstitutionID, Budget: []money.MoneyTotal{}}
	}
	if len(planIDs) == 0 {
		return out, nil
	}
	today := s.today()
	var counts []statusRow
	a = s.DB.Args()
	if err := s.DB.Select(ctx, s.DB.NewRaw(`SELECT a.plan_id AS k, a.status, COUNT(*) AS n, SUM(CASE WHEN `+overdueSQL+` THEN 1 ELSE 0 END) AS overdue
		FROM actions AS a WHERE ? GROUP BY a.plan_id, a.status`, a.Value(store.FormatDate(today)), a.In("a.plan_id", planIDs)), a, &counts); err != nil {
		return nil, err
	}
	byStatus := map[int64]map[string]int{}
	for _, c := range counts {
		pr := out[c.Key]
		if pr == nil {
			continue
		}
		if byStatus[c.Key] == nil {
			byStatus[c.Key] = map[string]int{}
		}
		byStatus[c.Key][c.Status] += c.N
		pr.ActionsTotal += c.N
		pr.ActionsOverdue += c.Overdue
	}
	for id, pr := range out {
		m := byStatus[id]
		for _, st := range ActionStatusOrder() {
			pr.ActionsByStatus = append(pr.ActionsByStatus, StatusCount{Status: st, Count: m[st]})
		}
		if d := pr.ActionsTotal - m[ActionStatusCancelled]; d > 0 {
			pr.CompletionPercent = 100 * float64(m[ActionStatusCompleted]) / float64(d)
		}
	}
	a = s.DB.Args()
	budgets, err := s.budget(ctx, a, "r.plan_id", "resource_requirements AS r", "?", a.In("r.plan_id", planIDs))
	if err != nil {
		return nil, err
	}
	for k, b := range budgets {
		if pr := out[k]; pr != nil {
			pr.Budget = b
		}
	}
	var inds []store.Indicator
	a = s.DB.Args()
	if err := s.DB.Select(ctx, s.DB.NewSelect().Model(&inds).Where("?", a.In("plan_id", planIDs)), a, &inds); err != nil {
		return nil, err
	}
	for i := range inds {
		ind := &inds[i]
		p, pr := byID[ind.PlanID], out[ind.PlanID]
		if p == nil {
			continue
		}
		switch indicatorStatusAt(ind, p.StartDate, p.EndDate, today) {
		case IndicatorStatusOnTrack:
			pr.IndicatorsOnTrack++
		case IndicatorStatusOffTrack:
			pr.IndicatorsOffTrack++
		case IndicatorStatusAchieved:
			pr.IndicatorsAchieved++
		default:
			pr.IndicatorsNotMeasured++
		}
	}
	return out, nil
}

// moneyRow is one BUDGET requirement (SQLite) or one sum (PostgreSQL) of a
// key and currency.
type moneyRow struct {
	Key      int64          `bun:"k"`
	Currency string         `bun:"currency"`
	Required *money.Decimal `bun:"required"`
	Secured  *money.Decimal `bun:"secured"`
	Gap      *money.Decimal `bun:"gap"`
}

// budget sums the BUDGET requirements selected by from/where per key and
// currency, exactly: PostgreSQL sums its NUMERIC columns; SQLite, whose
// amounts are TEXT, gives the rows in one statement and Go sums them with
// money.Totals. Each list is ordered by currency code.
//
// a holds the statement's bound arguments (store.Args), args those of where.
func (s *Service) budget(ctx context.Context, a *store.Args, key, from, where string, args ...any) (map[int64][]money.MoneyTotal, error) {
	out := map[int64][]money.MoneyTotal{}
	var rows []moneyRow
	if s.DB.Postgres {
		q := `SELECT ` + key + ` AS k, r.currency,
				SUM(r.amount_required) AS required,
				SUM(COALESCE(r.amount_secured, 0)) AS secured,
				SUM(GREATEST(r.amount_required - COALESCE(r.amount_secured, 0), 0)) AS gap
			FROM ` + from + ` WHERE r.kind = 'BUDGET' AND r.amount_required IS NOT NULL AND r.currency IS NOT NULL AND ` + where + `
			GROUP BY ` + key + `, r.currency`
		if err := s.DB.Select(ctx, s.DB.NewRaw(q, args...), a, &rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.Key] = append(out[r.Key], money.MoneyTotal{Currency: r.Currency, Required: val(r.Required), Secured: val(r.Secured), Gap: val(r.Gap)})
		}
		for _, l := range out {
			sort.Slice(l, func(i, j int) bool { return l[i].Currency < l[j].Currency })
		}
		return out, nil
	}
	q := `SELECT ` + key + ` AS k, r.currency, r.amount_required AS required, r.amount_secured AS secured
		FROM ` + from + ` WHERE r.kind = 'BUDGET' AND r.amount_required IS NOT NULL AND r.currency IS NOT NULL AND ` + where
	if err := s.DB.Select(ctx, s.DB.NewRaw(q, args...), a, &rows); err != nil {
		return nil, err
	}
	lines := map[int64][]money.MoneyLine{}
	for _, r := range rows {
		lines[r.Key] = append(lines[r.Key], money.MoneyLine{Currency: r.Currency, Required: val(r.Required), Secured: r.Secured})
	}
	for k, l := range lines {
		out[k] = money.Totals(l)
	}
	return out, nil
}

func val(d *money.Decimal) money.Decimal {
	if d == nil {
		return money.Zero()
	}
	return *d
}

// Summaries computes the leadership summary of each institution the actor
// may read (the others are absent): four statements whatever the number of
// institutions, plans and actions.
func (s *Service) Summaries(ctx context.Context, institutionIDs []int64) (map[int64]*Summary, error) {
	out := make(map[int64]*Summary, len(institutionIDs))
	sc := s.Guard.Readable(ctx)
	readable := make([]int64, 0, len(institutionIDs))
	for _, id := range institutionIDs {
		if sc.Has(id) && out[id] == nil {
			readable = append(readable, id)
			out[id] = &Summary{InstitutionID: id, Budget: []money.MoneyTotal{}}
		}
	}
	if institutionIDs = readable; len(institutionIDs) == 0 {
		return out, nil
	}
	// The most recently validated assessment of each institution. Every
	// statement's arguments are bound (store.Args): the dashboard runs
	// them on every read.
	var validated []struct {
		ID            int64 `bun:"id"`
		InstitutionID int64 `bun:"institution_id"`
	}
	a := s.DB.Args()
	if err := s.DB.Select(ctx, s.DB.NewSelect().Table("assessments").Column("id", "institution_id").
		Where("?", a.In("institution_id", institutionIDs)).Where("status = 'VALIDATED'").
		OrderExpr("validated_at, id"), a, &validated); err != nil {
		return nil, err
	}
	for _, v := range validated {
		id := v.ID
		out[v.InstitutionID].LatestValidatedAssessmentID = &id
	}
	var plans []struct {
		InstitutionID int64 `bun:"institution_id"`
		N             int   `bun:"n"`
	}
	a = s.DB.Args()
	if err := s.DB.Select(ctx, s.DB.NewRaw(`SELECT institution_id, COUNT(*) AS n FROM action_plans WHERE ? AND status = 'ADOPTED' GROUP BY institution_id`,
		a.In("institution_id", institutionIDs)), a, &plans); err != nil {
		return nil, err
	}
	for _, p := range plans {
		out[p.InstitutionID].ActivePlans = p.N
	}
	var counts []statusRow
	a = s.DB.Args()
	if err := s.DB.Select(ctx, s.DB.NewRaw(`SELECT a.institution_id AS k, a.status, COUNT(*) AS n, SUM(CASE WHEN `+overdueSQL+` THEN 1 ELSE 0 END) AS overdue
		FROM actions AS a JOIN action_plans AS p ON p.id = a.plan_id
		WHERE ? AND p.status = 'ADOPTED' GROUP BY a.institution_id, a.status`, a.Value(s.Today()), a.In("a.institution_id", institutionIDs)), a, &counts); err != nil {
		return nil, err
	}
	for _, c := range counts {
		sm := out[c.Key]
		sm.ActionsTotal += c.N
		sm.ActionsOverdue += c.Overdue
		if c.Status == ActionStatusCompleted {
			sm.ActionsCompleted += c.N
		}
	}
	a = s.DB.Args()
	budgets, err := s.budget(ctx, a, "r.institution_id", "resource_requirements AS r JOIN action_plans AS p ON p.id = r.plan_id",
		"? AND p.status = 'ADOPTED'", a.In("r.institution_id", institutionIDs))
	if err != nil {
		return nil, err
	}
	for k, b := range budgets {
		out[k].Budget = b
	}
	return out, nil
}
