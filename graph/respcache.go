package graph

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"golang.org/x/sync/singleflight"

	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/reqinfo"
	"github.com/gendertrack/gendertrack/internal/store"
)

// ResponseCache keeps the answers to read-only operations, so that a
// dashboard or a plan page read again before anything it shows changed is
// not computed again: many people read the same pages, and the data
// behind one rarely changes between two reads.
//
// An answer is reused only for the same caller (user or API key, with the
// same role assignments), the same operation text, variables and
// Accept-Language, on the same day (health and flags depend on it), and
// while the data it may show is unchanged: the database advances each
// institution's revisions, and two global ones for the data of no
// institution, from the rows each transaction writes (migrations/touch.go,
// store.DB.ReadVersions), and the answer keeps the revisions, read before
// it was computed, of the institutions its execution asked the guard about
// (authz.Reads) — or of all of them when it was handed a scope of all
// institutions. So a change in one institution keeps every other
// institution's answers, and an answer computed before a change is never
// served after it commits, whichever instance made the change. Each
// revision has two sides: the answers side (a draft assessment's answers
// and stamps, the audit trail, sign-ins) and all the rest. An answer is
// assumed to depend on both unless it is known not to: every field it
// selects belongs to a type of answersIndependent, and every ID it asks
// node or nodes for is of such a type; then saving answers does not throw
// away the dashboards and plan pages. Concurrent identical requests share
// one execution. Only operations whose root fields are all in
// cacheableRoots are kept, never one with errors; the cache is bounded in
// bytes, least recently used out.
type ResponseCache struct {
	// Version reads the revisions (store.DB.ReadVersions).
	Version func(context.Context) (store.Versions, error)
	// Context returns what else an answer depends on: the authorization
	// version and today's date.
	Context func() (authzVersion int64, today string)
	// MaxBytes bounds the cached answers; 0 disables the cache.
	MaxBytes int

	mu      sync.Mutex
	lru     *list.List
	entries map[[32]byte]*list.Element
	size    int
	group   singleflight.Group

	hits, misses atomic.Int64
}

// cacheableRoots are the root query fields whose answers depend only on
// the data version, the caller and the day.
var cacheableRoots = map[string]bool{
	"__typename": true, "node": true, "nodes": true, "institutions": true, "partners": true,
	"assessments": true, "questionnaires": true, "questionnaire": true, "gapFlags": true, "gapRules": true,
}

// maxCachedResponse keeps one page from crowding out the others.
const maxCachedResponse = 4 << 20

type cachedResponse struct {
	key          [32]byte
	resp         *graphql.Response
	size         int
	readsAnswers bool
	// The revisions it was computed at: the global pair, and those of the
	// institutions it read — or, with all, the institutions' sums.
	general, answers int64
	all              bool
	flagSum, ansSum  int64
	deps             []instVersion
}

type instVersion struct {
	id int64
	v  store.InstitutionVersion
}

// at builds the entry's revisions from v, the revisions read before the
// execution, for the institutions reads names.
func (e *cachedResponse) at(v store.Versions, reads *authz.Reads) {
	e.general, e.answers = v.General, v.Answers
	var ids []int64
	if e.all, ids = reads.Result(); e.all {
		e.flagSum, e.ansSum = v.Sums()
		return
	}
	e.deps = make([]instVersion, len(ids))
	for i, id := range ids {
		e.deps[i] = instVersion{id, v.Inst[id]} // an institution made since reads as 0: stale at once
	}
}

// current reports whether nothing the entry may show changed since.
func (e *cachedResponse) current(v store.Versions) bool {
	if e.general != v.General || e.readsAnswers && e.answers != v.Answers {
		return false
	}
	if e.all {
		f, a := v.Sums()
		return e.flagSum == f && (!e.readsAnswers || e.ansSum == a)
	}
	for _, d := range e.deps {
		cur := v.Inst[d.id]
		if cur.Flag != d.v.Flag || e.readsAnswers && cur.All != d.v.All {
			return false
		}
	}
	return true
}

// newer reports whether e was computed at revisions no older than o's.
func (e *cachedResponse) newer(o *cachedResponse) bool {
	return e.general+e.answers+e.flagSum+e.ansSum+depSum(e.deps) >= o.general+o.answers+o.flagSum+o.ansSum+depSum(o.deps)
}

func depSum(ds []instVersion) (n int64) {
	for _, d := range ds {
		n += d.v.All
	}
	return n
}

// answersIndependent are the types none of whose fields shows anything
// the answers side of the data version counts. A type missing from it
// (a new one included) makes an answer depend on everything.
var answersIndependent = map[string]bool{
	"Query": true, "PageInfo": true,
	"Institution": true, "InstitutionConnection": true, "InstitutionEdge": true, "InstitutionSummary": true,
	"Unit": true, "UnitConnection": true, "UnitEdge": true,
	"Partner": true, "PartnerConnection": true, "PartnerEdge": true,
	"Questionnaire": true, "Area": true, "Question": true, "ChoiceOption": true, "Finding": true,
	"ActionPlan": true, "ActionPlanConnection": true, "ActionPlanEdge": true, "PlanProgress": true,
	"Objective": true, "Action": true, "ActionConnection": true, "ActionEdge": true,
	"ResourceRequirement": true, "MoneyTotal": true, "StatusCount": true, "CategoryCount": true,
	"Indicator": true, "Dimension": true, "Category": true, "CategoryRef": true, "CategoryTarget": true,
	"BreakdownValue": true, "Measurement": true,
	"ProgressUpdate": true, "ProgressUpdateConnection": true, "ProgressUpdateEdge": true,
	"Dissemination": true, "GapRuleInfo": true, "GapFlag": true, "GapFlagConnection": true, "GapFlagEdge": true,
}

// readsAnswers reports whether the answer to the operation of oc may show
// something of the answers side: unless every field it selects (through
// fragments too) is of an answersIndependent type and every ID asked of
// node or nodes is of such a type, it is assumed to.
func readsAnswers(oc *graphql.OperationContext) bool {
	seen := map[string]bool{}
	var independent func(ast.SelectionSet) bool
	independent = func(set ast.SelectionSet) bool {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if strings.HasPrefix(s.Name, "__") {
					continue // __typename: the type of what the parent field chose
				}
				if s.ObjectDefinition == nil || !answersIndependent[s.ObjectDefinition.Name] {
					return false
				}
				if s.ObjectDefinition.Name == "Query" && (s.Name == "node" || s.Name == "nodes") && !independentIDs(s.ArgumentMap(oc.Variables)) {
					return false
				}
				if !independent(s.SelectionSet) {
					return false
				}
			case *ast.InlineFragment:
				if !independent(s.SelectionSet) {
					return false
				}
			case *ast.FragmentSpread:
				if seen[s.Name] {
					continue
				}
				seen[s.Name] = true
				if s.Definition == nil || !independent(s.Definition.SelectionSet) {
					return false
				}
			default:
				return false
			}
		}
		return true
	}
	return !independent(oc.Operation.SelectionSet)
}

// independentIDs reports whether the id or ids argument of node or nodes
// names only objects of answersIndependent types (whether one exists, and
// what it shows, then does not depend on the answers side).
func independentIDs(args map[string]any) bool {
	var ids []any
	switch v := args["id"].(type) {
	case string:
		ids = []any{v}
	case nil:
		list, ok := args["ids"].([]any)
		if !ok {
			return false
		}
		ids = list
	default:
		return false
	}
	for _, id := range ids {
		s, ok := id.(string)
		if !ok {
			return false
		}
		kind, ok := gid.KindOfID(s)
		if !ok || !answersIndependent[kind.String()] {
			return false
		}
	}
	return true
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = (*ResponseCache)(nil)

// ExtensionName names the extension for gqlgen.
func (c *ResponseCache) ExtensionName() string { return "ResponseCache" }

// Validate is required by gqlgen.
func (c *ResponseCache) Validate(graphql.ExecutableSchema) error { return nil }

// Stats returns how many cacheable operations were answered from the cache
// (or from an identical request running at the same time) and how many
// were executed.
func (c *ResponseCache) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

// InterceptResponse answers a cacheable operation from the cache or
// executes it once for every identical request waiting on it.
func (c *ResponseCache) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	key, ok := c.key(ctx)
	if !ok {
		return next(ctx)
	}
	ver, err := c.Version(ctx)
	if err != nil {
		return next(ctx) // the execution meets the same database problem and reports it
	}
	if r := c.get(key, ver); r != nil {
		c.hits.Add(1)
		return r
	}
	flag, ans := ver.Sums()
	var flight [64]byte
	copy(flight[:], key[:])
	binary.LittleEndian.PutUint64(flight[32:], uint64(ver.General))
	binary.LittleEndian.PutUint64(flight[40:], uint64(ver.Answers))
	binary.LittleEndian.PutUint64(flight[48:], uint64(flag))
	binary.LittleEndian.PutUint64(flight[56:], uint64(ans))
	led := false // this request ran the execution (singleflight's "shared" is true for the leader too)
	v, _, _ := c.group.Do(string(flight[:]), func() (any, error) {
		led = true
		rctx, reads := authz.WithReads(ctx)
		resp := next(rctx)
		if resp != nil && len(resp.Errors) == 0 && resp.Data != nil && len(resp.Extensions) == 0 {
			e := &cachedResponse{key: key, resp: resp, readsAnswers: readsAnswers(graphql.GetOperationContext(ctx))}
			e.at(ver, reads)
			c.put(e)
		}
		return resp, nil
	})
	resp, _ := v.(*graphql.Response)
	if !led {
		if resp == nil || len(resp.Errors) > 0 {
			// The request that ran it failed, perhaps only because its
			// client went away: run this one on its own.
			c.misses.Add(1)
			return next(ctx)
		}
		c.hits.Add(1)
		cp := *resp
		return &cp
	}
	c.misses.Add(1)
	return resp
}

// key identifies the answer to the operation of ctx, or says it is not to
// be cached.
func (c *ResponseCache) key(ctx context.Context) ([32]byte, bool) {
	var key [32]byte
	if c == nil || c.MaxBytes <= 0 || !graphql.HasOperationContext(ctx) {
		return key, false
	}
	oc := graphql.GetOperationContext(ctx)
	actor := auth.ActorFrom(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Query || actor == nil || actor.System {
		return key, false
	}
	for _, sel := range oc.Operation.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || !cacheableRoots[f.Name] {
			return key, false
		}
	}
	vars, err := json.Marshal(oc.Variables) // map keys come out sorted
	if err != nil {
		return key, false
	}
	authzVersion, today := c.Context()
	h := sha256.New()
	var nums [24]byte
	binary.LittleEndian.PutUint64(nums[0:], uint64(authzVersion))
	binary.LittleEndian.PutUint64(nums[8:], uint64(actor.UserID))
	binary.LittleEndian.PutUint64(nums[16:], uint64(actor.APIKeyID))
	h.Write(nums[:])
	for _, s := range []string{today, reqinfo.AcceptLanguage(ctx), oc.OperationName, oc.RawQuery, string(vars)} {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	h.Sum(key[:0])
	return key, true
}

// get returns the answer kept under key if it is still current at the
// revisions v.
func (c *ResponseCache) get(key [32]byte, v store.Versions) *graphql.Response {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil
	}
	e := el.Value.(*cachedResponse)
	if !e.current(v) {
		return nil
	}
	c.lru.MoveToFront(el)
	cp := *e.resp
	return &cp
}

// put keeps e, replacing an older answer under its key.
func (c *ResponseCache) put(e *cachedResponse) {
	e.size = len(e.resp.Data) + 256
	if e.size > maxCachedResponse || e.size > c.MaxBytes {
		return
	}
	cp := *e.resp
	e.resp = &cp
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries, c.lru = map[[32]byte]*list.Element{}, list.New()
	}
	if old, ok := c.entries[e.key]; ok {
		if o := old.Value.(*cachedResponse); !e.newer(o) {
			return // a newer answer is already kept
		}
		c.lru.Remove(old)
		c.size -= old.Value.(*cachedResponse).size
	}
	c.entries[e.key] = c.lru.PushFront(e)
	c.size += e.size
	for c.size > c.MaxBytes {
		old := c.lru.Back()
		o := old.Value.(*cachedResponse)
		c.lru.Remove(old)
		delete(c.entries, o.key)
		c.size -= o.size
	}
}
