package authz

import (
	"context"
	"slices"
	"sync"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/errs"
)

// Guard is what the services ask before they read or change anything. It
// holds the one casbin enforcer of the process and an index of which
// institutions each user holds roles in; both are replaced together when
// role assignments change.
type Guard struct {
	e *Enforcer

	mu      sync.RWMutex
	version int64
	admins  map[int64]bool
	byUser  map[int64]map[int64][]string
}

// NewGuard returns a guard with no assignments loaded.
func NewGuard() (*Guard, error) {
	e, err := New()
	if err != nil {
		return nil, err
	}
	return &Guard{e: e, admins: map[int64]bool{}, byUser: map[int64]map[int64][]string{}}, nil
}

// Load replaces every role assignment; version identifies the stored state
// they were read at.
func (g *Guard) Load(as []Assignment, version int64) error {
	if err := g.e.Load(as); err != nil {
		return err
	}
	admins := map[int64]bool{}
	byUser := map[int64]map[int64][]string{}
	for _, a := range as {
		if a.Role == RoleAdmin {
			admins[a.UserID] = true
			continue
		}
		if byUser[a.UserID] == nil {
			byUser[a.UserID] = map[int64][]string{}
		}
		if !slices.Contains(byUser[a.UserID][a.InstitutionID], a.Role) {
			byUser[a.UserID][a.InstitutionID] = append(byUser[a.UserID][a.InstitutionID], a.Role)
		}
	}
	g.mu.Lock()
	g.version, g.admins, g.byUser = version, admins, byUser
	g.mu.Unlock()
	return nil
}

// Version is the stored role state the guard last loaded.
func (g *Guard) Version() int64 {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.version
}

// Roles returns a user's current roles: admin across all institutions, and
// the roles per institution.
func (g *Guard) Roles(userID int64) (admin bool, roles map[int64][]string) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.admins[userID], g.byUser[userID]
}

// Can reports whether the actor of ctx may do c in institution inst (0 for
// operations that belong to no institution).
func (g *Guard) Can(ctx context.Context, inst int64, c Capability) bool {
	if r, _ := ctx.Value(readsKey{}).(*Reads); r != nil && inst > 0 {
		r.add(inst)
	}
	a := auth.ActorFrom(ctx)
	switch {
	case a == nil:
		return false
	case a.System:
		return true
	case a.APIKeyID > 0:
		for _, role := range a.Roles[inst] {
			if g.e.CanRole(role, c) {
				return true
			}
		}
		return false
	default:
		return g.e.Can(a.UserID, inst, c)
	}
}

// SignedIn is the one sign-in rule of the services: UNAUTHENTICATED
// unless ctx carries an actor (a user, an API key or the system).
func SignedIn(ctx context.Context) error {
	if auth.ActorFrom(ctx) == nil {
		return errs.ErrUnauthenticated
	}
	return nil
}

// Require answers UNAUTHENTICATED without sign-in and FORBIDDEN when the
// actor may not do c in inst.
func (g *Guard) Require(ctx context.Context, inst int64, c Capability) error {
	if err := SignedIn(ctx); err != nil {
		return err
	}
	if !g.Can(ctx, inst, c) {
		return errs.ErrForbidden
	}
	return nil
}

// CanRead reports whether the actor may read institution inst and what is
// in it.
func (g *Guard) CanRead(ctx context.Context, inst int64) bool {
	return inst > 0 && g.Can(ctx, inst, ReadInstitution)
}

// Scope is the set of institutions the actor may read: all of them, or the
// listed ones (none for an anonymous request).
type Scope struct {
	All bool
	IDs []int64
}

// Has reports whether inst is in the scope.
func (s Scope) Has(inst int64) bool { return s.All || slices.Contains(s.IDs, inst) }

// Empty reports whether the scope holds no institution (an anonymous
// request, or a user without roles): such a caller reads nothing, and a
// read may answer without asking the database.
func (s Scope) Empty() bool { return !s.All && len(s.IDs) == 0 }

// Where is the SQL condition that col, a column holding an institution id,
// names an institution of the scope: true of every row for a scope of all
// institutions, of none for an empty scope. A read adds it to the statement
// that loads its rows, so that the check costs no statement of its own.
func (s Scope) Where(col string) schema.QueryWithArgs {
	switch {
	case s.All:
		return bun.SafeQuery("1 = 1")
	case len(s.IDs) == 0:
		return bun.SafeQuery("1 = 0")
	}
	return bun.SafeQuery("? IN (?)", bun.Ident(col), bun.List(s.IDs))
}

// Readable returns the actor's scope.
func (g *Guard) Readable(ctx context.Context) Scope { return g.Allowed(ctx, ReadInstitution) }

// Allowed returns the institutions the actor may read and do c in (for
// c = ReadResponses: whose responses it may read). ADMIN holds every
// capability everywhere.
func (g *Guard) Allowed(ctx context.Context, c Capability) Scope {
	a := auth.ActorFrom(ctx)
	if a == nil {
		return Scope{IDs: []int64{}}
	}
	all := a.System
	if !all && a.APIKeyID == 0 {
		all, _ = g.Roles(a.UserID)
	}
	if all {
		if r, _ := ctx.Value(readsKey{}).(*Reads); r != nil {
			r.setAll()
		}
		return Scope{All: true}
	}
	ids := []int64{}
	for _, inst := range g.institutionsOf(a) {
		if g.CanRead(ctx, inst) && (c == ReadInstitution || g.Can(ctx, inst, c)) {
			ids = append(ids, inst)
		}
	}
	return Scope{IDs: ids}
}

func (g *Guard) institutionsOf(a *auth.Actor) []int64 {
	if a.APIKeyID > 0 {
		return a.Institutions()
	}
	_, roles := g.Roles(a.UserID)
	out := make([]int64, 0, len(roles))
	for inst := range roles {
		out = append(out, inst)
	}
	slices.Sort(out)
	return out
}

// Visible answers the NOT_FOUND user error at field when the actor may not
// read inst: to such a caller the object does not exist. noSuch is the
// message ID that says so ("error.noSuch.unit").
func (g *Guard) Visible(ctx context.Context, inst int64, noSuch string, field ...string) error {
	if err := SignedIn(ctx); err != nil {
		return err
	}
	if !g.CanRead(ctx, inst) {
		return errs.New(errs.NotFound, noSuch, field...)
	}
	return nil
}

// Check is the usual pair for a mutation on an object of institution inst:
// NOT_FOUND when the actor may not read it, FORBIDDEN when it may read but
// not do c.
func (g *Guard) Check(ctx context.Context, inst int64, c Capability, noSuch string, field ...string) error {
	if err := g.Visible(ctx, inst, noSuch, field...); err != nil {
		return err
	}
	return g.Require(ctx, inst, c)
}

// Reads records the institutions whose data a request may have read: every
// institution the guard was asked about (Can, CanRead, Visible, Check, and
// each institution of a Scope), or all of them when a scope of all
// institutions was handed out. Every read of a service asks the guard
// (internal/readauthz checks it), so an answer computed under Reads shows
// nothing of an institution it does not list: the response cache keeps
// it until one of those changes (graph/respcache.go).
type Reads struct {
	mu  sync.Mutex
	all bool
	ids map[int64]struct{}
}

type readsKey struct{}

// WithReads returns ctx recording its reads in the returned Reads.
func WithReads(ctx context.Context) (context.Context, *Reads) {
	r := &Reads{ids: map[int64]struct{}{}}
	return context.WithValue(ctx, readsKey{}, r), r
}

func (r *Reads) add(inst int64) {
	r.mu.Lock()
	r.ids[inst] = struct{}{}
	r.mu.Unlock()
}

func (r *Reads) setAll() {
	r.mu.Lock()
	r.all = true
	r.mu.Unlock()
}

// Result says whether any institution may have been read (all), else
// which ones, in ascending order.
func (r *Reads) Result() (all bool, ids []int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.all {
		return true, nil
	}
	ids = make([]int64, 0, len(r.ids))
	for id := range r.ids {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return false, ids
}

// System returns ctx acting as the system: for start-up tasks and operator
// commands.
func System(ctx context.Context) context.Context {
	return auth.WithActor(ctx, &auth.Actor{Name: "system", System: true})
}
