// Package readauthz_test holds the service-level read matrix: every
// exported read of every service, called directly (as the web workspace
// will, without the GraphQL resolvers) by every kind of caller, must
// return an institution's data to those RULES.md section 4 lets read it
// and nothing to everyone else.
package readauthz_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/account"
	"github.com/gendertrack/gendertrack/internal/assessment"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/demo"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/evidence"
	"github.com/gendertrack/gendertrack/internal/gaps"
	"github.com/gendertrack/gendertrack/internal/org"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

func init() {
	// Cheap password hashes: the matrix creates a dozen users per database.
	auth.PasswordParams.Memory = 64
	auth.PasswordParams.Time = 1
}

// world is the demo data set (the police, NP, with one of everything; the
// gendarmerie, NG) on a real database, the services over it, and the ids
// of the police's rows every read is asked about.
type world struct {
	db    *store.DB
	guard *authz.Guard
	org   *org.Service
	acc   *account.Service
	as    *assessment.Service
	plans *plan.Service
	flags *gaps.Service
	ev    *evidence.Service

	np, ng int64

	// The police's evidence files: of responses, of progress updates.
	responseFiles, updateFiles []int64

	planIDs, objectives, actions, resources, indicators, measurements, updates, disseminations []int64
	units, users, assessments, responses, findings, partners                                   []int64
	plan, action, auditEvent, questionnaire                                                    int64
	questionnaireKey, questionKey                                                              string
	flagIDs                                                                                    []string
}

// The callers' kinds of read: reads of one institution's data need
// ReadInstitution, ReadResponses or ReadAudit there (RULES.md section 4);
// the others are not of any institution.
const (
	// signedIn: templates and partners, which every signed-in caller reads.
	signedIn authz.Capability = "signed in"
	// self: the signed-in user itself.
	self authz.Capability = "self"
)

// readers transcribes RULES.md section 4 for the read capabilities.
var readers = map[authz.Capability][]string{
	authz.ReadInstitution: {authz.RoleAdmin, authz.RoleCoordinator, authz.RoleCommitteeMember, authz.RoleFocalPoint, authz.RoleLeadership, authz.RolePartner, authz.RoleAuditor},
	authz.ReadResponses:   {authz.RoleAdmin, authz.RoleCoordinator, authz.RoleCommitteeMember, authz.RoleFocalPoint, authz.RoleLeadership, authz.RoleAuditor},
	authz.ReadAudit:       {authz.RoleAdmin, authz.RoleCoordinator, authz.RoleAuditor},
}

// read is one row of the matrix: an exported read method ("Type.Method"),
// what it takes to read its answer, and a call of it about the police's
// rows. The call returns the method's results (errors apart) and its error.
type read struct {
	method string
	cap    authz.Capability
	call   func(ctx context.Context, w *world) ([]any, error)
}

func page() store.Page { return store.Page{First: 50} }

// memo is a fresh memo of flags, as every request gets one.
func memo(w *world) *gaps.Memo { return w.flags.NewMemo("en") }

// matrix lists the reads; a method of a service type that is neither here
// nor in notReads fails TestEveryReadIsInTheMatrix.
var matrix = []read{
	// ---------------------------------------------------------- org
	{"org.Service.Institutions", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		items, more, total, err := w.org.Institutions(ctx, "police", page())
		return []any{items, more, total}, err
	}},
	{"org.Service.InstitutionsByID", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.org.InstitutionsByID(ctx, []int64{w.np})
		return []any{m}, err
	}},
	{"org.Service.Units", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		items, more, total, err := w.org.Units(ctx, w.np, page())
		return []any{items, more, total}, err
	}},
	{"org.Service.UnitsByID", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.org.UnitsByID(ctx, w.units)
		return []any{m}, err
	}},
	{"org.Service.Children", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.org.Children(ctx, w.units)
		return []any{m}, err
	}},
	{"org.Service.Partners", signedIn, func(ctx context.Context, w *world) ([]any, error) {
		items, more, total, err := w.org.Partners(ctx, page())
		return []any{items, more, total}, err
	}},
	{"org.Service.PartnersByID", signedIn, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.org.PartnersByID(ctx, w.partners)
		return []any{m}, err
	}},

	// ---------------------------------------------------------- account
	{"account.Service.UsersByID", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.acc.UsersByID(ctx, w.users)
		return []any{m}, err
	}},
	{"account.Service.RolesOf", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		var out []account.Assignment
		for _, u := range w.users {
			out = append(out, w.acc.RolesOf(ctx, u)...)
		}
		return []any{out}, nil
	}},
	{"account.Service.Viewer", self, func(ctx context.Context, w *world) ([]any, error) {
		u, err := w.acc.Viewer(ctx)
		return []any{u}, err
	}},
	{"account.Service.AuditEvents", authz.ReadAudit, func(ctx context.Context, w *world) ([]any, error) {
		items, more, total, err := w.acc.AuditEvents(ctx, account.AuditFilter{InstitutionID: w.np}, page())
		return []any{items, more, total}, err
	}},
	{"account.Service.AuditEvent", authz.ReadAudit, func(ctx context.Context, w *world) ([]any, error) {
		ev, err := w.acc.AuditEvent(ctx, w.auditEvent)
		return []any{ev}, err
	}},

	// ---------------------------------------------------------- assessment
	{"assessment.Service.QuestionnairesByID", signedIn, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.as.QuestionnairesByID(ctx, []int64{w.questionnaire})
		return []any{m}, err
	}},
	{"assessment.Service.Questionnaires", signedIn, func(ctx context.Context, w *world) ([]any, error) {
		qs, err := w.as.Questionnaires(ctx, true)
		return []any{qs}, err
	}},
	{"assessment.Service.QuestionnaireByKey", signedIn, func(ctx context.Context, w *world) ([]any, error) {
		q, err := w.as.QuestionnaireByKey(ctx, w.questionnaireKey, nil)
		return []any{q}, err
	}},
	{"assessment.Service.Question", signedIn, func(ctx context.Context, w *world) ([]any, error) {
		q, err := w.as.Question(ctx, w.questionnaire, w.questionKey)
		return []any{q}, err
	}},
	{"assessment.Service.AssessmentsByID", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.as.AssessmentsByID(ctx, w.assessments)
		return []any{m}, err
	}},
	{"assessment.Service.Assessments", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		items, more, total, err := w.as.Assessments(ctx, w.np, nil, page())
		return []any{items, more, total}, err
	}},
	{"assessment.Service.ResultsOf", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.as.ResultsOf(ctx, w.assessments)
		return []any{m}, err
	}},
	{"assessment.Results.Responses", authz.ReadResponses, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.as.ResultsOf(ctx, w.assessments)
		if err != nil {
			return nil, err
		}
		var rows []store.Response
		for _, id := range w.assessments {
			if m[id] == nil {
				continue
			}
			rs, err := m[id].Responses()
			if err != nil {
				return []any{rows}, err
			}
			rows = append(rows, rs...)
		}
		return []any{rows}, nil
	}},
	{"assessment.Results.Completion", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		return results(ctx, w, func(r *assessment.Results, q *assessment.Questionnaire) any { return r.Completion(q) })
	}},
	{"assessment.Results.Scores", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		return results(ctx, w, func(r *assessment.Results, q *assessment.Questionnaire) any { return r.Scores(q) })
	}},
	{"assessment.Service.ResponsesOf", authz.ReadResponses, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.as.ResponsesOf(ctx, w.assessments)
		return []any{m}, err
	}},
	{"assessment.Service.ResponsesByID", authz.ReadResponses, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.as.ResponsesByID(ctx, w.responses)
		return []any{m}, err
	}},
	{"assessment.Service.FindingsOf", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.as.FindingsOf(ctx, w.assessments)
		return []any{m}, err
	}},
	{"assessment.Service.FindingsByID", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.as.FindingsByID(ctx, w.findings)
		return []any{m}, err
	}},
	{"assessment.Service.CanReadResponses", authz.ReadResponses, func(ctx context.Context, w *world) ([]any, error) {
		return []any{w.as.CanReadResponses(ctx, w.np)}, nil
	}},

	// ---------------------------------------------------------- actionplan
	{"plan.Service.PlansByID", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.PlansByID(ctx, w.planIDs)
		return []any{m}, err
	}},
	{"plan.Service.ObjectivesByID", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ObjectivesByID(ctx, w.objectives)
		return []any{m}, err
	}},
	{"plan.Service.ActionsByID", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ActionsByID(ctx, w.actions)
		return []any{m}, err
	}},
	{"plan.Service.ResourcesByID", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ResourcesByID(ctx, w.resources)
		return []any{m}, err
	}},
	{"plan.Service.IndicatorsByID", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.IndicatorsByID(ctx, w.indicators)
		return []any{m}, err
	}},
	{"plan.Service.MeasurementsByID", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.MeasurementsByID(ctx, w.measurements)
		return []any{m}, err
	}},
	{"plan.Service.UpdatesByID", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.UpdatesByID(ctx, w.updates)
		return []any{m}, err
	}},
	{"plan.Service.DisseminationsByID", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.DisseminationsByID(ctx, w.disseminations)
		return []any{m}, err
	}},
	{"plan.Service.Plans", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		items, more, total, err := w.plans.Plans(ctx, w.np, nil, page())
		return []any{items, more, total}, err
	}},
	{"plan.Service.ObjectivesByPlan", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ObjectivesByPlan(ctx, w.planIDs)
		return []any{m}, err
	}},
	{"plan.Service.ActionsByObjective", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ActionsByObjective(ctx, w.objectives)
		return []any{m}, err
	}},
	{"plan.Service.DisseminationsByPlan", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.DisseminationsByPlan(ctx, w.planIDs)
		return []any{m}, err
	}},
	{"plan.Service.ResourcesByAction", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ResourcesByAction(ctx, w.actions)
		return []any{m}, err
	}},
	{"plan.Service.IndicatorsByAction", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.IndicatorsByAction(ctx, w.actions)
		return []any{m}, err
	}},
	{"plan.Service.IndicatorsByObjective", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.IndicatorsByObjective(ctx, w.objectives)
		return []any{m}, err
	}},
	{"plan.Service.MeasurementsByIndicator", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.MeasurementsByIndicator(ctx, w.indicators)
		return []any{m}, err
	}},
	{"plan.Service.LatestMeasurements", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.LatestMeasurements(ctx, w.indicators)
		return []any{m}, err
	}},
	{"plan.Service.DimensionsByIndicator", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.DimensionsByIndicator(ctx, w.indicators)
		return []any{m}, err
	}},
	{"plan.Service.CategoryTargetsByIndicator", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.CategoryTargetsByIndicator(ctx, w.indicators)
		return []any{m}, err
	}},
	{"plan.Service.SupportingUnits", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.SupportingUnits(ctx, w.actions)
		return []any{m}, err
	}},
	{"plan.Service.ActionPartners", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ActionPartners(ctx, w.actions)
		return []any{m}, err
	}},
	{"plan.Service.ActionFindings", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ActionFindings(ctx, w.actions)
		return []any{m}, err
	}},
	{"plan.Service.ObjectiveFindings", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ObjectiveFindings(ctx, w.objectives)
		return []any{m}, err
	}},
	{"plan.Service.ObjectivesByFinding", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ObjectivesByFinding(ctx, w.findings)
		return []any{m}, err
	}},
	{"plan.Service.ActionsByFinding", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ActionsByFinding(ctx, w.findings)
		return []any{m}, err
	}},
	{"plan.Service.ActionPages", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ActionPages(ctx, w.planIDs, plan.ActionFilter{}, page())
		return []any{m}, err
	}},
	// With a health filter, ActionPages reads through another statement.
	{"plan.Service.ActionPages", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		fl := plan.ActionFilter{Health: []string{"GREY", "GREEN", "AMBER", "RED", "BLUE"}}
		m, err := w.plans.ActionPages(ctx, w.planIDs, fl, page())
		return []any{m}, err
	}},
	// After a cursor, plans whose actions all lie before it are counted apart.
	{"plan.Service.ActionPages", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ActionPages(ctx, w.planIDs, plan.ActionFilter{}, store.Page{First: 50, After: slices.Max(w.actions)})
		return []any{m}, err
	}},
	{"plan.Service.UpdatePages", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.UpdatePages(ctx, w.actions, store.Page{First: 3, Desc: true})
		return []any{m}, err
	}},
	{"plan.Service.ObjectivesAddressingFindings", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ObjectivesAddressingFindings(ctx, w.assessments)
		return []any{m}, err
	}},
	{"plan.Service.ActionsAddressingFindings", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.ActionsAddressingFindings(ctx, w.assessments)
		return []any{m}, err
	}},
	{"plan.Service.Progress", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.Progress(ctx, w.planIDs)
		return []any{m}, err
	}},
	{"plan.Service.Summaries", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.plans.Summaries(ctx, []int64{w.np})
		return []any{m}, err
	}},

	// ---------------------------------------------------------- gaps
	{"gaps.Service.List", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		fs, err := w.flags.List(ctx, gaps.Filter{InstitutionID: &w.np, States: gaps.States}, "en")
		return []any{fs}, err
	}},
	{"gaps.Service.Get", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.flags.Get(ctx, w.flagIDs, "en")
		return []any{m}, err
	}},
	{"gaps.Memo.List", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		fs, err := memo(w).List(ctx, gaps.Filter{InstitutionID: &w.np})
		return []any{fs}, err
	}},
	{"gaps.Memo.List", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		fs, err := memo(w).List(ctx, gaps.Filter{PlanID: &w.plan})
		return []any{fs}, err
	}},
	{"gaps.Memo.ListPage", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		fs, total, more, earlier, err := memo(w).ListPage(ctx, gaps.Filter{InstitutionID: &w.np}, 10, "")
		return []any{fs, total, more, earlier}, err
	}},
	{"gaps.Memo.ListByPlans", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := memo(w).ListByPlans(ctx, []gaps.PlanRef{{PlanID: w.plan, InstitutionID: w.np}}, gaps.Filter{})
		return []any{m}, err
	}},
	// A plan named with no institution, or with another one than its own.
	{"gaps.Memo.ListByPlans", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := memo(w).ListByPlans(ctx, []gaps.PlanRef{{PlanID: w.plan}}, gaps.Filter{})
		return []any{m}, err
	}},
	{"gaps.Memo.ListByPlans", "", func(ctx context.Context, w *world) ([]any, error) {
		m, err := memo(w).ListByPlans(ctx, []gaps.PlanRef{{PlanID: w.plan, InstitutionID: w.ng}}, gaps.Filter{})
		return []any{m}, err
	}},
	{"gaps.Memo.ListByInstitutions", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := memo(w).ListByInstitutions(ctx, []int64{w.np}, gaps.Filter{})
		return []any{m}, err
	}},
	{"gaps.Memo.ByActions", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		refs := make([]gaps.ActionFlagRef, len(w.actions))
		for i, a := range w.actions {
			refs[i] = gaps.ActionFlagRef{ActionID: a, PlanID: w.plan, InstitutionID: w.np}
		}
		m, err := memo(w).ByActions(ctx, refs)
		return []any{m}, err
	}},
	{"gaps.Memo.ByActions", "", func(ctx context.Context, w *world) ([]any, error) {
		refs := make([]gaps.ActionFlagRef, len(w.actions))
		for i, a := range w.actions {
			refs[i] = gaps.ActionFlagRef{ActionID: a, PlanID: w.plan, InstitutionID: w.ng}
		}
		m, err := memo(w).ByActions(ctx, refs)
		return []any{m}, err
	}},
	{"gaps.Memo.OpenCountsByPlans", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := memo(w).OpenCountsByPlans(ctx, []gaps.PlanRef{{PlanID: w.plan, InstitutionID: w.np}})
		return []any{m}, err
	}},
	{"gaps.Memo.OpenCountsByInstitutions", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := memo(w).OpenCountsByInstitutions(ctx, []int64{w.np})
		return []any{m}, err
	}},

	// ---------------------------------------------------------- evidence
	// A Response's files are read as its answers; a ProgressUpdate's as
	// the plan.
	{"evidence.Service.ResponseFiles", authz.ReadResponses, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.ev.ResponseFiles(ctx, w.responses)
		return []any{m}, err
	}},
	{"evidence.Service.UpdateFiles", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.ev.UpdateFiles(ctx, w.updates)
		return []any{m}, err
	}},
	{"evidence.Service.FilesByID", authz.ReadResponses, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.ev.FilesByID(ctx, w.responseFiles)
		return []any{m}, err
	}},
	{"evidence.Service.FilesByID", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		m, err := w.ev.FilesByID(ctx, w.updateFiles)
		return []any{m}, err
	}},
	{"evidence.Service.Open", authz.ReadResponses, func(ctx context.Context, w *world) ([]any, error) {
		f, b, err := w.ev.Open(ctx, w.responseFiles[0])
		return []any{f, b}, err
	}},
	{"evidence.Service.Open", authz.ReadInstitution, func(ctx context.Context, w *world) ([]any, error) {
		f, b, err := w.ev.Open(ctx, w.updateFiles[0])
		return []any{f, b}, err
	}},
}

// results applies f to the results of each police assessment the caller
// may read.
func results(ctx context.Context, w *world, f func(*assessment.Results, *assessment.Questionnaire) any) ([]any, error) {
	m, err := w.as.ResultsOf(ctx, w.assessments)
	if err != nil {
		return nil, err
	}
	as, err := w.as.AssessmentsByID(authz.System(ctx), w.assessments)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, id := range w.assessments {
		if m[id] == nil {
			continue
		}
		q, err := w.as.QuestionnairesByID(authz.System(ctx), []int64{as[id].QuestionnaireID})
		if err != nil {
			return nil, err
		}
		out = append(out, f(m[id], q[as[id].QuestionnaireID]))
	}
	return []any{out}, nil
}

// notReads are the exported methods of the service types that are not
// reads, each with the reason.
var notReads = map[string]string{
	"org.Service.CreateInstitution": "mutation", "org.Service.UpdateInstitution": "mutation",
	"org.Service.CreateUnit": "mutation", "org.Service.UpdateUnit": "mutation", "org.Service.CreatePartner": "mutation",

	"account.Service.Login":        "sign-in: checks a password, returns the caller's own session",
	"account.Service.Logout":       "sign-in: revokes the caller's own credential",
	"account.Service.Authenticate": "sign-in: turns the request's credential into its actor",
	"account.Service.SetLanguage":  "mutation of the caller's own user (its workspace language)",
	"account.Service.CreateUser":   "mutation", "account.Service.GrantRole": "mutation", "account.Service.RevokeRole": "mutation",
	"account.Service.CreateAPIKey": "mutation", "account.Service.RevokeAPIKey": "mutation",
	"account.Service.Reload":     "loads the role assignments into the guard",
	"account.Service.WatchRoles": "loads the role assignments into the guard",
	"account.Service.AddUser":    "operator command", "account.Service.SetPassword": "operator command",
	"account.Service.EnsureAdmin": "start-up task",

	"assessment.Service.Create": "mutation", "assessment.Service.SaveResponses": "mutation",
	"assessment.Service.Submit": "mutation", "assessment.Service.Validate": "mutation", "assessment.Service.Reopen": "mutation",
	"assessment.Service.AddFinding": "mutation", "assessment.Service.Import": "mutation",
	"assessment.Service.ImportBundled": "start-up task",

	"plan.Service.CreatePlan": "mutation", "plan.Service.UpdatePlan": "mutation",
	"plan.Service.AdoptPlan": "mutation", "plan.Service.ClosePlan": "mutation",
	"plan.Service.CreateObjective": "mutation", "plan.Service.UpdateObjective": "mutation",
	"plan.Service.CreateAction": "mutation", "plan.Service.UpdateAction": "mutation",
	"plan.Service.RecordProgress": "mutation", "plan.Service.AddResource": "mutation",
	"plan.Service.UpdateResource": "mutation", "plan.Service.CreateIndicator": "mutation",
	"plan.Service.RecordMeasurement": "mutation", "plan.Service.RecordDissemination": "mutation",
	"plan.Service.UpdateIndicator":      "mutation",
	"plan.Service.CategoryTargetStates": "computed from an indicator, a plan and targets the caller holds",
	"plan.Service.Today":                "the service's clock",
	"plan.Service.Health":               "computed from an action the caller holds",
	"plan.Service.Overdue":              "computed from an action the caller holds",
	"plan.Service.IndicatorStatus":      "computed from an indicator and a plan the caller holds",

	"gaps.Service.Raise": "mutation", "gaps.Service.SetState": "mutation",
	"gaps.Service.Rules":   "the rule catalogue: no caller, no institution's data",
	"gaps.Service.NewMemo": "makes a Memo, whose reads are in the matrix",

	"evidence.Service.Attach": "mutation", "evidence.Service.Remove": "mutation",
	"evidence.Service.MaxFile": "the service's configured bound",
	"evidence.Service.Handler": "serves GET /files/{id} through Open, a read of the matrix",
}

// serviceTypes are the types whose exported methods the matrix covers: the
// services, and the values of their reads that read further.
var serviceTypes = []any{
	&org.Service{}, &account.Service{}, &assessment.Service{}, &assessment.Results{},
	&plan.Service{}, &gaps.Service{}, &gaps.Memo{}, &evidence.Service{},
}

// TestEveryReadIsInTheMatrix fails when a service gains an exported method
// that is neither a row of the matrix nor listed as no read, and when a
// row names no method.
func TestEveryReadIsInTheMatrix(t *testing.T) {
	methods := map[string]bool{}
	for _, v := range serviceTypes {
		typ := reflect.TypeOf(v)
		name := strings.TrimPrefix(typ.String(), "*")
		for i := range typ.NumMethod() {
			methods[name+"."+typ.Method(i).Name] = true
		}
	}
	inMatrix := map[string]bool{}
	for _, r := range matrix {
		inMatrix[r.method] = true
		if !methods[r.method] {
			t.Errorf("matrix row %s names no exported method of a service type", r.method)
		}
	}
	var missing []string
	for m := range methods {
		_, not := notReads[m]
		switch {
		case inMatrix[m] && not:
			t.Errorf("%s is both a read of the matrix and listed as no read", m)
		case !inMatrix[m] && !not:
			missing = append(missing, m)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s has no row in the read matrix (add one, or list it in notReads with the reason)", m)
	}
	for m := range notReads {
		if !methods[m] {
			t.Errorf("notReads lists %s, which is no exported method of a service type", m)
		}
	}
}

// caller is one column of the matrix.
type caller struct {
	name string
	ctx  context.Context
	// role is held in the police (own) or in the gendarmerie (!own); ""
	// for an anonymous caller.
	role   string
	own    bool
	apiKey bool
}

// expects reports whether c must get the data of a read needing cap.
func (c caller) expects(cap authz.Capability) bool {
	switch {
	case c.role == "":
		return false // anonymous callers see nothing
	case cap == "":
		return false // the row asks for what no caller may see
	case cap == signedIn:
		return true
	case cap == self:
		return !c.apiKey
	case c.role == authz.RoleAdmin || c.own:
		return slices.Contains(readers[cap], c.role)
	default:
		return false // another institution's caller sees nothing of the police
	}
}

// TestReadMatrix calls every read about the police's rows as every role
// of the police, of the gendarmerie, as API keys of each, as ADMIN and
// anonymously: those RULES.md section 4 lets read get data, the others
// nothing at all (empty lists and maps, nil, or UNAUTHENTICATED or
// FORBIDDEN).
func TestReadMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := setup(t, dsn)
		callers := w.callers(t)
		for _, r := range matrix {
			for _, c := range callers {
				got, err := r.call(c.ctx, w)
				want := c.expects(r.cap)
				switch {
				case want && err != nil:
					t.Errorf("%s as %s: %v", r.method, c.name, err)
				case want && empty(reflect.ValueOf(got)):
					t.Errorf("%s as %s: nothing returned, want the police's data", r.method, c.name)
				case !want && err != nil && !errors.Is(err, errs.ErrForbidden) && !errors.Is(err, errs.ErrUnauthenticated):
					t.Errorf("%s as %s: %v, want nothing", r.method, c.name, err)
				case !want && !empty(reflect.ValueOf(got)):
					t.Errorf("%s as %s: returned %s, want nothing", r.method, c.name, show(got))
				}
			}
		}
	})
}

// empty reports whether v holds no data: nil, zero, an empty list, a map
// whose values are all empty, a struct whose fields all are.
func empty(v reflect.Value) bool {
	if !v.IsValid() || v.IsZero() {
		return true
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return empty(v.Elem())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Interface {
			return v.Len() == 0
		}
		for i := range v.Len() {
			if !empty(v.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if !empty(it.Value()) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := range v.NumField() {
			if !empty(v.Field(i)) {
				return false
			}
		}
		return true
	}
	return false
}

func show(v any) string {
	s := fmt.Sprintf("%+v", v)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// setup loads the demo data set, completes it where it lacks a kind of
// row, and gives the gendarmerie a user of every role.
func setup(t *testing.T, dsn string) *world {
	t.Helper()
	ctx := context.Background()
	sys := authz.System(ctx)
	db := storetest.Open(t, dsn)
	guard, err := authz.NewGuard()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	w := &world{db: db, guard: guard,
		org:   &org.Service{DB: db, Guard: guard, Now: clock},
		acc:   &account.Service{DB: db, Guard: guard, TokenTTL: time.Hour, Now: clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil))},
		as:    &assessment.Service{DB: db, Guard: guard, Now: clock},
		plans: &plan.Service{DB: db, Guard: guard, Now: clock},
		flags: &gaps.Service{DB: db, Guard: guard, Now: clock, Config: gaps.DefaultConfig()},
		ev:    &evidence.Service{DB: db, Guard: guard, Now: clock},
	}
	must(t, w.acc.Reload(ctx))
	if _, err := w.as.ImportBundled(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(sys, demo.Services{DB: db, Org: w.org, Account: w.acc, Assessment: w.as, Plans: w.plans, Gaps: w.flags, Evidence: w.ev}); err != nil {
		t.Fatal(err)
	}
	ids := func(query string, args ...any) []int64 {
		t.Helper()
		var out []int64
		if err := db.NewRaw(query, args...).Scan(ctx, &out); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		if len(out) == 0 {
			t.Fatalf("the demo data has no rows for %s", query)
		}
		return out
	}
	w.np = ids(`SELECT id FROM institutions WHERE acronym = 'NP'`)[0]
	w.ng = ids(`SELECT id FROM institutions WHERE acronym = 'NG'`)[0]
	// The demo's plans address findings through objectives only: make an
	// action address one too.
	finding := ids(`SELECT f.id FROM findings AS f JOIN assessments AS a ON a.id = f.assessment_id
		WHERE f.institution_id = ? AND a.status = 'VALIDATED' ORDER BY f.id`, w.np)[0]
	action := ids(`SELECT a.id FROM actions AS a JOIN action_plans AS p ON p.id = a.plan_id WHERE a.institution_id = ? AND p.status = 'ADOPTED' ORDER BY a.id`, w.np)[0]
	if n := ids(`SELECT COUNT(*) FROM action_findings AS l JOIN actions AS a ON a.id = l.action_id WHERE a.institution_id = ?`, w.np)[0]; n == 0 {
		if _, err := db.NewRaw(`INSERT INTO action_findings (action_id, finding_id) VALUES (?, ?)`, action, finding).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	w.planIDs = ids(`SELECT id FROM action_plans WHERE institution_id = ? ORDER BY id`, w.np)
	w.plan = ids(`SELECT id FROM action_plans WHERE institution_id = ? AND status = 'ADOPTED' ORDER BY id`, w.np)[0]
	w.action = action
	w.objectives = ids(`SELECT id FROM objectives WHERE institution_id = ? ORDER BY id`, w.np)
	w.actions = ids(`SELECT id FROM actions WHERE institution_id = ? ORDER BY id`, w.np)
	w.resources = ids(`SELECT id FROM resource_requirements WHERE institution_id = ? ORDER BY id`, w.np)
	w.indicators = ids(`SELECT id FROM indicators WHERE institution_id = ? ORDER BY id`, w.np)
	w.measurements = ids(`SELECT m.id FROM measurements AS m JOIN indicators AS i ON i.id = m.indicator_id WHERE i.institution_id = ? ORDER BY m.id`, w.np)
	w.updates = ids(`SELECT u.id FROM progress_updates AS u JOIN actions AS a ON a.id = u.action_id WHERE a.institution_id = ? ORDER BY u.id`, w.np)
	w.disseminations = ids(`SELECT d.id FROM disseminations AS d JOIN action_plans AS p ON p.id = d.plan_id WHERE p.institution_id = ? ORDER BY d.id`, w.np)
	w.units = ids(`SELECT id FROM units WHERE institution_id = ? ORDER BY id`, w.np)
	w.partners = ids(`SELECT id FROM partners ORDER BY id`)
	// The police's users, who hold roles there only, and the ADMIN, whom
	// only callers who read every institution see.
	w.users = ids(`SELECT DISTINCT user_id FROM role_assignments WHERE institution_id = ? OR role = 'ADMIN' ORDER BY user_id`, w.np)
	w.assessments = ids(`SELECT id FROM assessments WHERE institution_id = ? ORDER BY id`, w.np)
	w.responses = ids(`SELECT r.id FROM responses AS r JOIN assessments AS a ON a.id = r.assessment_id WHERE a.institution_id = ? ORDER BY r.id`, w.np)
	w.findings = ids(`SELECT id FROM findings WHERE institution_id = ? ORDER BY id`, w.np)
	w.responseFiles = ids(`SELECT id FROM evidence_files WHERE institution_id = ? AND response_id IS NOT NULL ORDER BY id`, w.np)
	w.updateFiles = ids(`SELECT id FROM evidence_files WHERE institution_id = ? AND progress_update_id IS NOT NULL ORDER BY id`, w.np)
	w.auditEvent = ids(`SELECT id FROM audit_events WHERE institution_id = ? ORDER BY id`, w.np)[0]
	w.questionnaire = ids(`SELECT questionnaire_id FROM assessments WHERE institution_id = ? ORDER BY id`, w.np)[0]
	q, err := w.as.QuestionnairesByID(sys, []int64{w.questionnaire})
	if err != nil || q[w.questionnaire] == nil {
		t.Fatalf("questionnaire: %v", err)
	}
	w.questionnaireKey = q[w.questionnaire].Key
	w.questionKey = q[w.questionnaire].Areas[0].Questions[0].Key
	fs, err := w.flags.List(sys, gaps.Filter{InstitutionID: &w.np, States: gaps.States}, "en")
	if err != nil || len(fs) == 0 {
		t.Fatalf("police flags: %d, %v", len(fs), err)
	}
	for _, f := range fs {
		w.flagIDs = append(w.flagIDs, f.ID)
	}
	// A user of every role in the gendarmerie.
	for _, role := range authz.Roles[1:] {
		email := "ng-" + strings.ToLower(role) + "@matrix.example.org"
		if _, err := w.acc.AddUser(ctx, email, "Gendarmerie "+role, "a-password-1", role, w.ng); err != nil {
			t.Fatal(err)
		}
	}
	must(t, w.acc.Reload(ctx))
	return w
}

// callers are the matrix's columns: anonymous; ADMIN; every other role in
// the police and in the gendarmerie; a PARTNER and an AUDITOR API key over
// each.
func (w *world) callers(t *testing.T) []caller {
	t.Helper()
	ctx := context.Background()
	user := func(email string) context.Context {
		t.Helper()
		var u store.User
		if err := w.db.NewSelect().Model(&u).Where("email = ?", email).Scan(ctx); err != nil {
			t.Fatalf("user %s: %v", email, err)
		}
		admin, roles := w.guard.Roles(u.ID)
		return auth.WithActor(ctx, &auth.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, Admin: admin, Roles: roles})
	}
	out := []caller{
		{name: "anonymous", ctx: ctx},
		{name: "ADMIN", ctx: user("admin@demo.gendertrack.org"), role: authz.RoleAdmin},
	}
	for _, a := range demo.Accounts {
		if a.Institution == "NP" {
			out = append(out, caller{name: a.Role + " of the police", ctx: user(a.Email), role: a.Role, own: true})
		}
	}
	for _, role := range authz.Roles[1:] {
		out = append(out, caller{name: role + " of the gendarmerie", ctx: user("ng-" + strings.ToLower(role) + "@matrix.example.org"), role: role})
	}
	key := int64(0)
	for _, inst := range []struct {
		id   int64
		own  bool
		name string
	}{{w.np, true, "police"}, {w.ng, false, "gendarmerie"}} {
		for _, role := range []string{authz.RolePartner, authz.RoleAuditor} {
			key++
			a := &auth.Actor{APIKeyID: key, Name: "key", Roles: map[int64][]string{inst.id: {role}}}
			out = append(out, caller{name: role + " API key over the " + inst.name, ctx: auth.WithActor(ctx, a), role: role, own: inst.own, apiKey: true})
		}
	}
	if n := len(out); n != 2+6+6+4 {
		t.Fatalf("%d callers", n)
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCheckingCostsNoStatement: no read costs a caller who reads one
// institution more statements than the ADMIN, for whom nothing is checked:
// the check rides in the statements that load the rows (or spares some).
func TestCheckingCostsNoStatement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := setup(t, dsn)
		var admin, coordinator context.Context
		for _, c := range w.callers(t) {
			switch {
			case c.role == authz.RoleAdmin:
				admin = c.ctx
			case c.role == authz.RoleCoordinator && c.own:
				coordinator = c.ctx
			}
		}
		cost := func(r read, ctx context.Context) int64 {
			before := w.db.Queries()
			if _, err := r.call(ctx, w); err != nil {
				t.Fatalf("%s: %v", r.method, err)
			}
			return w.db.Queries() - before
		}
		for _, r := range matrix {
			cost(r, admin) // warm the caches of questionnaires and flags
			cost(r, coordinator)
			if a, c := cost(r, admin), cost(r, coordinator); c > a {
				t.Errorf("%s: %d statements for the police's COORDINATOR, %d for the ADMIN", r.method, c, a)
			}
		}
	})
}
