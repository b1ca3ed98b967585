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
	return !EachField(sel, func(f *ast.Field) bool {
		return f.ObjectDefinition == nil || !concurrentFields[f.ObjectDefinition.Name][f.Name]
	})
}

// EachField calls visit for every field of set and of the selections below
// it, through inline fragments and fragment spreads (each named fragment
// once, however often it is spread), until visit returns false; it reports
// whether every call returned true.
func EachField(set ast.SelectionSet, visit func(*ast.Field) bool) bool {
	var seen map[string]bool
	var walk func(ast.SelectionSet) bool
	walk = func(set ast.SelectionSet) bool {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				if !visit(s) || !walk(s.SelectionSet) {
					return false
				}
			case *ast.InlineFragment:
				if !walk(s.SelectionSet) {
					return false
				}
			case *ast.FragmentSpread:
				if seen[s.Name] || s.Definition == nil {
					continue
				}
				if seen == nil {
					seen = map[string]bool{}
				}
				seen[s.Name] = true
				if !walk(s.Definition.SelectionSet) {
					return false
				}
			}
		}
		return true
	}
	return walk(set)
}
