package graph

import (
	"context"
	"strconv"
	"sync"

	"github.com/vikstrous/dataloadgen"

	"github.com/gendertrack/gendertrack/graph/model"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
)

// PlanLoaders batch the lookups below action plans: reading a plan with
// hundreds of actions, their units, resources, indicators and latest
// progress update costs the same few statements whatever their number.
//
// A dataloader batches the keys asked within its wait; with hundreds of
// objects resolved at once some keys can miss the first batch and make a
// second one. So the lists that the objects come from (a page of actions,
// the indicators of those actions…) register their ids as a group, and
// each relation below them is fetched once per group, for the whole
// group, whichever batch asks first: the number of statements does not
// depend on timing or on the number of objects.
type PlanLoaders struct {
	s *plan.Service

	// By id, for node and single references.
	Plan          *dataloadgen.Loader[int64, *store.ActionPlan]
	Objective     *dataloadgen.Loader[int64, *store.Objective]
	Action        *dataloadgen.Loader[int64, *store.Action]
	Resource      *dataloadgen.Loader[int64, *store.ResourceRequirement]
	Indicator     *dataloadgen.Loader[int64, *store.Indicator]
	Measurement   *dataloadgen.Loader[int64, *store.Measurement]
	Update        *dataloadgen.Loader[int64, *store.ProgressUpdate]
	Dissemination *dataloadgen.Loader[int64, *store.Dissemination]
	// Units, partners and users referenced from below a plan.
	Unit    *dataloadgen.Loader[int64, *store.Unit]
	Partner *dataloadgen.Loader[int64, *store.Partner]
	User    *dataloadgen.Loader[int64, *store.User]

	// Keyed by plan id.
	ObjectivesOf     *dataloadgen.Loader[int64, []store.Objective]
	DisseminationsOf *dataloadgen.Loader[int64, []store.Dissemination]
	Progress         *dataloadgen.Loader[int64, *plan.Progress]
	// Keyed by objective id.
	ObjectiveActions    *dataloadgen.Loader[int64, []store.Action]
	ObjectiveIndicators *dataloadgen.Loader[int64, []store.Indicator]
	ObjectiveFindings   *dataloadgen.Loader[int64, []store.Finding]
	// Keyed by action id.
	Resources        *dataloadgen.Loader[int64, []store.ResourceRequirement]
	ActionIndicators *dataloadgen.Loader[int64, []store.Indicator]
	SupportingUnits  *dataloadgen.Loader[int64, []store.Unit]
	Partners         *dataloadgen.Loader[int64, []store.Partner]
	ActionFindings   *dataloadgen.Loader[int64, []store.Finding]
	// Keyed by indicator id.
	Measurements    *dataloadgen.Loader[int64, []store.Measurement]
	Latest          *dataloadgen.Loader[int64, *store.Measurement]
	Dimensions      *dataloadgen.Loader[int64, []plan.Dimension]
	CategoryTargets *dataloadgen.Loader[int64, []store.CategoryTarget]
	// Keyed by assessment id, then by finding id: every finding of an
	// assessment asks the same key, so its findings cost one fetch.
	FindingObjectives *dataloadgen.Loader[int64, map[int64][]store.Objective]
	FindingActions    *dataloadgen.Loader[int64, map[int64][]store.Action]
	// Keyed by institution id.
	Summary *dataloadgen.Loader[int64, *plan.Summary]

	// The grouped fetches behind Unit, Resources, ActionIndicators and
	// Latest, which the relations of actions and indicators call directly
	// (relations.go).
	unitsNow        func(context.Context, []int64) (map[int64]*store.Unit, error)
	resourcesNow    func(context.Context, []int64) (map[int64][]store.ResourceRequirement, error)
	indicatorsNow   func(context.Context, []int64) (map[int64][]store.Indicator, error)
	latestNow       func(context.Context, []int64) (map[int64]*store.Measurement, error)
	supportingNow   func(context.Context, []int64) (map[int64][]store.Unit, error)
	partnersNow     func(context.Context, []int64) (map[int64][]store.Partner, error)
	findingsNow     func(context.Context, []int64) (map[int64][]store.Finding, error)
	measurementsNow func(context.Context, []int64) (map[int64][]store.Measurement, error)
	// Behind Objective, Partner and User: the resolvers that gqlgen's
	// marshalers call in place (internal/tools/leaves: inlined) read them
	// directly for an id listed with others (byID).
	objectiveNow func(context.Context, []int64) (map[int64]*store.Objective, error)
	partnerNow   func(context.Context, []int64) (map[int64]*store.Partner, error)
	userNow      func(context.Context, []int64) (map[int64]*store.User, error)
	// listedObjective: the objectives read as a list (a plan's), which an
	// action's objective finds without a statement.
	listedMu        sync.Mutex
	listedObjective map[int64]*store.Objective
	relOnce         sync.Once
	relations       *relations
	// The columns the operation shows of each narrowable type (columns.go).
	narrow   bool
	colsOnce sync.Once
	cols     map[string][]string
	// latestRow: Indicator.latest is built from the indicator's row
	// (latestInRow).
	latestRow bool

	// The groups of ids listed together in this request.
	plans, objectives, actions, indicators, units, partners, users *idGroups

	// Pages of a parent's list, one loader per filter and page asked in
	// the request, keyed by the parent's id.
	mu          sync.Mutex
	actionPages map[string]*dataloadgen.Loader[int64, plan.Page[store.Action]]
	updatePages map[string]*updatePages
}

// idGroups records which ids were listed together.
type idGroups struct {
	mu sync.Mutex
	of map[int64]*idGroup
}

type idGroup struct{ ids []int64 }

func newGroups() *idGroups { return &idGroups{of: map[int64]*idGroup{}} }

// add makes a group of the ids that are in none yet.
func (g *idGroups) add(ids []int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	grp := &idGroup{}
	for _, id := range ids {
		if _, ok := g.of[id]; !ok {
			g.of[id] = grp
			grp.ids = append(grp.ids, id)
		}
	}
}

func (g *idGroups) get(id int64) *idGroup {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.of[id]
}

// groupCall is the one fetch of a relation for a group.
type groupCall[T any] struct {
	once sync.Once
	m    map[int64]T
	err  error
}

// grouped turns a batch fetch into one that fetches each group of ids once
// and whole; ids in no group are fetched as asked. then, when set, sees
// every fetched result (to register the next level's groups).
func grouped[T any](groups *idGroups, fetch func(context.Context, []int64) (map[int64]T, error), then func(map[int64]T)) func(context.Context, []int64) (map[int64]T, error) {
	var (
		mu    sync.Mutex
		calls = map[*idGroup]*groupCall[T]{}
	)
	run := func(ctx context.Context, ids []int64) (map[int64]T, error) {
		m, err := fetch(ctx, ids)
		if err == nil && then != nil {
			then(m)
		}
		return m, err
	}
	return func(ctx context.Context, ids []int64) (map[int64]T, error) {
		out := make(map[int64]T, len(ids))
		var loose []int64
		for _, id := range ids {
			grp := groups.get(id)
			if grp == nil {
				loose = append(loose, id)
				continue
			}
			mu.Lock()
			c := calls[grp]
			if c == nil {
				c = &groupCall[T]{}
				calls[grp] = c
			}
			mu.Unlock()
			c.once.Do(func() { c.m, c.err = run(ctx, grp.ids) })
			if c.err != nil {
				return nil, c.err
			}
			if v, ok := c.m[id]; ok {
				out[id] = v
			}
		}
		if len(loose) > 0 {
			m, err := run(ctx, loose)
			if err != nil {
				return nil, err
			}
			for k, v := range m {
				out[k] = v
			}
		}
		return out, nil
	}
}

// lists gives the keys without rows an empty list.
func lists[T any](fn func(context.Context, []int64) (map[int64][]T, error)) func(context.Context, []int64) (map[int64][]T, error) {
	return func(ctx context.Context, ids []int64) (map[int64][]T, error) {
		m, err := fn(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if m[id] == nil {
				m[id] = []T{}
			}
		}
		return m, nil
	}
}

// PlanFetchers are the lookups outside the plan service that the plan
// loaders group.
type PlanFetchers struct {
	Units    func(context.Context, []int64) (map[int64]*store.Unit, error)
	Partners func(context.Context, []int64) (map[int64]*store.Partner, error)
	Users    func(context.Context, []int64) (map[int64]*store.User, error)
}

func newPlanLoaders(s *plan.Service, f PlanFetchers, narrow bool) *PlanLoaders {
	l := &PlanLoaders{s: s, narrow: narrow,
		plans: newGroups(), objectives: newGroups(), actions: newGroups(), indicators: newGroups(),
		units: newGroups(), partners: newGroups(), users: newGroups(),
		actionPages: map[string]*dataloadgen.Loader[int64, plan.Page[store.Action]]{},
		updatePages: map[string]*updatePages{},
	}
	l.Plan = dataloadgen.NewMappedLoader(grouped(l.plans, s.PlansByID, nil), wait)
	l.objectiveNow = grouped(l.objectives, s.ObjectivesByID, nil)
	l.Objective = dataloadgen.NewMappedLoader(l.objectiveNow, wait)
	l.Action = dataloadgen.NewMappedLoader(grouped(l.actions, relate(l, narrowed[store.Action](l, "Action", s.ActionsByID), relAction), nil), wait)
	l.Resource = dataloadgen.NewMappedLoader(s.ResourcesByID, wait)
	l.Indicator = dataloadgen.NewMappedLoader(grouped(l.indicators, relate(l, narrowed[store.Indicator](l, "Indicator", s.IndicatorsByID), relIndicator), nil), wait)
	l.Measurement = dataloadgen.NewMappedLoader(s.MeasurementsByID, wait)
	l.Update = dataloadgen.NewMappedLoader(s.UpdatesByID, wait)
	l.Dissemination = dataloadgen.NewMappedLoader(s.DisseminationsByID, wait)
	l.unitsNow = grouped(l.units, narrowed[store.Unit](l, "Unit", f.Units), nil)
	l.Unit = dataloadgen.NewMappedLoader(l.unitsNow, wait)
	l.partnerNow = grouped(l.partners, f.Partners, nil)
	l.Partner = dataloadgen.NewMappedLoader(l.partnerNow, wait)
	l.userNow = grouped(l.users, f.Users, nil)
	l.User = dataloadgen.NewMappedLoader(l.userNow, wait)

	l.ObjectivesOf = dataloadgen.NewMappedLoader(lists(grouped(l.plans, s.ObjectivesByPlan, func(m map[int64][]store.Objective) {
		var all []store.Objective
		for _, os := range m {
			all = append(all, os...)
		}
		l.listedObjectives(all)
	})), wait)
	l.DisseminationsOf = dataloadgen.NewMappedLoader(lists(grouped(l.plans, s.DisseminationsByPlan, nil)), wait)
	l.Progress = dataloadgen.NewMappedLoader(grouped(l.plans, s.Progress, nil), wait)
	l.ObjectiveActions = dataloadgen.NewMappedLoader(lists(grouped(l.objectives, relate(l, s.ActionsByObjective, relActions), l.listedActionLists)), wait)
	l.ObjectiveIndicators = dataloadgen.NewMappedLoader(lists(grouped(l.objectives, relate(l, narrowed[store.Indicator](l, "Indicator", s.IndicatorsByObjective), relIndicators), l.listedIndicatorLists)), wait)
	l.ObjectiveFindings = dataloadgen.NewMappedLoader(lists(grouped(l.objectives, s.ObjectiveFindings, nil)), wait)
	l.resourcesNow = lists(grouped(l.actions, narrowed[store.ResourceRequirement](l, "ResourceRequirement", s.ResourcesByAction), func(m map[int64][]store.ResourceRequirement) {
		var ids []int64
		for _, rs := range m {
			for _, r := range rs {
				if r.ProviderID != nil {
					ids = append(ids, *r.ProviderID)
				}
			}
		}
		l.partners.add(ids)
	}))
	l.Resources = dataloadgen.NewMappedLoader(l.resourcesNow, wait)
	l.indicatorsNow = lists(grouped(l.actions, relate(l, narrowed[store.Indicator](l, "Indicator", s.IndicatorsByAction), relIndicators), l.listedIndicatorLists))
	l.ActionIndicators = dataloadgen.NewMappedLoader(l.indicatorsNow, wait)
	l.supportingNow = lists(grouped(l.actions, s.SupportingUnits, nil))
	l.SupportingUnits = dataloadgen.NewMappedLoader(l.supportingNow, wait)
	l.partnersNow = lists(grouped(l.actions, s.ActionPartners, nil))
	l.Partners = dataloadgen.NewMappedLoader(l.partnersNow, wait)
	l.findingsNow = lists(grouped(l.actions, s.ActionFindings, nil))
	l.ActionFindings = dataloadgen.NewMappedLoader(l.findingsNow, wait)
	l.measurementsNow = lists(grouped(l.indicators, s.MeasurementsByIndicator, func(m map[int64][]store.Measurement) {
		var ids []int64
		for _, ms := range m {
			for _, x := range ms {
				if x.RecordedBy != nil {
					ids = append(ids, *x.RecordedBy)
				}
			}
		}
		l.users.add(ids)
	}))
	l.Measurements = dataloadgen.NewMappedLoader(l.measurementsNow, wait)
	l.latestNow = grouped(l.indicators, s.LatestMeasurements, func(m map[int64]*store.Measurement) {
		var ids []int64
		for _, x := range m {
			if x.RecordedBy != nil {
				ids = append(ids, *x.RecordedBy)
			}
		}
		l.users.add(ids)
	})
	l.Latest = dataloadgen.NewMappedLoader(l.latestNow, wait)
	l.Dimensions = dataloadgen.NewMappedLoader(lists(grouped(l.indicators, s.DimensionsByIndicator, nil)), wait)
	l.CategoryTargets = dataloadgen.NewMappedLoader(lists(grouped(l.indicators, s.CategoryTargetsByIndicator, nil)), wait)
	l.FindingObjectives = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64]map[int64][]store.Objective, error) {
		m, err := s.ObjectivesAddressingFindings(ctx, ids)
		var all []store.Objective
		for _, byFinding := range m {
			for _, os := range byFinding {
				all = append(all, os...)
			}
		}
		l.listedObjectives(all)
		return m, err
	}, wait)
	l.FindingActions = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64]map[int64][]store.Action, error) {
		m, err := s.ActionsAddressingFindings(ctx, ids)
		var all []store.Action
		for _, byFinding := range m {
			relActionsByKey(byFinding, l.rel(ctx))
			for _, as := range byFinding {
				all = append(all, as...)
			}
		}
		l.listedActions(all)
		return m, err
	}, wait)
	l.Summary = dataloadgen.NewMappedLoader(s.Summaries, wait)
	return l
}

func ploaders(ctx context.Context) *PlanLoaders { return loaders(ctx).Plan() }

// ListedPlans records plans read as a list: what is below them is fetched
// for all of them together.
func (l *PlanLoaders) ListedPlans(ps []store.ActionPlan) {
	ids := make([]int64, len(ps))
	for i := range ps {
		ids[i] = ps[i].ID
		l.Plan.Prime(ps[i].ID, &ps[i])
	}
	l.plans.add(ids)
}

func (l *PlanLoaders) listedObjectives(os []store.Objective) {
	ids := make([]int64, len(os))
	l.listedMu.Lock()
	if l.listedObjective == nil {
		l.listedObjective = map[int64]*store.Objective{}
	}
	for i := range os {
		ids[i] = os[i].ID
		l.Objective.Prime(os[i].ID, &os[i])
		l.listedObjective[os[i].ID] = &os[i]
	}
	l.listedMu.Unlock()
	l.objectives.add(ids)
}

// byID returns the row of id: for an id listed with others, from the one
// fetch of its group, in place; for one on its own, through the loader,
// batched with the request's other such ids. Either way the statements do
// not depend on the number of objects, and a resolver called in place for
// each element of a list never waits on a batch.
func byID[T any](ctx context.Context, groups *idGroups, fetch func(context.Context, []int64) (map[int64]*T, error), ld *dataloadgen.Loader[int64, *T], id int64) (*T, error) {
	if groups.get(id) != nil {
		return one(ctx, fetch, id)
	}
	return load(ctx, ld, id)
}

// ObjectiveOf is an action's or an indicator's objective: one of a plan's
// listed objectives as it was read, else through byID.
func (l *PlanLoaders) ObjectiveOf(ctx context.Context, id int64) (*store.Objective, error) {
	l.listedMu.Lock()
	o := l.listedObjective[id]
	l.listedMu.Unlock()
	if o != nil {
		return o, nil
	}
	return byID(ctx, l.objectives, l.objectiveNow, l.Objective, id)
}

// PartnerOf is a partner referenced from below a plan (a requirement's
// provider).
func (l *PlanLoaders) PartnerOf(ctx context.Context, id int64) (*store.Partner, error) {
	return byID(ctx, l.partners, l.partnerNow, l.Partner, id)
}

// UserOf is a user referenced from below a plan (an update's author).
func (l *PlanLoaders) UserOf(ctx context.Context, id int64) (*store.User, error) {
	return byID(ctx, l.users, l.userNow, l.User, id)
}

// listedActions records actions read as a list, their lead units and
// their objectives.
func (l *PlanLoaders) listedActions(as []store.Action) {
	ids := make([]int64, 0, len(as))
	var units, objectives []int64
	for i := range as {
		ids = append(ids, as[i].ID)
		l.Action.Prime(as[i].ID, &as[i])
		if as[i].LeadUnitID != nil {
			units = append(units, *as[i].LeadUnitID)
		}
		if as[i].ObjectiveID != nil {
			objectives = append(objectives, *as[i].ObjectiveID)
		}
	}
	l.actions.add(ids)
	l.units.add(units)
	l.objectives.add(objectives)
}

func (l *PlanLoaders) listedActionLists(m map[int64][]store.Action) {
	var all []store.Action
	for _, as := range m {
		all = append(all, as...)
	}
	l.listedActions(all)
}

func (l *PlanLoaders) listedIndicatorLists(m map[int64][]store.Indicator) {
	var ids []int64
	for _, is := range m {
		for i := range is {
			ids = append(ids, is[i].ID)
		}
	}
	l.indicators.add(ids)
}

func pageKey(p store.Page) string {
	return strconv.Itoa(p.First) + ":" + strconv.FormatInt(p.After, 10) + ":" + strconv.FormatBool(p.NoCount) + strconv.FormatBool(p.NoRows)
}

// ActionPage loads one page of a plan's actions, batched with the same
// page of the other plans of the request.
func (l *PlanLoaders) ActionPage(ctx context.Context, planID int64, f plan.ActionFilter, p store.Page) (plan.Page[store.Action], error) {
	key := f.Key() + "#" + pageKey(p)
	l.mu.Lock()
	ld := l.actionPages[key]
	if ld == nil {
		// Only the plans asked: a plan listed with others (an
		// institution's plans) does not make their pages read too.
		ld = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64]plan.Page[store.Action], error) {
			m, err := l.s.ActionPages(store.Narrow[store.Action](ctx, l.columns(ctx, "Action")), ids, f, p)
			if err != nil {
				return nil, err
			}
			var all []store.Action
			for _, pg := range m {
				relActionPage(pg, l.rel(ctx))
				all = append(all, pg.Items...)
			}
			l.listedActions(all)
			return m, nil
		}, wait)
		l.actionPages[key] = ld
	}
	l.mu.Unlock()
	return ld.Load(ctx, planID)
}

// UpdatePage loads one page of an action's progress updates, newest first:
// for an action listed with others, the page of each action of the group,
// read once and directly (Action.updates is a plain method, called inline
// for each action of a list); for one read on its own, batched with the
// same page of the other such actions of the request.
func (l *PlanLoaders) UpdatePage(ctx context.Context, actionID int64, p store.Page) (plan.Page[store.ProgressUpdate], error) {
	key := pageKey(p)
	l.mu.Lock()
	u := l.updatePages[key]
	if u == nil {
		u = &updatePages{fetch: grouped(l.actions, func(ctx context.Context, ids []int64) (map[int64]plan.Page[store.ProgressUpdate], error) {
			return l.s.UpdatePages(ctx, ids, p)
		}, func(m map[int64]plan.Page[store.ProgressUpdate]) {
			var users []int64
			for _, pg := range m {
				for _, u := range pg.Items {
					if u.AuthorID != nil {
						users = append(users, *u.AuthorID)
					}
				}
			}
			l.users.add(users)
		})}
		u.loose = dataloadgen.NewMappedLoader(u.fetch, wait)
		l.updatePages[key] = u
	}
	l.mu.Unlock()
	if l.actions.get(actionID) == nil {
		return u.loose.Load(ctx, actionID)
	}
	m, err := u.fetch(ctx, []int64{actionID})
	if err != nil {
		return plan.Page[store.ProgressUpdate]{}, err
	}
	return m[actionID], nil
}

// updatePages is one page of the progress updates of actions: the grouped
// fetch, and the dataloader over it for actions in no group.
type updatePages struct {
	fetch func(context.Context, []int64) (map[int64]plan.Page[store.ProgressUpdate], error)
	loose *dataloadgen.Loader[int64, plan.Page[store.ProgressUpdate]]
}

// ------------------------------------------------------------------ mapping

// actionFilter maps the API's filter; a lead unit ID that names no unit
// matches no action.
func actionFilter(f *model.ActionFilter) plan.ActionFilter {
	if f == nil {
		return plan.ActionFilter{}
	}
	out := plan.ActionFilter{Statuses: f.Statuses, Kinds: f.Kinds, Health: f.Health, Overdue: f.Overdue}
	if f.LeadUnitID != nil {
		typ, id, ok := gid.Decode(*f.LeadUnitID)
		if !ok || typ != gid.Unit {
			id = -1
		}
		out.LeadUnitID = &id
	}
	return out
}
