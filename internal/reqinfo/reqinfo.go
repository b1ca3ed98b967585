// Package reqinfo carries what the HTTP layer and the GraphQL layer learn
// about one request (its id, operation, errors) so that one log line and
// one set of metrics can describe it.
package reqinfo

import (
	"context"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
)

// Info describes one request.
type Info struct {
	ID string
	// ClientAddr is the address of the client that sent the request (the
	// connection's remote host, without the port), by which sign-in
	// failures are throttled.
	ClientAddr string

	mu        sync.Mutex
	operation string
	kind      string
	errors    []string
}

type key struct{}

// With returns ctx carrying info.
func With(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the request's info; a detached empty one outside a request.
func From(ctx context.Context) *Info {
	if i, ok := ctx.Value(key{}).(*Info); ok {
		return i
	}
	return &Info{}
}

// SetOperation records the GraphQL operation name and kind.
func (i *Info) SetOperation(name string, op *ast.OperationDefinition) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.operation = name
	if op != nil {
		i.kind = string(op.Operation)
	}
}

// AddError records the extensions.code of one GraphQL error.
func (i *Info) AddError(code string) {
	if code == "" {
		code = "UNKNOWN"
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.errors = append(i.errors, code)
}

// Operation is the operation name ("" when anonymous) and kind.
func (i *Info) Operation() (name, kind string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.operation, i.kind
}

// Errors lists the codes of the GraphQL errors answered.
func (i *Info) Errors() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]string(nil), i.errors...)
}
