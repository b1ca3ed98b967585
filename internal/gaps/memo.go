package gaps

import (
	"context"
	"slices"
	"sync"
)

// Memo remembers, for one read request, the flags of the institutions and
// plans it has evaluated, so that every flag field of the request (lists,
// counts, the flags of each action) reuses one evaluation instead of making
// its own: the statements of a request do not depend on how its fields
// happen to be batched. A Memo evaluates every rule and keeps flags in every
// state; callers filter. Use one Memo per query, never across a write: a
// mutation's answer must see its own write.
type Memo struct {
	s    *Service
	lang string

	mu    sync.Mutex
	all   bool           // every institution the actor may read is known
	insts map[int64]bool // institutions known (their plans included)
	plans map[int64]bool // plans known
	flags map[string]Flag
}

// NewMemo starts a memo whose messages are in lang.
func (s *Service) NewMemo(lang string) *Memo {
	return &Memo{s: s, lang: lang, insts: map[int64]bool{}, plans: map[int64]bool{}, flags: map[string]Flag{}}
}

// PlanRef names a plan and its institution.
type PlanRef struct{ PlanID, InstitutionID int64 }

func (m *Memo) add(fs []Flag) {
	for _, f := range fs {
		m.flags[f.ID] = f
	}
}

// ensureInstitutions evaluates the institutions not known yet (nil ids:
// every readable institution).
func (m *Memo) ensureInstitutions(ctx context.Context, ids []int64, every bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.all {
		return nil
	}
	sc := Scope{All: true}
	if !every {
		var missing []int64
		for _, id := range ids {
			if !m.insts[id] && !slices.Contains(missing, id) {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		sc = Scope{Institutions: missing}
	}
	sc = m.s.readable(ctx, sc)
	fs, err := m.s.flags(ctx, sc, nil, m.lang)
	if err != nil {
		return err
	}
	m.add(fs)
	if sc.All {
		m.all = true
	}
	for _, id := range sc.Institutions {
		m.insts[id] = true
	}
	return nil
}

// ensurePlans evaluates the plans not known yet.
func (m *Memo) ensurePlans(ctx context.Context, refs []PlanRef) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.all {
		return nil
	}
	var missing []int64
	for _, r := range refs {
		if !m.insts[r.InstitutionID] && !m.plans[r.PlanID] && !slices.Contains(missing, r.PlanID) {
			missing = append(missing, r.PlanID)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	fs, err := m.s.flags(ctx, m.s.readable(ctx, Scope{All: true, Plans: missing}), nil, m.lang)
	if err != nil {
		return err
	}
	m.add(fs)
	for _, p := range missing {
		m.plans[p] = true
	}
	return nil
}

// pick returns the known flags that pass keep and the filter, sorted.
func (m *Memo) pick(f Filter, keep func(*Flag) bool) []Flag {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Flag
	for _, fl := range m.flags {
		if keep(&fl) && f.match(&fl) {
			out = append(out, fl)
		}
	}
	Sort(out)
	return out
}

// List is Service.List through the memo.
func (m *Memo) List(ctx context.Context, f Filter) ([]Flag, error) {
	var err error
	switch {
	case f.PlanID != nil:
		err = m.ensurePlans(ctx, []PlanRef{{PlanID: *f.PlanID, InstitutionID: deref(f.InstitutionID)}})
	case f.InstitutionID != nil:
		err = m.ensureInstitutions(ctx, []int64{*f.InstitutionID}, false)
	default:
		err = m.ensureInstitutions(ctx, nil, true)
	}
	if err != nil {
		return nil, err
	}
	r := m.s.Guard.Readable(ctx)
	return m.pick(f, func(fl *Flag) bool {
		return r.Has(fl.InstitutionID) &&
			(f.InstitutionID == nil || fl.InstitutionID == *f.InstitutionID) &&
			(f.PlanID == nil || (fl.PlanID != nil && *fl.PlanID == *f.PlanID))
	}), nil
}

// ListByPlans lists the flags of each plan that pass the filter.
func (m *Memo) ListByPlans(ctx context.Context, refs []PlanRef, f Filter) (map[int64][]Flag, error) {
	if err := m.ensurePlans(ctx, refs); err != nil {
		return nil, err
	}
	want := map[int64]bool{}
	for _, r := range refs {
		want[r.PlanID] = true
	}
	out := map[int64][]Flag{}
	for _, fl := range m.pick(f, func(fl *Flag) bool {
		return fl.PlanID != nil && want[*fl.PlanID] && (f.InstitutionID == nil || fl.InstitutionID == *f.InstitutionID)
	}) {
		out[*fl.PlanID] = append(out[*fl.PlanID], fl)
	}
	return out, nil
}

// ListByInstitutions lists the flags of each institution that pass the
// filter.
func (m *Memo) ListByInstitutions(ctx context.Context, ids []int64, f Filter) (map[int64][]Flag, error) {
	if err := m.ensureInstitutions(ctx, ids, false); err != nil {
		return nil, err
	}
	r := m.s.Guard.Readable(ctx)
	out := map[int64][]Flag{}
	for _, fl := range m.pick(f, func(fl *Flag) bool {
		return slices.Contains(ids, fl.InstitutionID) && r.Has(fl.InstitutionID) &&
			(f.PlanID == nil || (fl.PlanID != nil && *fl.PlanID == *f.PlanID))
	}) {
		out[fl.InstitutionID] = append(out[fl.InstitutionID], fl)
	}
	return out, nil
}

// ActionFlagRef names an action with its plan and institution.
type ActionFlagRef struct{ ActionID, PlanID, InstitutionID int64 }

// ByActions lists the open flags of each action: those about the action,
// its resource requirements and its indicators.
func (m *Memo) ByActions(ctx context.Context, refs []ActionFlagRef) (map[int64][]Flag, error) {
	prs := make([]PlanRef, len(refs))
	want := map[int64]bool{}
	for i, r := range refs {
		prs[i] = PlanRef{PlanID: r.PlanID, InstitutionID: r.InstitutionID}
		want[r.ActionID] = true
	}
	if err := m.ensurePlans(ctx, prs); err != nil {
		return nil, err
	}
	out := map[int64][]Flag{}
	for _, fl := range m.pick(Filter{}, func(fl *Flag) bool { return fl.ActionID != 0 && want[fl.ActionID] }) {
		out[fl.ActionID] = append(out[fl.ActionID], fl)
	}
	return out, nil
}

// OpenCountsByPlans counts the open flags of each plan.
func (m *Memo) OpenCountsByPlans(ctx context.Context, refs []PlanRef) (map[int64]Counts, error) {
	l, err := m.ListByPlans(ctx, refs, Filter{})
	ids := make([]int64, len(refs))
	for i, r := range refs {
		ids[i] = r.PlanID
	}
	return counts(ids, l), err
}

// OpenCountsByInstitutions counts the open flags of each institution.
func (m *Memo) OpenCountsByInstitutions(ctx context.Context, ids []int64) (map[int64]Counts, error) {
	l, err := m.ListByInstitutions(ctx, ids, Filter{})
	return counts(ids, l), err
}
