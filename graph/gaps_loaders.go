package graph

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"github.com/gendertrack/gendertrack/graph/model"
	"github.com/gendertrack/gendertrack/internal/gaps"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/store"
)

// GapLoaders batch the gap-flag fields of one request: the flags of every
// plan, institution or action in a list, and their counts, come from one
// evaluation per batch, and a query reuses what earlier batches of the same
// request evaluated (gaps.Memo).
type GapLoaders struct {
	s *gaps.Service

	// Flag loads flags by global ID (node, nodes).
	Flag *dataloadgen.Loader[string, *gaps.Flag]
	// PlanCounts and InstitutionCounts: open flags per category.
	PlanCounts        *dataloadgen.Loader[gaps.PlanRef, gaps.Counts]
	InstitutionCounts *dataloadgen.Loader[int64, gaps.Counts]

	mu        sync.Mutex
	memo      *gaps.Memo
	rootMemos map[*graphql.RootFieldContext]*gaps.Memo
	// Lists of a parent's flags, one loader per filter asked in the
	// request.
	planLists map[string]*dataloadgen.Loader[gaps.PlanRef, []gaps.Flag]
	instLists map[string]*dataloadgen.Loader[int64, []gaps.Flag]
}

// gapLang is the language of flag messages and rule descriptions for the
// request of ctx.
func gapLang(ctx context.Context) string { return gaps.Lang(ctx) }

// memo is the request's memo of evaluated flags. In a mutation each root
// field (whose payload is resolved after its write and before the next
// root field runs) gets its own, so that each payload sees the writes made
// before it; outside any root field, every call gets a fresh one.
func (l *GapLoaders) memoFor(ctx context.Context) *gaps.Memo {
	if graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Mutation {
			rf := graphql.GetRootFieldContext(ctx)
			if rf == nil {
				return l.s.NewMemo(gapLang(ctx))
			}
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.rootMemos == nil {
				l.rootMemos = map[*graphql.RootFieldContext]*gaps.Memo{}
			}
			m := l.rootMemos[rf]
			if m == nil {
				m = l.s.NewMemo(gapLang(ctx))
				l.rootMemos[rf] = m
			}
			return m
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.memo == nil {
		l.memo = l.s.NewMemo(gapLang(ctx))
	}
	return l.memo
}

// ActionFlagsOf are the open flags of an action (Action.gapFlags), read
// from the memo in place: gqlgen's marshaler calls the resolver for each
// action of a list one after the other (internal/tools/leaves: inlined),
// and the institution's flags are evaluated once, for the first.
func (l *GapLoaders) ActionFlagsOf(ctx context.Context, ref gaps.ActionFlagRef) ([]gaps.Flag, error) {
	m, err := l.memoFor(ctx).ByActions(ctx, []gaps.ActionFlagRef{ref})
	if err != nil {
		return nil, err
	}
	if fs := m[ref.ActionID]; fs != nil {
		return fs, nil
	}
	return []gaps.Flag{}, nil
}

func newGapLoaders(s *gaps.Service) *GapLoaders {
	l := &GapLoaders{s: s, planLists: map[string]*dataloadgen.Loader[gaps.PlanRef, []gaps.Flag]{},
		instLists: map[string]*dataloadgen.Loader[int64, []gaps.Flag]{}}
	if s == nil {
		return l
	}
	l.Flag = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*gaps.Flag, error) {
		return s.Get(ctx, ids, gapLang(ctx))
	}, wait)
	l.PlanCounts = dataloadgen.NewMappedLoader(func(ctx context.Context, refs []gaps.PlanRef) (map[gaps.PlanRef]gaps.Counts, error) {
		m, err := l.memoFor(ctx).OpenCountsByPlans(ctx, refs)
		if err != nil {
			return nil, err
		}
		out := make(map[gaps.PlanRef]gaps.Counts, len(refs))
		for _, r := range refs {
			out[r] = m[r.PlanID]
		}
		return out, nil
	}, wait)
	l.InstitutionCounts = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64]gaps.Counts, error) {
		return l.memoFor(ctx).OpenCountsByInstitutions(ctx, ids)
	}, wait)
	return l
}

func gloaders(ctx context.Context) *GapLoaders { return loaders(ctx).Gaps() }

func filterKey(f gaps.Filter) string {
	b, _ := json.Marshal(f)
	return string(b)
}

// planList returns the loader of plans' flags under filter f.
func (l *GapLoaders) planList(f gaps.Filter) *dataloadgen.Loader[gaps.PlanRef, []gaps.Flag] {
	key := filterKey(f)
	l.mu.Lock()
	defer l.mu.Unlock()
	if ld := l.planLists[key]; ld != nil {
		return ld
	}
	ld := dataloadgen.NewMappedLoader(func(ctx context.Context, refs []gaps.PlanRef) (map[gaps.PlanRef][]gaps.Flag, error) {
		m, err := l.memoFor(ctx).ListByPlans(ctx, refs, f)
		if err != nil {
			return nil, err
		}
		out := make(map[gaps.PlanRef][]gaps.Flag, len(refs))
		for _, r := range refs {
			out[r] = m[r.PlanID]
			if out[r] == nil {
				out[r] = []gaps.Flag{}
			}
		}
		return out, nil
	}, wait)
	l.planLists[key] = ld
	return ld
}

// instList returns the loader of institutions' flags under filter f.
func (l *GapLoaders) instList(f gaps.Filter) *dataloadgen.Loader[int64, []gaps.Flag] {
	key := filterKey(f)
	l.mu.Lock()
	defer l.mu.Unlock()
	if ld := l.instLists[key]; ld != nil {
		return ld
	}
	ld := dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64][]gaps.Flag, error) {
		m, err := l.memoFor(ctx).ListByInstitutions(ctx, ids, f)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if m[id] == nil {
				m[id] = []gaps.Flag{}
			}
		}
		return m, nil
	}, wait)
	l.instLists[key] = ld
	return ld
}

// gapFilter decodes a GapFlagFilter. An ID that names no institution or
// plan filters everything out, as an unknown object has no flags.
func gapFilter(in *model.GapFlagFilter) gaps.Filter {
	var f gaps.Filter
	if in == nil {
		return f
	}
	id := func(g *string, typ gid.Kind) *int64 {
		if g == nil {
			return nil
		}
		t, n, ok := gid.Decode(*g)
		if !ok || t != typ {
			n = -1
		}
		return &n
	}
	f.InstitutionID = id(in.InstitutionID, gid.Institution)
	f.PlanID = id(in.PlanID, gid.ActionPlan)
	f.Rules, f.Categories, f.States = in.Rules, in.Categories, in.States
	f.MinSeverity = deref(in.MinSeverity)
	return f
}

// gapConnection cuts one page of sorted flags. When the page's flags are
// asked for their subject, plan or institution, those are all requested
// from their loaders at once here, so that they come in one batch each
// however long the page takes to resolve.
func (r *Resolver) gapConnection(ctx context.Context, all []gaps.Flag, first *int, after *string) (*model.GapFlagConnection, error) {
	p, err := page(first, nil, 50)
	if err != nil {
		return nil, err
	}
	items, more, earlier, err := gaps.Page(all, p.First, deref(after))
	if err != nil {
		return nil, err
	}
	return r.flagConnection(ctx, items, len(all), more, earlier), nil
}

// flagConnection is the connection of one page of flags out of total.
func (r *Resolver) flagConnection(ctx context.Context, items []gaps.Flag, total int, more, earlier bool) *model.GapFlagConnection {
	conn := &model.GapFlagConnection{Edges: make([]model.GapFlagEdge, len(items)),
		PageInfo: &store.PageInfo{HasNextPage: more, HasPreviousPage: earlier}, TotalCount: total}
	r.prefetchFlagFields(ctx, items)
	for i := range items {
		c := gaps.Cursor(&items[i])
		conn.Edges[i] = model.GapFlagEdge{Cursor: c, Node: &items[i]}
		if i == 0 {
			conn.PageInfo.StartCursor = &c
		}
		if i == len(items)-1 {
			conn.PageInfo.EndCursor = &c
		}
	}
	return conn
}

// prefetchFlagFields starts the loads of the subject, plan and institution
// of each flag, for the fields the query selects under edges.node.
func (r *Resolver) prefetchFlagFields(ctx context.Context, items []gaps.Flag) {
	if len(items) == 0 || !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return
	}
	op := graphql.GetOperationContext(ctx)
	sel := map[string]bool{}
	for _, e := range graphql.CollectFieldsCtx(ctx, nil) {
		if e.Name != "edges" {
			continue
		}
		for _, n := range graphql.CollectFields(op, e.Selections, nil) {
			if n.Name == "node" {
				for _, f := range graphql.CollectFields(op, n.Selections, nil) {
					sel[f.Name] = true
				}
			}
		}
	}
	l := loaders(ctx)
	for i := range items {
		f := &items[i]
		if g := f.SubjectGID(); sel["subject"] && g != "" {
			r.nodeThunk(ctx, g)
		}
		if sel["plan"] && f.PlanID != nil {
			l.Plan().Plan.LoadThunk(ctx, *f.PlanID)
		}
		if sel["institution"] {
			l.Institution.LoadThunk(ctx, f.InstitutionID)
		}
	}
}

// flagNodeThunk loads a gap flag for node and nodes.
func (r *Resolver) flagNodeThunk(ctx context.Context, id string) func() (model.Node, error) {
	t := gloaders(ctx).Flag.LoadThunk(ctx, id)
	return thunk(t)
}
