package graph

import (
	"context"
	"errors"
	"log/slog"
	"runtime/pprof"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gendertrack/gendertrack/graph/generated"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/reqinfo"
)

// Limits bound what one request may ask of the server.
type Limits struct {
	Complexity    int
	Depth         int
	Introspection bool
	// Log receives internal errors, with the request id.
	Log *slog.Logger
	// Cache, when set, answers repeated reads (see ResponseCache).
	Cache *ResponseCache
}

// NewHandler builds the GraphQL HTTP handler: POST and GET transports (GET
// runs queries only), complexity and depth limits, persisted queries for
// slow connections, and the error presenter.
func NewHandler(r *Resolver, lim Limits) *handler.Server {
	cfg := generated.Config{Resolvers: r}
	setComplexity(&cfg.Complexity)
	srv := handler.New(generated.NewExecutableSchema(cfg))
	srv.AddTransport(transport.GET{})
	srv.AddTransport(postJSON{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if lim.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	srv.Use(depthLimit{max: lim.Depth})
	srv.Use(extension.FixedComplexityLimit(lim.Complexity))
	if lim.Cache != nil && lim.Cache.MaxBytes > 0 {
		srv.Use(lim.Cache)
	}
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		if oc == nil {
			return next(ctx)
		}
		info := reqinfo.From(ctx)
		info.SetOperation(oc.OperationName, oc.Operation)
		handle := next(ctx)
		// CPU profiles (GENDERTRACK_DEBUG_ADDR) carry the operation's name,
		// inherited by every goroutine the execution starts, so that
		// `go tool pprof -tagfocus operation=PlanPage` shows one
		// operation's cost in a mixed load.
		name := oc.OperationName
		if name == "" {
			name = "(anonymous)"
		}
		return func(ctx context.Context) *graphql.Response {
			labelled := pprof.WithLabels(ctx, pprof.Labels("operation", name))
			pprof.SetGoroutineLabels(labelled)
			defer pprof.SetGoroutineLabels(ctx)
			return handle(labelled)
		}
	})
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp != nil {
			info := reqinfo.From(ctx)
			for _, e := range resp.Errors {
				code, _ := e.Extensions["code"].(string)
				info.AddError(code)
			}
		}
		return resp
	})
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error { return presentError(ctx, err, lim.Log) })
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		lim.Log.ErrorContext(ctx, "panic in resolver", "request_id", reqinfo.From(ctx).ID, "panic", v)
		return errors.New("internal error")
	})
	return srv
}

// presentError maps service errors to extensions.code once, for the whole
// API, and hides internal errors from clients (they are logged with the
// request id instead).
func presentError(ctx context.Context, err error, log *slog.Logger) *gqlerror.Error {
	gerr := graphql.DefaultErrorPresenter(ctx, err)
	set := func(code, msg string) *gqlerror.Error {
		if msg != "" {
			gerr.Message = msg
		}
		if gerr.Extensions == nil {
			gerr.Extensions = map[string]any{}
		}
		gerr.Extensions["code"] = code
		return gerr
	}
	var bad errs.BadInput
	switch {
	case errors.Is(err, errs.ErrUnauthenticated):
		return set("UNAUTHENTICATED", "")
	case errors.Is(err, errs.ErrForbidden):
		return set("FORBIDDEN", "")
	case errors.As(err, &bad):
		return set("BAD_USER_INPUT", bad.Message)
	case errors.Is(err, context.DeadlineExceeded):
		return set("TIMEOUT", "The request took too long and was stopped.")
	case errors.Is(err, context.Canceled):
		return set("CANCELLED", "The request was cancelled.")
	}
	var ge *gqlerror.Error
	if errors.As(err, &ge) && (ge.Extensions["code"] != nil || ge.Rule != "") {
		return gerr // parser, validation and limit errors carry their own code
	}
	if errors.As(err, &ge) && ge.Err == nil && len(ge.Path) == 0 {
		return set("BAD_USER_INPUT", "") // request-level problems such as a malformed variable
	}
	id := reqinfo.From(ctx).ID
	log.ErrorContext(ctx, "internal error", "request_id", id, "path", gerr.Path.String(), "err", err)
	return set("INTERNAL_SERVER_ERROR", "Internal error; it has been logged with request id "+id+".")
}

// depthLimit refuses, before execution, operations nested deeper than max.
type depthLimit struct{ max int }

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || d.max <= 0 {
		return nil
	}
	if depth := selectionDepth(oc.Operation.SelectionSet, oc.Doc.Fragments, 0); depth > d.max {
		err := gqlerror.Errorf("operation is nested %d levels deep, which exceeds the limit of %d", depth, d.max)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED"}
		return err
	}
	return nil
}

// selectionDepth is the deepest field nesting of set. Fragment spreads are
// followed (seen guards against cycles, which validation already refuses).
func selectionDepth(set ast.SelectionSet, frags ast.FragmentDefinitionList, seen int) int {
	if seen > 100 {
		return seen
	}
	max := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			d = 0
			if len(s.SelectionSet) > 0 {
				d = selectionDepth(s.SelectionSet, frags, seen+1)
			}
			d++
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, frags, seen+1)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil {
				d = selectionDepth(f.SelectionSet, frags, seen+1)
			}
		}
		if d > max {
			max = d
		}
	}
	return max
}
