package plan

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Reads for the API. Every batch read costs a constant number of SQL
// statements however many ids it is given; the loaders of the GraphQL
// layer collect the ids of one request.
//
// Every read authorizes its caller itself, whoever calls it: rows of
// institutions the actor may not read are left out, as if they did not
// exist, and an anonymous caller reads nothing. Reads by id check the rows
// they load; reads of the children of parent ids restrict the statement
// that loads them to the actor's institutions (scoped, inScope), so that
// the check costs no statement of its own.

// scoped is the condition that col, an institution id column, names an
// institution of sc, as SQL text to append (" AND …") and its argument;
// empty for a caller that reads every institution.
func scoped(sc authz.Scope, col string) (string, []any) {
	if sc.All {
		return "", nil
	}
	return " AND ?", []any{sc.Where(col)}
}

// inScope is "col IN (ids)" for col holding ids of rows of the parent
// table, restricted to the parents of institutions of sc. For a caller who
// may not read every institution, the parents are looked up by primary key
// in the same statement: on PostgreSQL as an array computed once
// (col = ANY(ARRAY(…))), which costs next to nothing to plan, where a
// semi-join made each statement ~0.2 ms dearer; on SQLite as a
// semi-join.
//
// The ids are an argument of the statement (store.Args), a.
func (s *Service) inScope(a *store.Args, sc authz.Scope, col, parent string, ids []int64) schema.QueryWithArgs {
	switch {
	case sc.All:
		return a.In(col, ids)
	case s.DB.Postgres:
		return bun.SafeQuery("? = ANY(ARRAY(SELECT scope_parent.id FROM ? AS scope_parent WHERE scope_parent.id = ANY(?::bigint[]) AND ?))",
			bun.Ident(col), bun.Ident(parent), a.Value(ids), sc.Where("scope_parent.institution_id"))
	}
	return bun.SafeQuery("? IN (SELECT scope_parent.id FROM ? AS scope_parent WHERE scope_parent.id IN (?) AND ?)",
		bun.Ident(col), bun.Ident(parent), bun.List(ids), sc.Where("scope_parent.institution_id"))
}

// readableByIDs loads rows by id and drops those of institutions the actor
// may not read: to such a caller they do not exist.
func readableByIDs[T any](ctx context.Context, s *Service, ids []int64, id func(*T) int64, inst func(*T) int64) (map[int64]*T, error) {
	m, err := store.ByIDs(ctx, s.DB, ids, id)
	for k, v := range m {
		if !s.Guard.CanRead(ctx, inst(v)) {
			delete(m, k)
		}
	}
	return m, err
}

// PlansByID loads plans by id.
func (s *Service) PlansByID(ctx context.Context, ids []int64) (map[int64]*store.ActionPlan, error) {
	return readableByIDs(ctx, s, ids, func(p *store.ActionPlan) int64 { return p.ID }, func(p *store.ActionPlan) int64 { return p.InstitutionID })
}

// ObjectivesByID loads objectives by id.
func (s *Service) ObjectivesByID(ctx context.Context, ids []int64) (map[int64]*store.Objective, error) {
	return readableByIDs(ctx, s, ids, func(o *store.Objective) int64 { return o.ID }, func(o *store.Objective) int64 { return o.InstitutionID })
}

// ActionsByID loads actions by id.
func (s *Service) ActionsByID(ctx context.Context, ids []int64) (map[int64]*store.Action, error) {
	return readableByIDs(ctx, s, ids, func(a *store.Action) int64 { return a.ID }, func(a *store.Action) int64 { return a.InstitutionID })
}

// ResourcesByID loads resource requirements by id.
func (s *Service) ResourcesByID(ctx context.Context, ids []int64) (map[int64]*store.ResourceRequirement, error) {
	return readableByIDs(ctx, s, ids, func(r *store.ResourceRequirement) int64 { return r.ID }, func(r *store.ResourceRequirement) int64 { return r.InstitutionID })
}

// IndicatorsByID loads indicators by id.
func (s *Service) IndicatorsByID(ctx context.Context, ids []int64) (map[int64]*store.Indicator, error) {
	return readableByIDs(ctx, s, ids, func(i *store.Indicator) int64 { return i.ID }, func(i *store.Indicator) int64 { return i.InstitutionID })
}

// owner maps a row id to the institution it belongs to.
func (s *Service) owners(ctx context.Context, query string, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []owned
	if err := s.DB.NewRaw(query, bun.List(ids)).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r.InstitutionID
	}
	return out, nil
}

// MeasurementsByID loads measurements by id.
func (s *Service) MeasurementsByID(ctx context.Context, ids []int64) (map[int64]*store.Measurement, error) {
	m, err := store.ByIDs(ctx, s.DB, ids, func(m *store.Measurement) int64 { return m.ID })
	if err != nil {
		return nil, err
	}
	inst, err := s.owners(ctx, `SELECT m.id, i.institution_id FROM measurements AS m JOIN indicators AS i ON i.id = m.indicator_id WHERE m.id IN (?)`, ids)
	for k := range m {
		if !s.Guard.CanRead(ctx, inst[k]) {
			delete(m, k)
		}
	}
	return m, err
}

// UpdatesByID loads progress updates by id.
func (s *Service) UpdatesByID(ctx context.Context, ids []int64) (map[int64]*store.ProgressUpdate, error) {
	m, err := store.ByIDs(ctx, s.DB, ids, func(u *store.ProgressUpdate) int64 { return u.ID })
	if err != nil {
		return nil, err
	}
	inst, err := s.owners(ctx, `SELECT u.id, a.institution_id FROM progress_updates AS u JOIN actions AS a ON a.id = u.action_id WHERE u.id IN (?)`, ids)
	for k := range m {
		if !s.Guard.CanRead(ctx, inst[k]) {
			delete(m, k)
		}
	}
	return m, err
}

// DisseminationsByID loads dissemination records by id.
func (s *Service) DisseminationsByID(ctx context.Context, ids []int64) (map[int64]*store.Dissemination, error) {
	m, err := store.ByIDs(ctx, s.DB, ids, func(d *store.Dissemination) int64 { return d.ID })
	if err != nil {
		return nil, err
	}
	inst, err := s.owners(ctx, `SELECT d.id, p.institution_id FROM disseminations AS d JOIN action_plans AS p ON p.id = d.plan_id WHERE d.id IN (?)`, ids)
	for k := range m {
		if !s.Guard.CanRead(ctx, inst[k]) {
			delete(m, k)
		}
	}
	return m, err
}

// Plans lists an institution's plans in id order, optionally of one
// status; none of an institution the actor may not read.
func (s *Service) Plans(ctx context.Context, institutionID int64, status *string, p store.Page) ([]store.ActionPlan, bool, int, error) {
	if !s.Guard.CanRead(ctx, institutionID) {
		return nil, false, 0, nil
	}
	return store.List[store.ActionPlan](ctx, s.DB, func(q *bun.SelectQuery, a *store.Args) *bun.SelectQuery {
		q = q.Where("institution_id = ?", a.Value(institutionID))
		if status != nil {
			q = q.Where("status = ?", a.Value(*status))
		}
		return q
	}, "id", p)
}

// childrenOf loads the rows of T whose column col is one of ids, in id
// order, grouped by that column's value, among the rows the actor may
// read: rows of T carry their institution (owner reads it; the check is
// made on the rows read, which keeps PostgreSQL on the parent's index
// instead of intersecting it with the institution's), unless parent names
// the table of the parents, which then carries it (owner nil). Columns in
// skip are not read (their fields stay zero): for lists whose readers
// never show them; a read narrowed by the API (store.Narrow) reads its
// columns instead.
func childrenOf[T any](ctx context.Context, s *Service, col, parent string, ids []int64, key func(*T) *int64, owner func(*T) int64, order string, skip ...string) (map[int64][]T, error) {
	out := make(map[int64][]T, len(ids))
	sc := s.Guard.Readable(ctx)
	if len(ids) == 0 || sc.Empty() {
		return out, nil
	}
	var rows []T
	a := s.DB.Args()
	q := s.DB.NewSelect().Model(&rows)
	if cols := store.Narrowed[T](ctx); cols != nil {
		q = q.Column(cols...)
	} else {
		q = q.ExcludeColumn(skip...)
	}
	if parent == "" {
		q = q.Where("?", a.In(col, ids))
	} else {
		q = q.Where("?", s.inScope(a, sc, col, parent, ids))
	}
	if err := s.DB.Select(ctx, q.OrderExpr(order), a, &rows); err != nil {
		return nil, err
	}
	for i := range rows {
		if parent == "" && !sc.Has(owner(&rows[i])) {
			continue
		}
		if k := key(&rows[i]); k != nil {
			out[*k] = append(out[*k], rows[i])
		}
	}
	return out, nil
}

func ptr(v int64) *int64 { return &v }

// ObjectivesByPlan loads the objectives of each plan.
func (s *Service) ObjectivesByPlan(ctx context.Context, planIDs []int64) (map[int64][]store.Objective, error) {
	return childrenOf(ctx, s, "plan_id", "", planIDs, func(o *store.Objective) *int64 { return ptr(o.PlanID) }, func(o *store.Objective) int64 { return o.InstitutionID }, "id")
}

// ActionsByObjective loads the actions of each objective.
func (s *Service) ActionsByObjective(ctx context.Context, objectiveIDs []int64) (map[int64][]store.Action, error) {
	return childrenOf(ctx, s, "objective_id", "", objectiveIDs, func(a *store.Action) *int64 { return a.ObjectiveID }, func(a *store.Action) int64 { return a.InstitutionID }, "id")
}

// DisseminationsByPlan loads the dissemination records of each plan, by
// date.
func (s *Service) DisseminationsByPlan(ctx context.Context, planIDs []int64) (map[int64][]store.Dissemination, error) {
	return childrenOf(ctx, s, "plan_id", "action_plans", planIDs, func(d *store.Dissemination) *int64 { return ptr(d.PlanID) }, nil, "date, id")
}

// ResourcesByAction loads the resource requirements of each action.
func (s *Service) ResourcesByAction(ctx context.Context, actionIDs []int64) (map[int64][]store.ResourceRequirement, error) {
	// No field of a requirement shows when it was created or changed.
	return childrenOf(ctx, s, "action_id", "", actionIDs, func(r *store.ResourceRequirement) *int64 { return ptr(r.ActionID) }, func(r *store.ResourceRequirement) int64 { return r.InstitutionID }, "id", "created_at", "updated_at")
}

// IndicatorsByAction loads the indicators attached to each action.
func (s *Service) IndicatorsByAction(ctx context.Context, actionIDs []int64) (map[int64][]store.Indicator, error) {
	return childrenOf(ctx, s, "action_id", "", actionIDs, func(i *store.Indicator) *int64 { return i.ActionID }, func(i *store.Indicator) int64 { return i.InstitutionID }, "id")
}

// IndicatorsByObjective loads the indicators attached to each objective.
func (s *Service) IndicatorsByObjective(ctx context.Context, objectiveIDs []int64) (map[int64][]store.Indicator, error) {
	return childrenOf(ctx, s, "objective_id", "", objectiveIDs, func(i *store.Indicator) *int64 { return i.ObjectiveID }, func(i *store.Indicator) int64 { return i.InstitutionID }, "id")
}

// MeasurementsByIndicator loads each indicator's measurements, oldest
// measuredOn first (so the last is the latest, as Latest picks it).
func (s *Service) MeasurementsByIndicator(ctx context.Context, indicatorIDs []int64) (map[int64][]store.Measurement, error) {
	return childrenOf(ctx, s, "indicator_id", "indicators", indicatorIDs, func(m *store.Measurement) *int64 { return ptr(m.IndicatorID) }, nil, "measured_on, id")
}

// LatestMeasurements loads the latest measurement of each indicator (by
// measuredOn, then id): one row per indicator through the (indicator_id,
// measured_on) index, however long its history.
func (s *Service) LatestMeasurements(ctx context.Context, indicatorIDs []int64) (map[int64]*store.Measurement, error) {
	out := make(map[int64]*store.Measurement, len(indicatorIDs))
	sc := s.Guard.Readable(ctx)
	if len(indicatorIDs) == 0 || sc.Empty() {
		return out, nil
	}
	var rows []store.Measurement
	a := s.DB.Args()
	q := `SELECT m.* FROM measurements AS m WHERE m.id IN (
		SELECT (SELECT x.id FROM measurements AS x WHERE x.indicator_id = i.id ORDER BY x.measured_on DESC, x.id DESC LIMIT 1)
		FROM indicators AS i WHERE ? AND ?)`
	if err := s.DB.Select(ctx, s.DB.NewRaw(q, a.In("i.id", indicatorIDs), sc.Where("i.institution_id")), a, &rows); err != nil {
		return nil, err
	}
	for i := range rows {
		out[rows[i].IndicatorID] = &rows[i]
	}
	return out, nil
}

// link is one row of a link table.
type link struct {
	Owner int64 `bun:"owner"`
	Other int64 `bun:"other"`
}

// linkedBy loads, for each owner id (a row of ownerTable), the rows of T
// linked to it through a link table, in id order: two statements whatever
// the number of owners. Owners of institutions the actor may not read have
// none; so have linked rows of such institutions (inst gives a row's
// institution; nil for rows of no institution, partners).
func linkedBy[T any](ctx context.Context, s *Service, table, ownerTable, ownerCol, otherCol string, owners []int64, id func(*T) int64, inst func(*T) int64) (map[int64][]T, error) {
	out := make(map[int64][]T, len(owners))
	sc := s.Guard.Readable(ctx)
	if len(owners) == 0 || sc.Empty() {
		return out, nil
	}
	var links []link
	a := s.DB.Args()
	q := s.DB.NewSelect().Table(table).ColumnExpr("? AS owner, ? AS other", bun.Ident(ownerCol), bun.Ident(otherCol)).
		Where("?", s.inScope(a, sc, ownerCol, ownerTable, owners)).OrderExpr("?", bun.Ident(otherCol))
	if err := s.DB.Select(ctx, q, a, &links); err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(links))
	for _, l := range links {
		ids = append(ids, l.Other)
	}
	slices.Sort(ids)
	rows, err := store.ByIDs(ctx, s.DB, slices.Compact(ids), id)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		if r := rows[l.Other]; r != nil && (inst == nil || sc.Has(inst(r))) {
			out[l.Owner] = append(out[l.Owner], *r)
		}
	}
	return out, nil
}

// SupportingUnits loads the supporting units of each action.
func (s *Service) SupportingUnits(ctx context.Context, actionIDs []int64) (map[int64][]store.Unit, error) {
	return linkedBy(ctx, s, "action_supporting_units", "actions", "action_id", "unit_id", actionIDs,
		func(u *store.Unit) int64 { return u.ID }, func(u *store.Unit) int64 { return u.InstitutionID })
}

// ActionPartners loads the partners of each action.
func (s *Service) ActionPartners(ctx context.Context, actionIDs []int64) (map[int64][]store.Partner, error) {
	return linkedBy(ctx, s, "action_partners", "actions", "action_id", "partner_id", actionIDs, func(p *store.Partner) int64 { return p.ID }, nil)
}

// ActionFindings loads the findings each action addresses.
func (s *Service) ActionFindings(ctx context.Context, actionIDs []int64) (map[int64][]store.Finding, error) {
	return linkedBy(ctx, s, "action_findings", "actions", "action_id", "finding_id", actionIDs,
		func(f *store.Finding) int64 { return f.ID }, func(f *store.Finding) int64 { return f.InstitutionID })
}

// ObjectiveFindings loads the findings each objective addresses.
func (s *Service) ObjectiveFindings(ctx context.Context, objectiveIDs []int64) (map[int64][]store.Finding, error) {
	return linkedBy(ctx, s, "objective_findings", "objectives", "objective_id", "finding_id", objectiveIDs,
		func(f *store.Finding) int64 { return f.ID }, func(f *store.Finding) int64 { return f.InstitutionID })
}

// ObjectivesByFinding loads the objectives, of any plan, that address each
// finding.
func (s *Service) ObjectivesByFinding(ctx context.Context, findingIDs []int64) (map[int64][]store.Objective, error) {
	return linkedBy(ctx, s, "objective_findings", "findings", "finding_id", "objective_id", findingIDs,
		func(o *store.Objective) int64 { return o.ID }, func(o *store.Objective) int64 { return o.InstitutionID })
}

// ActionsByFinding loads the actions, of any plan, that address each
// finding.
func (s *Service) ActionsByFinding(ctx context.Context, findingIDs []int64) (map[int64][]store.Action, error) {
	return linkedBy(ctx, s, "action_findings", "findings", "finding_id", "action_id", findingIDs,
		func(a *store.Action) int64 { return a.ID }, func(a *store.Action) int64 { return a.InstitutionID })
}

// ------------------------------------------------------------------ pages

// Page is one page of a list that belongs to one parent.
type Page[T any] struct {
	Items []T
	More  bool
	Total int
}

// ActionFilter selects actions; unset fields do not filter.
type ActionFilter struct {
	Statuses   []string
	Kinds      []string
	LeadUnitID *int64
	Health     []string
	Overdue    *bool
}

// Key is a canonical text form of the filter, equal for equal filters.
func (fl ActionFilter) Key() string {
	norm := func(v []string) string {
		if len(v) == 0 {
			return "-"
		}
		c := slices.Clone(v)
		slices.Sort(c)
		return strings.Join(slices.Compact(c), ",")
	}
	var b strings.Builder
	b.WriteString(norm(fl.Statuses) + "|" + norm(fl.Kinds) + "|" + norm(fl.Health) + "|")
	if fl.LeadUnitID != nil {
		b.WriteString("u" + strconv.FormatInt(*fl.LeadUnitID, 10))
	}
	b.WriteString("|")
	if fl.Overdue != nil {
		if *fl.Overdue {
			b.WriteString("t")
		} else {
			b.WriteString("f")
		}
	}
	return b.String()
}

// overdueSQL is "dueDate < today and status not COMPLETED or CANCELLED".
const overdueSQL = `(a.due_date IS NOT NULL AND a.due_date < ? AND a.status NOT IN ('COMPLETED', 'CANCELLED'))`

// where builds the SQL conditions of the filter's database part.
func (fl ActionFilter) where(today string) (string, []any) {
	conds := []string{}
	var args []any
	if len(fl.Statuses) > 0 {
		conds = append(conds, "a.status IN (?)")
		args = append(args, bun.List(fl.Statuses))
	}
	if len(fl.Kinds) > 0 {
		conds = append(conds, "a.kind IN (?)")
		args = append(args, bun.List(fl.Kinds))
	}
	if fl.LeadUnitID != nil {
		conds = append(conds, "a.lead_unit_id = ?")
		args = append(args, *fl.LeadUnitID)
	}
	if fl.Overdue != nil {
		if *fl.Overdue {
			conds = append(conds, overdueSQL)
		} else {
			conds = append(conds, "NOT "+overdueSQL)
		}
		args = append(args, today)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " AND " + strings.Join(conds, " AND "), args
}

// ActionPages returns one page of each plan's actions that pass the filter,
// in id order, with the count of all that pass. Without a health filter it
// is a grouped count and, unless first is 0, one page statement; health is derived from dates in
// Go, so a health filter reads the plans' actions that pass the rest of the
// filter in one statement and pages them in Go.
func (s *Service) ActionPages(ctx context.Context, planIDs []int64, fl ActionFilter, p store.Page) (map[int64]Page[store.Action], error) {
	out := make(map[int64]Page[store.Action], len(planIDs))
	for _, id := range planIDs {
		out[id] = Page[store.Action]{Items: []store.Action{}}
	}
	sc := s.Guard.Readable(ctx)
	if len(planIDs) == 0 || sc.Empty() {
		return out, nil
	}
	now := s.today()
	filter, fargs := fl.where(store.FormatDate(now))
	// A plan's actions belong to its institution.
	sq, sargs := scoped(sc, "a.institution_id")
	cond, args := filter+sq, append(slices.Clip(fargs), sargs...)
	// What the API shows of the actions (store.Narrow), and what the
	// health filter needs.
	cols := store.Narrowed[store.Action](ctx)
	if len(fl.Health) > 0 && cols != nil {
		cols = append(slices.Clip(cols), HealthColumns...)
	}
	sel := store.SelectList("a", cols)
	if len(fl.Health) > 0 {
		var rows []store.Action
		q := `SELECT ` + sel + ` FROM actions AS a WHERE a.plan_id IN (?)` + cond + ` ORDER BY a.plan_id, a.id`
		if err := s.DB.NewRaw(q, append([]any{bun.List(planIDs)}, args...)...).Scan(ctx, &rows); err != nil {
			return nil, err
		}
		for _, a := range rows {
			if !slices.Contains(fl.Health, healthAt(&a, now)) {
				continue
			}
			pg := out[a.PlanID]
			pg.Total++
			if a.ID > p.After {
				if len(pg.Items) < p.First {
					pg.Items = append(pg.Items, a)
				} else {
					pg.More = true
				}
			}
			out[a.PlanID] = pg
		}
		return out, nil
	}
	// The totals come from the (plan_id, id) index; each plan's page reads
	// First+1 rows after the cursor through the same index (the one beyond
	// tells whether more follow), so a plan's cost follows the page asked,
	// not the plan's length. What the caller does not show is not read
	// (Page.NoCount, Page.NoRows).
	if !p.NoCount {
		var counts []struct {
			PlanID int64 `bun:"plan_id"`
			N      int   `bun:"n"`
		}
		a := s.DB.Args()
		cq := `SELECT a.plan_id, COUNT(*) AS n FROM actions AS a WHERE ?` + cond + ` GROUP BY a.plan_id`
		if err := s.DB.Select(ctx, s.DB.NewRaw(cq, append([]any{a.In("a.plan_id", planIDs)}, args...)...), a, &counts); err != nil {
			return nil, err
		}
		for _, c := range counts {
			pg := out[c.PlanID]
			pg.Total = c.N
			out[c.PlanID] = pg
		}
	}
	if p.NoRows {
		return out, nil
	}
	var rows []store.Action
	if s.DB.Postgres {
		pscope, pargs := scoped(sc, "pl.institution_id")
		// A lateral join, planned once however many plans, over the plans
		// of the scope (computed once, as inScope does): each plan's page
		// is then a walk of the (plan_id, id) index, where the
		// institution's condition inside made PostgreSQL intersect it with
		// the institution's index and sort all the plan's actions.
		a := s.DB.Args()
		q := `SELECT x.* FROM unnest(ARRAY(SELECT pl.id FROM action_plans AS pl WHERE ?` + pscope + `)) AS p(id) CROSS JOIN LATERAL (
			SELECT ` + sel + ` FROM actions AS a WHERE a.plan_id = p.id AND a.id > ?` + filter + ` ORDER BY a.id LIMIT ?) AS x
			ORDER BY x.plan_id, x.id`
		all := append(append([]any{a.In("pl.id", planIDs)}, pargs...), a.Value(p.After))
		all = append(all, fargs...)
		if err := s.DB.Select(ctx, s.DB.NewRaw(q, append(all, a.Value(p.First+1))...), a, &rows); err != nil {
			return nil, err
		}
	} else {
		var err error
		rows, err = unionPerID[store.Action](ctx, s, planIDs, func(id int64) (string, []any) {
			return "SELECT " + sel + " FROM actions AS a WHERE a.plan_id = ? AND a.id > ?" + cond + " ORDER BY a.id LIMIT ?",
				append(append([]any{id, p.After}, args...), p.First+1)
		}, nil)
		if err != nil {
			return nil, err
		}
	}
	for _, a := range rows {
		pg := out[a.PlanID]
		if len(pg.Items) < p.First {
			pg.Items = append(pg.Items, a)
		} else {
			pg.More = true
		}
		out[a.PlanID] = pg
	}
	return out, nil
}

// unionPerID reads, on SQLite, which has no lateral join, the rows of one
// LIMITed statement per id (branch) as a UNION ALL of them, in chunks of
// 400 that keep within its 500 terms of a compound SELECT. scope, when set,
// is a condition over each chunk's rows (alias u) that they must meet.
func unionPerID[T any](ctx context.Context, s *Service, ids []int64, branch func(id int64) (string, []any), scope func(chunk []int64) any) ([]T, error) {
	var rows []T
	for start := 0; start < len(ids); start += 400 {
		chunk := ids[start:min(start+400, len(ids))]
		var b strings.Builder
		var args []any
		for k, id := range chunk {
			if k > 0 {
				b.WriteString(" UNION ALL ")
			}
			q, a := branch(id)
			fmt.Fprintf(&b, "SELECT * FROM (%s) AS p%d", q, k)
			args = append(args, a...)
		}
		q := b.String()
		if scope != nil {
			q, args = "SELECT * FROM ("+q+") AS u WHERE ?", append(args, scope(chunk))
		}
		var part []T
		if err := s.DB.NewRaw(q, args...).Scan(ctx, &part); err != nil {
			return nil, err
		}
		rows = append(rows, part...)
	}
	return rows, nil
}

// UpdatePages returns one page of each action's progress updates, newest
// first, in one statement for any number of actions. How many updates an
// action has in all is its UpdateCount.
func (s *Service) UpdatePages(ctx context.Context, actionIDs []int64, p store.Page) (map[int64]Page[store.ProgressUpdate], error) {
	out := make(map[int64]Page[store.ProgressUpdate], len(actionIDs))
	for _, id := range actionIDs {
		out[id] = Page[store.ProgressUpdate]{Items: []store.ProgressUpdate{}}
	}
	sc := s.Guard.Readable(ctx)
	if len(actionIDs) == 0 || sc.Empty() {
		return out, nil
	}
	// Newest first: "after" a cursor means a lower id. 0 means no cursor.
	// Each action reads at most First+1 rows through the (action_id, id)
	// index, so the cost follows the page size, not the length of each
	// action's history.
	var rows []store.ProgressUpdate
	after := ""
	if s.DB.Postgres {
		// A lateral join: planned once, however many actions (a UNION of
		// 100 branches cost PostgreSQL 8 ms to plan).
		// Only the actions the actor may read lead to their updates.
		b := s.DB.Args()
		from, args := `unnest(?::bigint[]) AS a(id)`, []any{b.Value(actionIDs)}
		if !sc.All {
			from = `(SELECT x.id FROM actions AS x WHERE x.id = ANY(?::bigint[]) AND ?) AS a`
			args = append(args, sc.Where("x.institution_id"))
		}
		if p.After > 0 {
			after = " AND id < ?"
			args = append(args, b.Value(p.After))
		}
		q := `SELECT p.* FROM ` + from + `
			CROSS JOIN LATERAL (SELECT * FROM progress_updates WHERE action_id = a.id` + after + ` ORDER BY id DESC LIMIT ?) AS p`
		if err := s.DB.Select(ctx, s.DB.NewRaw(q, append(args, b.Value(p.First+1))...), b, &rows); err != nil {
			return nil, err
		}
	} else {
		if p.After > 0 {
			after = fmt.Sprintf(" AND id < %d", p.After)
		}
		var scope func(chunk []int64) any
		if !sc.All {
			// Only the actions the actor may read lead to their updates.
			scope = func(chunk []int64) any { return s.inScope(s.DB.Args(), sc, "u.action_id", "actions", chunk) }
		}
		var err error
		rows, err = unionPerID[store.ProgressUpdate](ctx, s, actionIDs, func(id int64) (string, []any) {
			return fmt.Sprintf("SELECT * FROM progress_updates WHERE action_id = %d%s ORDER BY id DESC LIMIT %d", id, after, p.First+1), nil
		}, scope)
		if err != nil {
			return nil, err
		}
	}
	for _, r := range rows {
		pg := out[r.ActionID]
		if len(pg.Items) < p.First {
			pg.Items = append(pg.Items, r)
		} else {
			pg.More = true
		}
		out[r.ActionID] = pg
	}
	for _, id := range actionIDs {
		if pg := out[id]; pg.Items == nil {
			pg.Items = []store.ProgressUpdate{}
			out[id] = pg
		}
	}
	return out, nil
}

// findingLink is one link of a finding of an assessment to an objective or
// an action.
type findingLink struct {
	Assessment int64 `bun:"assessment"`
	Finding    int64 `bun:"finding"`
	Other      int64 `bun:"other"`
}

// addressing loads, for each assessment, the rows linked to its findings
// through a link table, keyed by finding id: two statements for any number
// of assessments and findings. Rows of institutions the actor may not read
// are left out.
func addressing[T any](ctx context.Context, s *Service, table, otherCol string, assessmentIDs []int64, id func(*T) int64, inst func(*T) int64) (map[int64]map[int64][]T, error) {
	out := make(map[int64]map[int64][]T, len(assessmentIDs))
	for _, a := range assessmentIDs {
		out[a] = map[int64][]T{}
	}
	sc := s.Guard.Readable(ctx)
	if len(assessmentIDs) == 0 || sc.Empty() {
		return out, nil
	}
	var links []findingLink
	q := `SELECT f.assessment_id AS assessment, l.finding_id AS finding, l.? AS other
		FROM ? AS l JOIN findings AS f ON f.id = l.finding_id
		WHERE f.assessment_id IN (?) AND ? ORDER BY l.?`
	if err := s.DB.NewRaw(q, bun.Ident(otherCol), bun.Ident(table), bun.List(assessmentIDs), sc.Where("f.institution_id"), bun.Ident(otherCol)).Scan(ctx, &links); err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(links))
	for _, l := range links {
		ids = append(ids, l.Other)
	}
	slices.Sort(ids)
	rows, err := readableByIDs(ctx, s, slices.Compact(ids), id, inst)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		if r := rows[l.Other]; r != nil {
			out[l.Assessment][l.Finding] = append(out[l.Assessment][l.Finding], *r)
		}
	}
	return out, nil
}

// ObjectivesAddressingFindings loads, for each assessment, the objectives
// of any plan that address each of its findings.
func (s *Service) ObjectivesAddressingFindings(ctx context.Context, assessmentIDs []int64) (map[int64]map[int64][]store.Objective, error) {
	return addressing(ctx, s, "objective_findings", "objective_id", assessmentIDs,
		func(o *store.Objective) int64 { return o.ID }, func(o *store.Objective) int64 { return o.InstitutionID })
}

// ActionsAddressingFindings loads, for each assessment, the actions of any
// plan that address each of its findings.
func (s *Service) ActionsAddressingFindings(ctx context.Context, assessmentIDs []int64) (map[int64]map[int64][]store.Action, error) {
	return addressing(ctx, s, "action_findings", "action_id", assessmentIDs,
		func(a *store.Action) int64 { return a.ID }, func(a *store.Action) int64 { return a.InstitutionID })
}
