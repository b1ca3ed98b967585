package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/errs"
)

// openMutations are the mutations an anonymous caller may run (RULES.md
// section 3: every mutation but login needs sign-in).
var openMutations = map[string]bool{"login": true}

// requireSignIn is the sign-in rule of RULES.md section 3, for the whole
// API: each root field of a mutation operation, but those of
// openMutations, answers UNAUTHENTICATED to an anonymous caller before its
// resolver looks at the input. Queries stay open: they see no
// institution's data.
func requireSignIn(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	oc := graphql.GetOperationContext(ctx)
	rf := graphql.GetRootFieldContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Mutation || rf == nil || rf.Field.Field == nil ||
		openMutations[rf.Field.Name] || auth.ActorFrom(ctx) != nil {
		return next(ctx)
	}
	f := rf.Field
	gerr := &gqlerror.Error{Err: errs.ErrUnauthenticated, Message: errs.ErrUnauthenticated.Error(), Path: ast.Path{ast.PathName(f.Alias)}}
	if f.Position != nil {
		gerr.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	graphql.AddError(ctx, gerr)
	return graphql.Null
}
