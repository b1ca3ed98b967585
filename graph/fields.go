package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/gendertrack/gendertrack/graph/model"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/patch"
	"github.com/gendertrack/gendertrack/internal/plan"
)

// The nullable fields of update inputs are graphql.Omittable (gqlgen.yml),
// so that an absent field and an explicit null reach the services apart
// (RULES.md section 2). The helpers below carry them as patch.Field; a
// create input's optional field goes through omit first, absent when nil.

// omit is an optional field of a create input, absent when p is nil.
func omit[T any](p *T) graphql.Omittable[*T] {
	if p == nil {
		return graphql.Omittable[*T]{}
	}
	return graphql.OmittableOf(p)
}

// omitList is an optional list of a create input, absent when nil.
func omitList[T any](l []T) graphql.Omittable[[]T] {
	if l == nil {
		return graphql.Omittable[[]T]{}
	}
	return graphql.OmittableOf(l)
}

// field is an input field as the services take it: absent, null or a
// value.
func field[T any](o graphql.Omittable[*T]) patch.Field[T] { return patch.Of(o.ValueOK()) }

// dateField is field for a Date, which the services take as YYYY-MM-DD.
func dateField(o graphql.Omittable[*model.Date]) patch.Field[string] {
	v, ok := o.ValueOK()
	return patch.Of((*string)(v), ok)
}

// decimalField is field for a Decimal, which the services take as its
// text.
func decimalField(o graphql.Omittable[*model.Decimal]) patch.Field[string] {
	v, ok := o.ValueOK()
	return patch.Of((*string)(v), ok)
}

// idField decodes a global ID field of type typ; a null stays null (it
// clears the link).
func idField(o graphql.Omittable[*string], typ gid.Kind, field ...string) (patch.Field[int64], error) {
	v, ok := o.ValueOK()
	switch {
	case !ok:
		return patch.Field[int64]{}, nil
	case v == nil:
		return patch.Null[int64](), nil
	}
	id, err := idOf(*v, typ, field...)
	return patch.Set(id), err
}

// idsField decodes a list of global IDs of type typ: absent leaves the
// links as they are, null or an empty list removes them.
func idsField(o graphql.Omittable[[]string], typ gid.Kind, field ...string) (patch.Field[[]int64], error) {
	v, ok := o.ValueOK()
	switch {
	case !ok:
		return patch.Field[[]int64]{}, nil
	case v == nil:
		return patch.Null[[]int64](), nil
	}
	ids, err := idsOf(v, typ, field...)
	return patch.Set(ids), err
}

// actionInput decodes the IDs of a create or update action input; every
// bad one is a user error.
func actionInput(objective, lead graphql.Omittable[*string], supporting, partners, findings graphql.Omittable[[]string]) (plan.ActionInput, error) {
	var (
		in  plan.ActionInput
		l   errs.List
		err error
	)
	keep := func(e error) {
		if u, ok := errs.AsUser(e); ok {
			l.UserErrors = append(l.UserErrors, u...)
		}
	}
	in.ObjectiveID, err = idField(objective, gid.Objective, "input", "objectiveId")
	keep(err)
	in.LeadUnitID, err = idField(lead, gid.Unit, "input", "leadUnitId")
	keep(err)
	in.SupportingUnitIDs, err = idsField(supporting, gid.Unit, "input", "supportingUnitIds")
	keep(err)
	in.PartnerIDs, err = idsField(partners, gid.Partner, "input", "partnerIds")
	keep(err)
	in.FindingIDs, err = idsField(findings, gid.Finding, "input", "findingIds")
	keep(err)
	return in, l.Err()
}
