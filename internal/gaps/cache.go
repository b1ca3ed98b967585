package gaps

import (
	"container/list"
	"context"
	"fmt"
	"sync"

	"github.com/uptrace/bun"
	"golang.org/x/sync/singleflight"

	"github.com/gendertrack/gendertrack/internal/plan"
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

func (c *flagCache) put(k cacheKey, revision int64, day string, flags *InstitutionFlags) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries, c.lru = map[cacheKey]*list.Element{}, list.New()
	}
	if el, ok := c.entries[k]; ok {
		el.Value = &cacheEntry{k, revision, day, flags}
		c.lru.MoveToFront(el)
		return
	}
	c.entries[k] = c.lru.PushFront(&cacheEntry{k, revision, day, flags})
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
	q := s.DB.NewSelect().Table("institutions").Column("id", "flag_revision")
	if ids != nil {
		if len(ids) == 0 {
			return map[int64]*InstitutionFlags{}, nil
		}
		q = q.Where("id IN (?)", bun.List(ids))
	}
	if err := q.Order("id").Scan(ctx, &revs); err != nil {
		return nil, err
	}
	day := plan.FormatDate(s.Now().UTC())
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
			fs, err := s.flags(ctx, Scope{Institutions: []int64{id}}, nil, lang)
			if err != nil {
				return nil, err
			}
			in := newInstitutionFlags(fs)
			s.cache.put(cacheKey{id, lang}, revision[id], day, in)
			return in, nil
		})
		if err != nil {
			return nil, err
		}
		out[id] = v.(*InstitutionFlags)
	}
	return out, nil
}
