// Package graph is the GraphQL edge of the service: thin resolvers that
// decode input, call a service and map the result to the contract's types.
package graph

import (
	"time"

	"github.com/gendertrack/gendertrack/internal/org"
)

// Resolver holds the services the resolvers call.
type Resolver struct {
	Org *org.Service
	Now func() time.Time
}
