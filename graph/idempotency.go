package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/store"
)

// IdempotencyHeader is the request header that makes a mutation request
// safe to retry (the IETF httpapi draft's name).
const IdempotencyHeader = "Idempotency-Key"

// IdempotencyWindow is how long a key answers with its first response.
const IdempotencyWindow = 24 * time.Hour

// maxKeyLength bounds an Idempotency-Key (UUIDs and ULIDs fit many times).
const maxKeyLength = 255

// idempotency applies a caller's mutation request carrying an
// Idempotency-Key once: the key is written in the transaction of the
// change (store.Claim), the answer next to it; a retry with the same key
// and body gets that answer, with another body a refusal.
type idempotency struct {
	db  *store.DB
	now func() time.Time
	log *slog.Logger
	// swept is when expired keys were last deleted (unix seconds).
	swept atomic.Int64
}

type claim = store.Claim

// stored is an answer to send again.
type stored struct {
	Status int
	Body   []byte
}

// secretFields are mutations whose answer holds a secret: their answer is
// not kept, and a retry is told so instead.
var secretFields = map[string]bool{"login": true, "createApiKey": true}

// begin looks the key up. It returns the context to execute with (carrying
// the claim), or the answer to send again, or an error to refuse with.
// Anonymous requests (only login may run) are not keyed.
func (i *idempotency) begin(ctx context.Context, key string, body []byte) (context.Context, *claim, *stored, *gqlerror.Error) {
	if len(key) > maxKeyLength || !printable(key) {
		return ctx, nil, nil, limitError("BAD_USER_INPUT", "error.idempotency.key", i18n.Data{"Max": maxKeyLength})
	}
	a := auth.ActorFrom(ctx)
	if a == nil || a.System {
		return ctx, nil, nil, nil
	}
	caller := "user:" + strconv.FormatInt(a.UserID, 10)
	if a.APIKeyID > 0 {
		caller = "apikey:" + strconv.FormatInt(a.APIKeyID, 10)
	}
	sum := sha256.Sum256(body)
	now := i.now().UTC()
	c := &claim{Caller: caller, Key: key, Hash: hex.EncodeToString(sum[:]), At: now}
	i.sweep(ctx, now)
	row, err := i.db.FindIdempotencyKey(ctx, caller, key, now.Add(-IdempotencyWindow))
	if err != nil {
		return ctx, nil, nil, storeError(ctx, i.log, err)
	}
	switch {
	case row == nil:
		return store.WithClaim(ctx, c), c, nil, nil
	case row.RequestHash != c.Hash:
		return ctx, nil, nil, limitError("IDEMPOTENCY_KEY_REUSED", "error.idempotency.reused", nil)
	case row.Response == nil || row.Status == nil:
		return ctx, nil, nil, limitError("IDEMPOTENCY_KEY_IN_PROGRESS", "error.idempotency.inProgress", nil)
	}
	return ctx, nil, &stored{Status: *row.Status, Body: []byte(*row.Response)}, nil
}

// finish keeps the answer of a keyed request. An answer that says the
// request could not run now (timeout, unavailable database, internal
// error, a concurrent request with the key) is kept only if a change was
// committed, so that a retry may run again.
func (i *idempotency) finish(ctx context.Context, c *claim, status int, body []byte, resp *graphql.Response, oc *graphql.OperationContext) {
	if !c.Written() {
		for _, e := range resp.Errors {
			switch code, _ := e.Extensions["code"].(string); code {
			case "TIMEOUT", "CANCELLED", "SERVICE_UNAVAILABLE", "INTERNAL_SERVER_ERROR", "IDEMPOTENCY_KEY_IN_PROGRESS":
				return
			}
		}
	}
	for _, sel := range oc.Operation.SelectionSet {
		if f, ok := sel.(*ast.Field); ok && secretFields[f.Name] {
			msg, _ := json.Marshal(i18n.Tc(ctx, "error.idempotency.notKept"))
			body = []byte(`{"errors":[{"message":` + string(msg) + `,"extensions":{"code":"IDEMPOTENT_ANSWER_NOT_KEPT"}}]}`)
			status = http.StatusConflict
			break
		}
	}
	if err := i.db.SaveIdempotentAnswer(ctx, c, status, string(body)); err != nil {
		i.log.WarnContext(ctx, "idempotency: answer not kept", "err", err)
	}
}

// sweep deletes expired keys, at most once a minute per process.
func (i *idempotency) sweep(ctx context.Context, now time.Time) {
	last := i.swept.Load()
	if now.Unix()-last < 60 || !i.swept.CompareAndSwap(last, now.Unix()) {
		return
	}
	if err := i.db.DeleteIdempotencyKeys(ctx, now.Add(-IdempotencyWindow)); err != nil {
		i.log.WarnContext(ctx, "idempotency: expired keys not deleted", "err", err)
	}
}

func printable(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// idemStatus is the HTTP status of an idempotency refusal.
func idemStatus(e *gqlerror.Error) int {
	switch e.Extensions["code"] {
	case "IDEMPOTENCY_KEY_REUSED":
		return http.StatusUnprocessableEntity
	case "IDEMPOTENCY_KEY_IN_PROGRESS":
		return http.StatusConflict
	case "SERVICE_UNAVAILABLE":
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// storeError turns a database failure met outside a resolver into the
// error a client gets: SERVICE_UNAVAILABLE when the database cannot be
// reached, else an internal error, logged.
func storeError(ctx context.Context, log *slog.Logger, err error) *gqlerror.Error {
	if store.Unavailable(err) {
		return limitError("SERVICE_UNAVAILABLE", "error.unavailable", nil)
	}
	log.ErrorContext(ctx, "idempotency lookup failed", "err", err)
	return limitError("INTERNAL_SERVER_ERROR", "error.internalLogged", nil)
}
