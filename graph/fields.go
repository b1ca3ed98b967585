package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/gendertrack/gendertrack/graph/model"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/patch"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
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

// decoder decodes the global IDs of one mutation's input: each bad one is
// a NOT_FOUND user error at its field below "input", all of them are
// answered at once, and decoded calls the service only when there is
// none.
type decoder struct{ l errs.List }

func (d *decoder) keep(err error) {
	if u, ok := errs.AsUser(err); ok {
		d.l.UserErrors = append(d.l.UserErrors, u...)
	}
}

// id decodes a required ID of type typ.
func (d *decoder) id(g string, typ gid.Kind, field string) int64 {
	id, err := idOf(g, typ, "input", field)
	d.keep(err)
	return id
}

// optID decodes an optional ID of a create input: nil stays nil.
func (d *decoder) optID(g *string, typ gid.Kind, field string) *int64 {
	if g == nil {
		return nil
	}
	id := d.id(*g, typ, field)
	return &id
}

// ids decodes a list of IDs; each bad one is an error at field.i.
func (d *decoder) ids(gids []string, typ gid.Kind, field string) []int64 {
	ids, err := idsOf(gids, typ, "input", field)
	d.keep(err)
	return ids
}

// idField decodes an ID field of an update; a null stays null (it clears
// the link).
func (d *decoder) idField(o graphql.Omittable[*string], typ gid.Kind, field string) patch.Field[int64] {
	v, ok := o.ValueOK()
	switch {
	case !ok:
		return patch.Field[int64]{}
	case v == nil:
		return patch.Null[int64]()
	}
	return patch.Set(d.id(*v, typ, field))
}

// idsField decodes a list of IDs of an update: absent leaves the links as
// they are, null or an empty list removes them.
func (d *decoder) idsField(o graphql.Omittable[[]string], typ gid.Kind, field string) patch.Field[[]int64] {
	v, ok := o.ValueOK()
	switch {
	case !ok:
		return patch.Field[[]int64]{}
	case v == nil:
		return patch.Null[[]int64]()
	}
	return patch.Set(d.ids(v, typ, field))
}

// evidenceSubject decodes the ID of what a file is attached to: a
// Response or a ProgressUpdate; anything else names no such object.
func (d *decoder) evidenceSubject(g string) (gid.Kind, int64) {
	if k, id, ok := gid.Decode(g); ok && (k == gid.Response || k == gid.ProgressUpdate) {
		return k, id
	}
	d.keep(errs.New(errs.NotFound, "error.noSuch.evidenceSubject", "input", "subjectId"))
	return gid.Kind{}, 0
}

// decoded calls the service when every ID of d decoded, else answers
// their user errors.
func decoded[T any](d *decoder, call func() (T, error)) (T, error) {
	if err := d.l.Err(); err != nil {
		var zero T
		return zero, err
	}
	return call()
}

// actionInput decodes the IDs of a create or update action input.
func actionInput(d *decoder, objective, lead graphql.Omittable[*string], supporting, partners, findings graphql.Omittable[[]string]) plan.ActionInput {
	return plan.ActionInput{
		ObjectiveID:       d.idField(objective, gid.Objective, "objectiveId"),
		LeadUnitID:        d.idField(lead, gid.Unit, "leadUnitId"),
		SupportingUnitIDs: d.idsField(supporting, gid.Unit, "supportingUnitIds"),
		PartnerIDs:        d.idsField(partners, gid.Partner, "partnerIds"),
		FindingIDs:        d.idsField(findings, gid.Finding, "findingIds"),
	}
}

// listField is an Omittable list of an update input as the services take
// it, each element converted by conv (which converts a whole list).
func listField[T, U any](o graphql.Omittable[[]T], conv func([]T) []U) patch.Field[[]U] {
	v, ok := o.ValueOK()
	if !ok {
		return patch.Field[[]U]{}
	}
	if v == nil {
		return patch.Null[[]U]()
	}
	return patch.Set(conv(v))
}

// Disaggregation inputs and outputs (RULES.md section 7).

func dimensionsIn(in []model.DimensionInput) []plan.DimensionInput {
	out := make([]plan.DimensionInput, len(in))
	for i, d := range in {
		out[i] = plan.DimensionInput{Kind: d.Kind, Key: d.Key, Label: d.Label}
		for _, c := range d.Categories {
			out[i].Categories = append(out[i].Categories, plan.CategoryInput{Key: c.Key, Label: c.Label})
		}
	}
	return out
}

func categoryTargetsIn(in []model.CategoryTargetInput) []plan.CategoryTargetInput {
	out := make([]plan.CategoryTargetInput, len(in))
	for i, t := range in {
		out[i] = plan.CategoryTargetInput{Dimension: t.Dimension, Category: t.Category, Baseline: t.Baseline, Target: t.Target}
	}
	return out
}

func breakdownIn(in []model.BreakdownValueInput) []plan.BreakdownValueInput {
	out := make([]plan.BreakdownValueInput, len(in))
	for i, v := range in {
		refs := make([]store.CategoryRef, len(v.Categories))
		for j, c := range v.Categories {
			refs[j] = store.CategoryRef{Dimension: c.Dimension, Category: c.Category}
		}
		out[i] = plan.BreakdownValueInput{Categories: refs, Value: v.Value}
	}
	return out
}

// dimensionsOut is an indicator's dimensions as the API shows them, the
// fixed kinds labelled in lang.
func dimensionsOut(lang string, dims []plan.Dimension) []model.Dimension {
	out := make([]model.Dimension, len(dims))
	for i, d := range dims {
		out[i] = model.Dimension{Key: d.Key, Kind: d.Kind, Label: d.LabelIn(lang), Categories: make([]model.Category, len(d.Categories))}
		for j, c := range d.Categories {
			out[i].Categories[j] = model.Category{Key: c.Key, Label: d.CategoryLabelIn(lang, c)}
		}
	}
	return out
}
