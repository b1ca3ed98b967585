package graph

import (
	"context"

	"github.com/gendertrack/gendertrack/graph/model"
	"github.com/gendertrack/gendertrack/internal/assessment"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gaps"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/store"
)

// mutate is the one shape of every mutation resolver: run decodes the
// input's IDs with d and calls the service (through decoded when it
// decoded any); a user error (errs.UserErrors) becomes the payload's
// userErrors with a null object, any other error goes to the GraphQL
// errors list; wrap builds the payload.
func mutate[T, P any](ctx context.Context, run func(d *decoder) (T, error), wrap func(T, []model.UserError) *P) (*P, error) {
	out, err := run(&decoder{})
	v, ue, err := result(ctx, out, err)
	if err != nil {
		return nil, err
	}
	p := wrap(v, ue)
	relatePayload(ctx, p)
	return p, nil
}

// transition runs a change of state (submit, adopt, …) on the object whose
// global ID, of kind, is the input's field.
func transition[T, P any](ctx context.Context, id string, kind gid.Kind, field string, reason *string,
	do func(context.Context, int64, *string) (T, error), wrap func(T, []model.UserError) *P) (*P, error) {
	return mutate(ctx, func(d *decoder) (T, error) {
		n := d.id(id, kind, field)
		return decoded(d, func() (T, error) { return do(ctx, n, reason) })
	}, wrap)
}

// userErrors splits a service error into the payload's user errors (nil
// error), their messages in the language of ctx's request, or an error
// for the GraphQL errors list.
func userErrors(ctx context.Context, err error) ([]model.UserError, error) {
	out := []model.UserError{}
	if err == nil {
		return out, nil
	}
	u, ok := errs.AsUser(err)
	if !ok {
		return nil, err
	}
	lang := i18n.Lang(ctx)
	for _, e := range u {
		out = append(out, model.UserError{Field: e.Field, Message: e.Text(lang), Code: string(e.Code)})
	}
	return out, nil
}

// result splits a service answer into the payload's object, its user
// errors, and an error for the GraphQL errors list.
func result[T any](ctx context.Context, v T, err error) (T, []model.UserError, error) {
	ue, err := userErrors(ctx, err)
	if err != nil || len(ue) > 0 {
		var zero T
		return zero, ue, err
	}
	return v, ue, nil
}

// Payload builders shared by several mutations, for mutate's wrap.

func institutionPayload(v *store.Institution, ue []model.UserError) *model.InstitutionPayload {
	return &model.InstitutionPayload{Institution: v, UserErrors: ue}
}

func unitPayload(v *store.Unit, ue []model.UserError) *model.UnitPayload {
	return &model.UnitPayload{Unit: v, UserErrors: ue}
}

func partnerPayload(v *store.Partner, ue []model.UserError) *model.PartnerPayload {
	return &model.PartnerPayload{Partner: v, UserErrors: ue}
}

func userPayload(v *store.User, ue []model.UserError) *model.UserPayload {
	return &model.UserPayload{User: v, UserErrors: ue}
}

func questionnairePayload(v *assessment.Questionnaire, ue []model.UserError) *model.QuestionnairePayload {
	return &model.QuestionnairePayload{Questionnaire: v, UserErrors: ue}
}

func assessmentPayload(v *store.Assessment, ue []model.UserError) *model.AssessmentPayload {
	return &model.AssessmentPayload{Assessment: v, UserErrors: ue}
}

func findingPayload(v *store.Finding, ue []model.UserError) *model.FindingPayload {
	return &model.FindingPayload{Finding: v, UserErrors: ue}
}

func gapFlagPayload(v *gaps.Flag, ue []model.UserError) *model.GapFlagPayload {
	return &model.GapFlagPayload{Flag: v, UserErrors: ue}
}

func actionPlanPayload(v *store.ActionPlan, ue []model.UserError) *model.ActionPlanPayload {
	return &model.ActionPlanPayload{Plan: v, UserErrors: ue}
}

func objectivePayload(v *store.Objective, ue []model.UserError) *model.ObjectivePayload {
	return &model.ObjectivePayload{Objective: v, UserErrors: ue}
}

func actionPayload(v *store.Action, ue []model.UserError) *model.ActionPayload {
	return &model.ActionPayload{Action: v, UserErrors: ue}
}

func resourcePayload(v *store.ResourceRequirement, ue []model.UserError) *model.ResourceRequirementPayload {
	return &model.ResourceRequirementPayload{Resource: v, UserErrors: ue}
}

func indicatorPayload(v *store.Indicator, ue []model.UserError) *model.IndicatorPayload {
	return &model.IndicatorPayload{Indicator: v, UserErrors: ue}
}

func disseminationPayload(v *store.Dissemination, ue []model.UserError) *model.DisseminationPayload {
	return &model.DisseminationPayload{Dissemination: v, UserErrors: ue}
}
