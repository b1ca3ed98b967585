package gaps

import (
	"container/list"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/gendertrack/gendertrack/internal/store"
	"golang.org/x/sync/singleflight"
)

// The flags of an institution are expensive to derive (every rule over all
// its plans, merged with the stored states) and read far more often than
// the data behind them changes. The cache keeps the derived flags of the
// most recently read institutions, each stamped with the institution's
// flag revision (advanced by every audited change that can alter a flag,
// in the change's transaction)
// and the day it was derived on (the date rules move with "today"). A read
// checks the revisions with one query and derives again only what changed,
// so no read ever sees a flag the data no longer supports, on any instance.

// cacheSize bounds the number of (institution, language) entries kept.
const cacheSize = 64

type cacheKey struct {
	inst int64
	lang string
}

type cacheEntry struct {
	key      cacheKey
	revision int64
	day      string
	flags    *InstitutionFlags
	// plans are the flag revisions of the institution's plans, read in the
	// same statement as revision.
	plans map[int64]int64
}

// InstitutionFlags are every flag of one institution (all rules, all
// states), sorted as lists show them, with indexes by plan and by action.
// Shared between requests through the cache: never modified once built.
type InstitutionFlags struct {
	Flags    []Flag
	byPlan   map[int64][]int32
	byAction map[int64][]int32
}

func newInstitutionFlags(fs []Flag) *InstitutionFlags {
	Sort(fs)
	in := &InstitutionFlags{Flags: fs, byPlan: map[int64][]int32{}, byAction: map[int64][]int32{}}
	for i := range fs {
		if p := fs[i].PlanID; p != nil {
			in.byPlan[*p] = append(in.byPlan[*p], int32(i))
		}
		if a := fs[i].ActionID; a != 0 {
			in.byAction[a] = append(in.byAction[a], int32(i))
		}
	}
	return in
}

type flagCache struct {
	mu      sync.Mutex
	entries map[cacheKey]*list.Element
	lru     *list.List
	// flight makes concurrent readers of the same stale institution wait
	// for one derivation instead of each running every rule.
	flight singleflight.Group
}

func (c *flagCache) get(k cacheKey, revision int64, day string) (*InstitutionFlags, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[k]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if e.revision != revision || e.day != day {
		return nil, false
	}
	c.lru.MoveToFront(el)
	return e.flags, true
}

// peek returns the entry of k derived on day, whatever its revision.
func (c *flagCache) peek(k cacheKey, day string) *cacheEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[k]; ok && el.Value.(*cacheEntry).day == day {
		return el.Value.(*cacheEntry)
	}
	return nil
}

func (c *flagCache) put(e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries, c.lru = map[cacheKey]*list.Element{}, list.New()
	}
	if el, ok := c.entries[e.key]; ok {
		if old := el.Value.(*cacheEntry); old.day == e.day && old.revision > e.revision {
			return // a newer derivation is already kept
		}
		el.Value = e
		c.lru.MoveToFront(el)
		return
	}
	c.entries[e.key] = c.lru.PushFront(e)
	for c.lru.Len() > cacheSize {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.entries, old.Value.(*cacheEntry).key)
	}
}

// institutionFlags returns every flag (all rules, all states) of each
// institution, from the cache when the institution has not changed since,
// derived otherwise. ids nil means every institution. The caller checks
// that the actor may read them.
func (s *Service) institutionFlags(ctx context.Context, ids []int64, lang string) (map[int64]*InstitutionFlags, error) {
	var revs []struct {
		ID       int64 `bun:"id"`
		Revision int64 `bun:"flag_revision"`
	}
	a := s.DB.Args() // bound: every read of flags runs it (store.Args)
	q := s.DB.NewSelect().Table("institutions").Column("id", "flag_revision")
	if ids != nil {
		if len(ids) == 0 {
			return map[int64]*InstitutionFlags{}, nil
		}
		q = q.Where("?", a.In("id", ids))
	}
	if err := s.DB.Select(ctx, q.Order("id"), a, &revs); err != nil {
		return nil, err
	}
	day := store.FormatDate(s.Now().UTC())
	out := make(map[int64]*InstitutionFlags, len(revs))
	var missing []int64
	revision := map[int64]int64{}
	for _, r := range revs {
		revision[r.ID] = r.Revision
		if fs, ok := s.cache.get(cacheKey{r.ID, lang}, r.Revision, day); ok {
			out[r.ID] = fs
			continue
		}
		missing = append(missing, r.ID)
	}
	// Each stale institution is derived on its own, and readers that find
	// it stale at the same moment share that one derivation: a cold read
	// across every institution holds one institution's working set at a
	// time, however many such reads arrive together.
	for _, id := range missing {
		key := fmt.Sprintf("%d/%s/%d/%s", id, lang, revision[id], day)
		v, err, _ := s.cache.flight.Do(key, func() (any, error) {
			e, err := s.derive(ctx, cacheKey{id, lang}, day)
			if err != nil {
				return nil, err
			}
			s.cache.put(e)
			return e.flags, nil
		})
		if err != nil {
			return nil, err
		}
		out[id] = v.(*InstitutionFlags)
	}
	return out, nil
}

// derive computes the flags of institution k.inst again. When every change
// since the kept derivation of the same day belongs to a plan (each
// advanced the institution's flag revision and one plan's), only those
// plans' flags and FINDING_UNADDRESSED (which looks across all plans) are
// derived again and the rest is kept; otherwise all of them are.
func (s *Service) derive(ctx context.Context, k cacheKey, day string) (*cacheEntry, error) {
	revision, plans, err := s.revisions(ctx, k.inst)
	if err != nil {
		return nil, err
	}
	e := &cacheEntry{key: k, revision: revision, day: day, plans: plans}
	prev := s.cache.peek(k, day)
	changed, ok := changedPlans(prev, revision, plans)
	if !ok {
		fs, err := s.flags(ctx, Scope{Institutions: []int64{k.inst}}, nil, k.lang)
		if err != nil {
			return nil, err
		}
		e.flags = newInstitutionFlags(fs)
		return e, nil
	}
	if len(changed) == 0 {
		e.flags = prev.flags
		return e, nil
	}
	inPlans, err := s.flags(ctx, Scope{Institutions: []int64{k.inst}, Plans: changed}, nil, k.lang)
	if err != nil {
		return nil, err
	}
	unaddressed, err := s.flags(ctx, Scope{Institutions: []int64{k.inst}}, ruleSet{FindingUnaddressed: true}, k.lang)
	if err != nil {
		return nil, err
	}
	again := make(map[int64]bool, len(changed))
	for _, p := range changed {
		again[p] = true
	}
	fs := make([]Flag, 0, len(prev.flags.Flags)+len(inPlans))
	for _, f := range prev.flags.Flags {
		if f.Rule == FindingUnaddressed || (f.PlanID != nil && again[*f.PlanID]) {
			continue
		}
		fs = append(fs, f)
	}
	fs = append(append(fs, inPlans...), unaddressed...)
	e.flags = newInstitutionFlags(fs)
	return e, nil
}

// revisions reads an institution's flag revision and its plans' in one
// statement, so they describe one state of the data.
func (s *Service) revisions(ctx context.Context, inst int64) (int64, map[int64]int64, error) {
	var rows []struct {
		Inst int64  `bun:"inst"`
		Plan *int64 `bun:"plan"`
		Rev  *int64 `bun:"rev"`
	}
	if err := s.DB.NewRaw(`SELECT i.flag_revision AS inst, p.id AS plan, COALESCE(r.revision, 0) AS rev
		FROM institutions i LEFT JOIN action_plans p ON p.institution_id = i.id LEFT JOIN plan_flag_revisions r ON r.plan_id = p.id
		WHERE i.id = ?`, inst).Scan(ctx, &rows); err != nil {
		return 0, nil, err
	}
	plans := make(map[int64]int64, len(rows))
	var revision int64
	for _, r := range rows {
		revision = r.Inst
		if r.Plan != nil {
			plans[*r.Plan] = *r.Rev
		}
	}
	return revision, plans, nil
}

// changedPlans lists the plans whose flag revision moved since prev, and
// reports whether those moves account for every change to the institution
// since prev (so deriving those plans again is enough).
func changedPlans(prev *cacheEntry, revision int64, plans map[int64]int64) ([]int64, bool) {
	if prev == nil || prev.plans == nil || revision < prev.revision {
		return nil, false
	}
	var changed []int64
	var moves int64
	for p, r := range plans {
		d := r - prev.plans[p]
		if d < 0 {
			return nil, false
		}
		if d > 0 {
			changed = append(changed, p)
			moves += d
		}
	}
	for p := range prev.plans {
		if _, ok := plans[p]; !ok {
			return nil, false
		}
	}
	slices.Sort(changed)
	return changed, moves == revision-prev.revision
}
