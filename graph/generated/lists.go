package generated

import (
	"context"
	"io"

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

// objectFields writes an object's field set as graphql.FieldSet.MarshalGQL
// does — its fields in order, a name written twice only once — without
// the map of written names and the copy of each field that it allocates
// per object. Every object's marshaler returns one (internal/tools/leaves).
// Names are GraphQL names ([_A-Za-z][_0-9A-Za-z]*): nothing to escape.
type objectFields struct {
	fields []graphql.CollectedField
	set    *graphql.FieldSet
}

func (o objectFields) MarshalGQL(w io.Writer) {
	io.WriteString(w, "{")
	first := true
	// seen has a bit per (length, first and last letter) of the names
	// written: only a name whose bit is set can have been written before.
	var seen uint64
	for i := range o.fields {
		alias := o.fields[i].Alias
		bit := uint64(1) << ((uint(len(alias))*7 + uint(alias[0])*3 + uint(alias[len(alias)-1])) % 64)
		if seen&bit != 0 && writtenBefore(o.fields[:i], alias) {
			continue
		}
		seen |= bit
		if first {
			io.WriteString(w, `"`)
			first = false
		} else {
			io.WriteString(w, `,"`)
		}
		io.WriteString(w, alias)
		io.WriteString(w, `":`)
		o.set.Values[i].MarshalGQL(w)
	}
	io.WriteString(w, "}")
}

// writtenBefore reports whether one of fields has the name alias. gqlgen
// merges the fields of one name, so this is false but for a name selected
// under two interfaces of the object that neither extends.
func writtenBefore(fields []graphql.CollectedField, alias string) bool {
	for i := range fields {
		if fields[i].Alias == alias {
			return true
		}
	}
	return false
}
