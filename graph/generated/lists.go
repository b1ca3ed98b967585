package generated

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// marshalList marshals the n elements of a list one after the other, in
// the calling goroutine, unless a field selected below them (at any depth)
// is one gqlgen resolves in a goroutine (concurrentFields): such a field
// may wait on a dataloader, and its elements must then wait together, in a
// goroutine each, as graphql.MarshalSliceConcurrently makes them. The
// lists rewritten to call it (internal/tools/leaves) are those whose
// elements come from fetches grouped per list, whose plain methods never
// wait on a batch. A panic in an element is reported at the element, as
// gqlgen does.
func marshalList(ctx context.Context, sel ast.SelectionSet, n int, f func(context.Context, int) graphql.Marshaler) graphql.Array {
	if n <= 1 || resolvesConcurrently(sel) {
		return graphql.MarshalSliceConcurrently(ctx, n, 0, false, f)
	}
	ret := make(graphql.Array, n)
	for i := range n {
		childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = f(childCtx, i)
		}()
	}
	return ret
}

// resolvesConcurrently reports whether sel selects, at any depth, a field
// resolved in a goroutine.
func resolvesConcurrently(sel ast.SelectionSet) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.ObjectDefinition != nil && concurrentFields[s.ObjectDefinition.Name][s.Name] {
				return true
			}
			if resolvesConcurrently(s.SelectionSet) {
				return true
			}
		case *ast.InlineFragment:
			if resolvesConcurrently(s.SelectionSet) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && resolvesConcurrently(s.Definition.SelectionSet) {
				return true
			}
		}
	}
	return false
}
