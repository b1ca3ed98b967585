package gaps

import (
	"container/heap"
	"context"
	"slices"
	"sort"
	"sync"

	"github.com/uptrace/bun"
)

// Memo remembers, for one read request, the flags of the institutions it
// has looked at, so that every flag field of the request (lists, counts,
// the flags of each action) reuses one evaluation: the statements of a
// request do not depend on how its fields happen to be batched. The flags
// come from the service's cache (see cache.go) as sorted, indexed sets that
// are shared, never copied or modified here. Use one Memo per query, never
// across a write: a mutation's answer must see its own write.
type Memo struct {
	s    *Service
	lang string

	mu    sync.Mutex
	all   bool                        // every institution the actor may read is known
	insts map[int64]*InstitutionFlags // institutions known (their plans included)
	plans map[int64]int64             // plan → institution, for plans looked up
}

// NewMemo starts a memo whose messages are in lang.
func (s *Service) NewMemo(lang string) *Memo {
	return &Memo{s: s, lang: lang, insts: map[int64]*InstitutionFlags{}, plans: map[int64]int64{}}
}

// PlanRef names a plan and its institution.
type PlanRef struct{ PlanID, InstitutionID int64 }

// ensureInstitutions loads the flags of the institutions not known yet
// (every: every readable institution) through the service's cache.
func (m *Memo) ensureInstitutions(ctx context.Context, ids []int64, every bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ensureLocked(ctx, ids, every)
}

func (m *Memo) ensureLocked(ctx context.Context, ids []int64, every bool) error {
	if m.all {
		return nil
	}
	sc := Scope{All: true}
	if !every {
		var missing []int64
		for _, id := range ids {
			if _, ok := m.insts[id]; !ok && !slices.Contains(missing, id) {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		sc = Scope{Institutions: missing}
	}
	sc = m.s.readable(ctx, sc)
	if sc.empty() {
		return nil
	}
	var want []int64 // nil: every institution
	if !sc.All {
		want = sc.Institutions
	}
	by, err := m.s.institutionFlags(ctx, want, m.lang)
	if err != nil {
		return err
	}
	for id, fs := range by {
		m.insts[id] = fs
	}
	if sc.All {
		m.all = true
	}
	return nil
}

// ensurePlans loads the flags of the institutions of the plans.
func (m *Memo) ensurePlans(ctx context.Context, refs []PlanRef) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var insts, unknown []int64
	for _, r := range refs {
		switch {
		case r.InstitutionID != 0:
			insts = append(insts, r.InstitutionID)
			m.plans[r.PlanID] = r.InstitutionID
		default:
			if inst, ok := m.plans[r.PlanID]; ok {
				insts = append(insts, inst)
			} else {
				unknown = append(unknown, r.PlanID)
			}
		}
	}
	if len(unknown) > 0 {
		var owners []struct {
			ID            int64 `bun:"id"`
			InstitutionID int64 `bun:"institution_id"`
		}
		if err := m.s.DB.NewSelect().Table("action_plans").Column("id", "institution_id").Where("id IN (?)", bun.List(unknown)).Scan(ctx, &owners); err != nil {
			return err
		}
		for _, o := range owners {
			m.plans[o.ID] = o.InstitutionID
			insts = append(insts, o.InstitutionID)
		}
	}
	return m.ensureLocked(ctx, insts, false)
}

// known returns the flags of a known institution the actor may read.
func (m *Memo) known(ctx context.Context, id int64) *InstitutionFlags {
	m.mu.Lock()
	defer m.mu.Unlock()
	in := m.insts[id]
	if in == nil || !m.s.Guard.Readable(ctx).Has(id) {
		return nil
	}
	return in
}

// planRefs returns the flags of a plan that pass the filter, in order,
// shared with the cache: read them, never change them.
func (m *Memo) planRefs(ctx context.Context, plan int64, f Filter) []*Flag {
	m.mu.Lock()
	inst := m.plans[plan]
	m.mu.Unlock()
	in := m.known(ctx, inst)
	if in == nil {
		return nil
	}
	var out []*Flag
	for _, i := range in.byPlan[plan] {
		if fl := &in.Flags[i]; f.match(fl) && (f.InstitutionID == nil || fl.InstitutionID == *f.InstitutionID) {
			out = append(out, fl)
		}
	}
	return out
}

// institutionRefs returns the flags of an institution that pass the
// filter, in order, shared with the cache like planRefs.
func (m *Memo) institutionRefs(ctx context.Context, id int64, f Filter) []*Flag {
	in := m.known(ctx, id)
	if in == nil {
		return nil
	}
	var out []*Flag
	for i := range in.Flags {
		if fl := &in.Flags[i]; f.match(fl) {
			out = append(out, fl)
		}
	}
	return out
}

// copies returns copies of shared flags, for a caller to keep.
func copies(refs []*Flag) []Flag {
	out := make([]Flag, len(refs))
	for i, r := range refs {
		out[i] = *r
	}
	return out
}

// List is Service.List through the memo.
func (m *Memo) List(ctx context.Context, f Filter) ([]Flag, error) {
	lists, total, err := m.lists(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]Flag, 0, total)
	merge(lists, func(fl *Flag) bool { out = append(out, *fl); return true })
	return out, nil
}

// ListPage is one page of List (see Page) and the number of flags in the
// whole list. The page is merged from the cached flags, which are shared,
// and only its own flags are copied: a page of 50 or 100 flags no longer
// copies every flag of the institution, or of every institution (40,000
// flags, 7 MB, twice per request on `large`).
func (m *Memo) ListPage(ctx context.Context, f Filter, first int, after string) (page []Flag, total int, more, earlier bool, err error) {
	var from position
	if after != "" {
		p, ok := parseCursor(after)
		if !ok {
			return nil, 0, false, false, errBadCursor
		}
		from, earlier = p, true
	}
	lists, total, err := m.lists(ctx, f)
	if err != nil {
		return nil, 0, false, false, err
	}
	if earlier {
		for i, l := range lists {
			lists[i] = l[sort.Search(len(l), func(j int) bool { return from.before(l[j]) }):]
		}
	}
	merge(lists, func(fl *Flag) bool {
		if len(page) == first {
			more = true
			return false
		}
		page = append(page, *fl)
		return true
	})
	return page, total, more, earlier, nil
}

// lists gives the flags that pass the filter as sorted lists shared with
// the cache (one per institution, or the plan's), and their number.
func (m *Memo) lists(ctx context.Context, f Filter) ([][]*Flag, int, error) {
	switch {
	case f.PlanID != nil:
		ref := PlanRef{PlanID: *f.PlanID, InstitutionID: deref(f.InstitutionID)}
		if err := m.ensurePlans(ctx, []PlanRef{ref}); err != nil {
			return nil, 0, err
		}
		l := m.planRefs(ctx, *f.PlanID, f)
		return [][]*Flag{l}, len(l), nil
	case f.InstitutionID != nil:
		if err := m.ensureInstitutions(ctx, []int64{*f.InstitutionID}, false); err != nil {
			return nil, 0, err
		}
		l := m.institutionRefs(ctx, *f.InstitutionID, f)
		return [][]*Flag{l}, len(l), nil
	}
	if err := m.ensureInstitutions(ctx, nil, true); err != nil {
		return nil, 0, err
	}
	m.mu.Lock()
	ids := make([]int64, 0, len(m.insts))
	for id := range m.insts {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	slices.Sort(ids)
	lists := make([][]*Flag, 0, len(ids))
	total := 0
	for _, id := range ids {
		if l := m.institutionRefs(ctx, id, f); len(l) > 0 {
			lists = append(lists, l)
			total += len(l)
		}
	}
	return lists, total, nil
}

// merge visits, in list order, the flags of lists that are each sorted
// (see Sort), until visit returns false.
func merge(lists [][]*Flag, visit func(*Flag) bool) {
	h := make(flagHeap, 0, len(lists))
	for _, l := range lists {
		if len(l) > 0 {
			h = append(h, l)
		}
	}
	heap.Init(&h)
	for h.Len() > 0 {
		if !visit(h[0][0]) {
			return
		}
		if h[0] = h[0][1:]; len(h[0]) == 0 {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
	}
}

// flagHeap orders non-empty sorted lists by their first flag.
type flagHeap [][]*Flag

func (h flagHeap) Len() int           { return len(h) }
func (h flagHeap) Less(i, j int) bool { return compare(h[i][0], h[j][0]) < 0 }
func (h flagHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *flagHeap) Push(x any)        { *h = append(*h, x.([]*Flag)) }
func (h *flagHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// ListByPlans lists the flags of each plan that pass the filter.
func (m *Memo) ListByPlans(ctx context.Context, refs []PlanRef, f Filter) (map[int64][]Flag, error) {
	by, err := m.refsByPlans(ctx, refs, f)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]Flag, len(by))
	for id, l := range by {
		out[id] = copies(l)
	}
	return out, nil
}

func (m *Memo) refsByPlans(ctx context.Context, refs []PlanRef, f Filter) (map[int64][]*Flag, error) {
	if err := m.ensurePlans(ctx, refs); err != nil {
		return nil, err
	}
	out := map[int64][]*Flag{}
	for _, r := range refs {
		if _, done := out[r.PlanID]; !done {
			out[r.PlanID] = m.planRefs(ctx, r.PlanID, f)
		}
	}
	return out, nil
}

// ListByInstitutions lists the flags of each institution that pass the
// filter.
func (m *Memo) ListByInstitutions(ctx context.Context, ids []int64, f Filter) (map[int64][]Flag, error) {
	by, err := m.refsByInstitutions(ctx, ids, f)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]Flag, len(by))
	for id, l := range by {
		out[id] = copies(l)
	}
	return out, nil
}

func (m *Memo) refsByInstitutions(ctx context.Context, ids []int64, f Filter) (map[int64][]*Flag, error) {
	if err := m.ensureInstitutions(ctx, ids, false); err != nil {
		return nil, err
	}
	out := map[int64][]*Flag{}
	for _, id := range ids {
		if _, done := out[id]; !done {
			out[id] = m.institutionRefs(ctx, id, f)
		}
	}
	return out, nil
}

// ActionFlagRef names an action with its plan and institution.
type ActionFlagRef struct{ ActionID, PlanID, InstitutionID int64 }

// ByActions lists the open flags of each action: those about the action,
// its resource requirements and its indicators.
func (m *Memo) ByActions(ctx context.Context, refs []ActionFlagRef) (map[int64][]Flag, error) {
	prs := make([]PlanRef, len(refs))
	for i, r := range refs {
		prs[i] = PlanRef{PlanID: r.PlanID, InstitutionID: r.InstitutionID}
	}
	if err := m.ensurePlans(ctx, prs); err != nil {
		return nil, err
	}
	out := map[int64][]Flag{}
	var open Filter
	for _, r := range refs {
		m.mu.Lock()
		inst := m.plans[r.PlanID]
		m.mu.Unlock()
		in := m.known(ctx, inst)
		if in == nil {
			continue
		}
		for _, i := range in.byAction[r.ActionID] {
			if fl := &in.Flags[i]; open.match(fl) {
				out[r.ActionID] = append(out[r.ActionID], *fl)
			}
		}
	}
	return out, nil
}

// OpenCountsByPlans counts the open flags of each plan.
func (m *Memo) OpenCountsByPlans(ctx context.Context, refs []PlanRef) (map[int64]Counts, error) {
	l, err := m.refsByPlans(ctx, refs, Filter{})
	ids := make([]int64, len(refs))
	for i, r := range refs {
		ids[i] = r.PlanID
	}
	return counts(ids, l), err
}

// OpenCountsByInstitutions counts the open flags of each institution.
func (m *Memo) OpenCountsByInstitutions(ctx context.Context, ids []int64) (map[int64]Counts, error) {
	l, err := m.refsByInstitutions(ctx, ids, Filter{})
	return counts(ids, l), err
}
