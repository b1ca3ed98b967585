package graph

import (
	"context"

	"github.com/gendertrack/gendertrack/graph/model"
	"github.com/gendertrack/gendertrack/internal/gaps"
	gidpkg "github.com/gendertrack/gendertrack/internal/gid"
)

// nodeThunk starts loading the object a global ID names and returns a
// function that waits for it. Unknown IDs, and objects the caller may not
// read, give nil: the two cases look the same to the client.
func (r *Resolver) nodeThunk(ctx context.Context, gid string) func() (model.Node, error) {
	none := func() (model.Node, error) { return nil, nil }
	if _, _, ok := gaps.ParseID(gid); ok {
		return r.flagNodeThunk(ctx, gid)
	}
	if typ, id, key, ok := gidpkg.DecodeKey(gid); ok {
		return r.keyedNodeThunk(ctx, typ, id, key)
	}
	typ, id, ok := gidpkg.Decode(gid)
	if !ok {
		return none
	}
	l := loaders(ctx)
	switch typ {
	case gidpkg.Institution:
		return thunk(l.Institution.LoadThunk(ctx, id))
	case gidpkg.Unit:
		return thunk(l.Unit.LoadThunk(ctx, id))
	case gidpkg.Partner:
		return thunk(l.Partner.LoadThunk(ctx, id))
	case gidpkg.User:
		return thunk(l.User.LoadThunk(ctx, id))
	case gidpkg.Questionnaire:
		return thunk(l.Assessment().Questionnaire.LoadThunk(ctx, id))
	case gidpkg.Assessment:
		return thunk(l.Assessment().Assessment.LoadThunk(ctx, id))
	case gidpkg.Response:
		return thunk(l.Assessment().Response.LoadThunk(ctx, id))
	case gidpkg.Finding:
		return thunk(l.Assessment().FindingsByID.LoadThunk(ctx, id))
	case gidpkg.ActionPlan:
		return thunk(l.Plan().Plan.LoadThunk(ctx, id))
	case gidpkg.Objective:
		return thunk(l.Plan().Objective.LoadThunk(ctx, id))
	case gidpkg.Action:
		return thunk(l.Plan().Action.LoadThunk(ctx, id))
	case gidpkg.ResourceRequirement:
		return thunk(l.Plan().Resource.LoadThunk(ctx, id))
	case gidpkg.Indicator:
		return thunk(l.Plan().Indicator.LoadThunk(ctx, id))
	case gidpkg.Measurement:
		return thunk(l.Plan().Measurement.LoadThunk(ctx, id))
	case gidpkg.ProgressUpdate:
		return thunk(l.Plan().Update.LoadThunk(ctx, id))
	case gidpkg.Dissemination:
		return thunk(l.Plan().Dissemination.LoadThunk(ctx, id))
	case gidpkg.EvidenceFile:
		return thunk(l.Evidence().File.LoadThunk(ctx, id))
	case gidpkg.AuditEvent:
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
