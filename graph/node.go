package graph

import (
	"context"

	"github.com/gendertrack/gendertrack/graph/model"
)

// nodeThunk starts loading the object a global ID names and returns a
// function that waits for it. Unknown IDs, and objects the caller may not
// read, give nil: the two cases look the same to the client.
func (r *Resolver) nodeThunk(ctx context.Context, gid string) func() (model.Node, error) {
	none := func() (model.Node, error) { return nil, nil }
	typ, id, ok := DecodeID(gid)
	if !ok {
		return none
	}
	l := loaders(ctx)
	switch typ {
	case "Institution":
		return thunk(l.Institution.LoadThunk(ctx, id))
	case "Unit":
		return thunk(l.Unit.LoadThunk(ctx, id))
	case "Partner":
		return thunk(l.Partner.LoadThunk(ctx, id))
	case "User":
		return thunk(l.User.LoadThunk(ctx, id))
	case "AuditEvent":
		return func() (model.Node, error) {
			ev, err := r.Account.AuditEvent(ctx, id)
			if err != nil || ev == nil {
				return nil, err
			}
			return ev, nil
		}
	}
	return none
}

// thunk adapts a typed loader thunk to a Node thunk, mapping "not found"
// to nil.
func thunk[T any](f func() (*T, error)) func() (model.Node, error) {
	return func() (model.Node, error) {
		v, err := f()
		if err != nil || v == nil {
			return nil, ignoreNotFound(err)
		}
		return v, nil
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
