// Package graph is the GraphQL edge of the service: thin resolvers that
// decode input, call a service and map the result to the contract's types.
package graph

import (
	"context"
	"time"

	"github.com/gendertrack/gendertrack/graph/model"
	"github.com/gendertrack/gendertrack/internal/account"
	"github.com/gendertrack/gendertrack/internal/assessment"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/evidence"
	"github.com/gendertrack/gendertrack/internal/gaps"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/org"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Resolver holds the services the resolvers call.
type Resolver struct {
	Org     *org.Service
	Account *account.Service
	// Assessments: questionnaires and self-assessments.
	AssessmentService *assessment.Service
	// Plans: action plans and everything below them.
	Plans *plan.Service
	// Gaps: gap flags and their states.
	Gaps *gaps.Service
	// Evidence: evidence files of responses and progress updates.
	Evidence *evidence.Service
	Guard    *authz.Guard
	Now      func() time.Time
	// NarrowReads: queries read only the columns they show (columns.go).
	NarrowReads bool
}

// roleChange decodes a RoleInput and calls grant or revoke.
func (r *mutationResolver) roleChange(ctx context.Context, d *decoder, in model.RoleInput, do func(context.Context, account.RoleInput) (*store.User, error)) (*store.User, error) {
	uid, inst := d.id(in.UserID, gid.User, "userId"), d.optID(in.InstitutionID, gid.Institution, "institutionId")
	return decoded(d, func() (*store.User, error) {
		return do(ctx, account.RoleInput{UserID: uid, Role: in.Role, InstitutionID: deref(inst)})
	})
}
