package graph

import (
	"context"
	"errors"
	"log/slog"
	"runtime/pprof"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gendertrack/gendertrack/graph/generated"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/reqinfo"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Limits bound what one request may ask of the server.
type Limits struct {
	Bounds        Bounds
	Introspection bool
	// Log receives internal errors, with the request id.
	Log *slog.Logger
	// Cache, when set, answers repeated reads (see ResponseCache).
	Cache *ResponseCache
	// DB, when set, keeps idempotency keys (RULES.md section 2).
	DB *store.DB
	// Now is the clock of idempotency keys' 24 hours.
	Now func() time.Time
	// Uploads bound multipart requests (file uploads); zero takes none.
	Uploads Uploads
}

// NewHandler builds the GraphQL HTTP handler: GET and POST over one
// transport (GET runs queries only), the bounds every document meets
// before it runs, idempotent mutation requests, persisted queries for
// slow connections, the sign-in rule of every mutation (requireSignIn),
// and the error presenter.
func NewHandler(r *Resolver, lim Limits) *handler.Server {
	cfg := generated.Config{Resolvers: r}
	setComplexity(&cfg.Complexity)
	srv := handler.New(generated.NewExecutableSchema(cfg))
	parsed := lru.New[*ast.QueryDocument](1000)
	t := &httpTransport{bounds: lim.Bounds, parsed: parsed, uploads: lim.Uploads}
	if lim.DB != nil {
		now := lim.Now
		if now == nil {
			now = time.Now
		}
		t.idem = &idempotency{db: lim.DB, now: now, log: lim.Log}
	}
	srv.AddTransport(t)
	srv.SetQueryCache(parsed)
	srv.SetParserTokenLimit(lim.Bounds.Tokens)
	if lim.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true) // "Did you mean …" would reveal the schema's names
	}
	srv.Use(newInputCheck(lim.Introspection))
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	srv.Use(&costLimit{max: lim.Bounds.Complexity})
	if lim.Cache != nil && lim.Cache.MaxBytes > 0 {
		srv.Use(lim.Cache)
	}
	srv.AroundRootFields(requireSignIn)
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
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		return withoutSuggestions(presentError(ctx, err, lim.Log), !lim.Introspection)
	})
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		lim.Log.ErrorContext(ctx, "panic in resolver", "request_id", reqinfo.From(ctx).ID, "panic", v)
		return errors.New("internal error")
	})
	return srv
}

// presentError maps service errors to extensions.code once, for the whole
// API, gives every message the API writes in the request's language
// (RULES.md section 9), and hides internal errors from clients (they are
// logged with the request id instead).
func presentError(ctx context.Context, err error, log *slog.Logger) *gqlerror.Error {
	lang := i18n.Lang(ctx)
	gerr := graphql.DefaultErrorPresenter(ctx, err)
	set := func(code, id string, args i18n.Data) *gqlerror.Error {
		if id != "" {
			gerr.Message = i18n.T(lang, id, args)
		}
		if gerr.Extensions == nil {
			gerr.Extensions = map[string]any{}
		}
		gerr.Extensions["code"] = code
		return gerr
	}
	var bad errs.BadInput
	var named interface{ MessageID() string }
	switch {
	case errors.As(err, &named) && errors.Is(err, errs.ErrUnauthenticated):
		return set("UNAUTHENTICATED", named.MessageID(), nil)
	case errors.Is(err, errs.ErrUnauthenticated):
		return set("UNAUTHENTICATED", "error.unauthenticated", nil)
	case errors.Is(err, errs.ErrForbidden):
		return set("FORBIDDEN", "error.forbidden", nil)
	case errors.As(err, &bad):
		gerr.Message = bad.Text(lang)
		return set("BAD_USER_INPUT", "", nil)
	case errors.Is(err, store.ErrKeyInUse):
		return set("IDEMPOTENCY_KEY_IN_PROGRESS", "error.idempotency.inProgress", nil)
	case store.Unavailable(err):
		return set("SERVICE_UNAVAILABLE", "error.unavailable", nil)
	case errors.Is(err, context.DeadlineExceeded):
		return set("TIMEOUT", "error.timeout", nil)
	case errors.Is(err, context.Canceled):
		return set("CANCELLED", "error.cancelled", nil)
	}
	// The errors of the transport, the bounds and the input checks carry
	// their message as an errs.Msg (limitError).
	var msg errs.Msg
	if errors.As(err, &msg) {
		gerr.Message = msg.Text(lang)
	}
	var ge *gqlerror.Error
	if errors.As(err, &ge) {
		if bad := asBadInput(ge); bad != nil {
			return bad
		}
	}
	if errors.As(err, &ge) && (ge.Extensions["code"] != nil || ge.Rule != "") {
		return gerr // parser, validation and limit errors carry their own code
	}
	if errors.As(err, &ge) && ge.Err == nil && len(ge.Path) == 0 {
		return set("BAD_USER_INPUT", "", nil) // request-level problems such as a malformed variable
	}
	id := reqinfo.From(ctx).ID
	log.ErrorContext(ctx, "internal error", "request_id", id, "path", gerr.Path.String(), "err", err)
	return set("INTERNAL_SERVER_ERROR", "error.internal", i18n.Data{"RequestID": id})
}
