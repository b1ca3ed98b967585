package graph

import (
	"context"
	"errors"
	"reflect"

	"github.com/99designs/gqlgen/graphql"

	"github.com/vikstrous/dataloadgen"

	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
)

// relations is the store.Relations of one request: the relations of
// actions and indicators are plain methods of the models, which gqlgen
// calls inline, and they read here. Each reads through the same grouped
// fetch as the dataloaders (plan_loaders.go), but directly: the first
// action of a listed group asked for its resources fetches those of the
// whole group, and the others find them, with no goroutine, no dataloader
// batch to wait for and no thunk per object. An object outside any group
// (one read by id, or returned by a mutation) is fetched on its own.
type relations struct {
	ctx context.Context
	l   *PlanLoaders
}

// rel returns the request's relations, made with the context of the first
// fetch that needs it (every fetch of a request has the same caller).
func (l *PlanLoaders) rel(ctx context.Context) *relations {
	l.relOnce.Do(func() { l.relations = &relations{ctx: context.WithoutCancel(ctx), l: l} })
	return l.relations
}

// one returns the value of fetch for id, nil when there is none.
func one[T any](ctx context.Context, fetch func(context.Context, []int64) (map[int64]*T, error), id int64) (*T, error) {
	m, err := fetch(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	return m[id], nil
}

// listOf returns the list of fetch for id, empty when there is none.
func listOf[T any](ctx context.Context, fetch func(context.Context, []int64) (map[int64][]T, error), id int64) ([]T, error) {
	m, err := fetch(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	if v := m[id]; v != nil {
		return v, nil
	}
	return []T{}, nil
}

func (r *relations) ActionLeadUnit(a *store.Action) (*store.Unit, error) {
	return one(r.ctx, r.l.unitsNow, *a.LeadUnitID)
}

func (r *relations) ActionResources(a *store.Action) ([]store.ResourceRequirement, error) {
	return listOf(r.ctx, r.l.resourcesNow, a.ID)
}

func (r *relations) ActionIndicators(a *store.Action) ([]store.Indicator, error) {
	return listOf(r.ctx, r.l.indicatorsNow, a.ID)
}

func (r *relations) ActionHealth(a *store.Action) string { return r.l.s.Health(a) }

func (r *relations) ActionSupportingUnits(a *store.Action) ([]store.Unit, error) {
	return listOf(r.ctx, r.l.supportingNow, a.ID)
}

func (r *relations) ActionPartners(a *store.Action) ([]store.Partner, error) {
	return listOf(r.ctx, r.l.partnersNow, a.ID)
}

func (r *relations) ActionFindings(a *store.Action) ([]store.Finding, error) {
	return listOf(r.ctx, r.l.findingsNow, a.ID)
}

func (r *relations) ActionUpdates(a *store.Action, first *int, after *string) (*store.ProgressUpdateConnection, error) {
	p, err := page(first, after, 20)
	if err != nil {
		return nil, err
	}
	p.Desc = true
	pg, err := r.l.UpdatePage(r.ctx, a.ID, p)
	if err != nil {
		return nil, err
	}
	edges, pi := connect(pg.Items, pg.More, p, func(u *store.ProgressUpdate) int64 { return u.ID },
		func(c string, n *store.ProgressUpdate) store.ProgressUpdateEdge {
			return store.ProgressUpdateEdge{Cursor: c, Node: n}
		})
	return &store.ProgressUpdateConnection{Edges: edges, PageInfo: pi, TotalCount: a.UpdateCount}, nil
}

func (r *relations) IndicatorMeasurements(i *store.Indicator) ([]store.Measurement, error) {
	return listOf(r.ctx, r.l.measurementsNow, i.ID)
}

func (r *relations) IndicatorLatest(i *store.Indicator) (*store.Measurement, error) {
	if i.LatestValue != nil && i.LatestMeasuredOn != nil && r.l.latestInRow(r.ctx) {
		return &store.Measurement{IndicatorID: i.ID, Value: *i.LatestValue, MeasuredOn: *i.LatestMeasuredOn, Breakdown: i.LatestBreakdown}, nil
	}
	return one(r.ctx, r.l.latestNow, i.ID)
}

func (r *relations) IndicatorStatus(i *store.Indicator) (string, error) {
	// The plan is nearly always in the loader's cache already (the plan
	// page's own, or primed by the list it came from).
	p, err := r.l.Plan.Load(r.ctx, i.PlanID)
	if errors.Is(err, dataloadgen.ErrNotFound) || p == nil {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return r.l.s.IndicatorStatus(i, p), nil
}

// prefetchActions starts together, for a page of actions just read, the
// fetches of the relations the operation selects on its nodes, each for the
// whole group: the nodes' methods then find them done or in flight, and a
// plan page waits for one round of statements instead of one after the
// other.
func (l *PlanLoaders) prefetchActions(ctx context.Context, as []store.Action) {
	if len(as) == 0 || !graphql.HasOperationContext(ctx) {
		return
	}
	oc := graphql.GetOperationContext(ctx)
	sel := nodeFields(ctx, "Action")
	first := []int64{as[0].ID}
	if _, ok := sel["leadUnit"]; ok {
		for i := range as {
			if as[i].LeadUnitID != nil {
				go l.unitsNow(ctx, []int64{*as[i].LeadUnitID})
				break
			}
		}
	}
	for name, fetch := range map[string]func(context.Context, []int64) error{
		"resources":       func(ctx context.Context, ids []int64) error { _, err := l.resourcesNow(ctx, ids); return err },
		"supportingUnits": func(ctx context.Context, ids []int64) error { _, err := l.supportingNow(ctx, ids); return err },
		"partners":        func(ctx context.Context, ids []int64) error { _, err := l.partnersNow(ctx, ids); return err },
		"findings":        func(ctx context.Context, ids []int64) error { _, err := l.findingsNow(ctx, ids); return err },
	} {
		if _, ok := sel[name]; ok {
			go fetch(ctx, first)
		}
	}
	if f, ok := sel["indicators"]; ok {
		// Unless the latest measurements are read from the indicators'
		// rows (latestInRow).
		latest, measurements := false, false
		inRow := l.latestInRow(ctx)
		for _, g := range graphql.CollectFields(oc, f.Selections, []string{"Indicator", "Node"}) {
			latest = latest || g.Name == "latest" && !inRow
			measurements = measurements || g.Name == "measurements"
		}
		go func() {
			// The latest measurements belong to the indicators' group,
			// known once they are read.
			m, err := l.indicatorsNow(ctx, first)
			if err != nil {
				return
			}
			if xs := m[first[0]]; len(xs) > 0 {
				if latest {
					go l.latestNow(ctx, []int64{xs[0].ID})
				}
				if measurements {
					go l.measurementsNow(ctx, []int64{xs[0].ID})
				}
			}
		}()
	}
	if f, ok := sel["updates"]; ok {
		args := f.ArgumentMap(oc.Variables)
		var n *int
		switch v := args["first"].(type) {
		case int64:
			k := int(v)
			n = &k
		case int:
			n = &v
		}
		var after *string
		if a, ok := args["after"].(string); ok {
			after = &a
		}
		if p, err := page(n, after, 20); err == nil {
			p.Desc = true
			go l.UpdatePage(ctx, first[0], p)
		}
	}
}

// nodeFields gives the fields selected on edges.node of the connection
// being resolved, for nodes of type typ (fragments included), by name.
func nodeFields(ctx context.Context, typ string) map[string]graphql.CollectedField {
	oc := graphql.GetOperationContext(ctx)
	out := map[string]graphql.CollectedField{}
	for _, e := range graphql.CollectFieldsCtx(ctx, nil) {
		if e.Name != "edges" {
			continue
		}
		for _, n := range graphql.CollectFields(oc, e.Selections, nil) {
			if n.Name != "node" {
				continue
			}
			for _, f := range graphql.CollectFields(oc, n.Selections, []string{typ, "Node"}) {
				if _, dup := out[f.Name]; !dup {
					out[f.Name] = f
				}
			}
		}
	}
	return out
}

// relate gives fetched actions and indicators the request's relations,
// before anything else sees them.
func relate[T any](l *PlanLoaders, fetch func(context.Context, []int64) (map[int64]T, error), each func(T, *relations)) func(context.Context, []int64) (map[int64]T, error) {
	return func(ctx context.Context, ids []int64) (map[int64]T, error) {
		m, err := fetch(ctx, ids)
		if err == nil {
			rel := l.rel(ctx)
			for _, v := range m {
				each(v, rel)
			}
		}
		return m, err
	}
}

func relAction(a *store.Action, r *relations) { a.Rel = r }

func relActions(as []store.Action, r *relations) {
	for i := range as {
		as[i].Rel = r
	}
}

func relIndicator(x *store.Indicator, r *relations) { x.Rel = r }

func relIndicators(xs []store.Indicator, r *relations) {
	for i := range xs {
		xs[i].Rel = r
	}
}

func relActionPage(pg plan.Page[store.Action], r *relations) { relActions(pg.Items, r) }

func relActionsByKey(m map[int64][]store.Action, r *relations) {
	for _, as := range m {
		relActions(as, r)
	}
}

// relatePayload gives the actions and indicators of a mutation's payload
// (fields of the payload struct, by pointer or in a list) the request's
// relations; mutate calls it for every payload.
func relatePayload(ctx context.Context, payload any) {
	v := reflect.ValueOf(payload)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return
	}
	v = v.Elem()
	for i := range v.NumField() {
		switch f := v.Field(i).Interface().(type) {
		case *store.Action:
			if f != nil {
				f.Rel = ploaders(ctx).rel(ctx)
			}
		case *store.Indicator:
			if f != nil {
				f.Rel = ploaders(ctx).rel(ctx)
			}
		case []store.Action:
			relActions(f, ploaders(ctx).rel(ctx))
		case []store.Indicator:
			relIndicators(f, ploaders(ctx).rel(ctx))
		}
	}
}
