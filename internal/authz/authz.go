// Package authz holds the role matrix of RULES.md section 4 as a casbin
// model and policy embedded in the binary, and an Enforcer that answers
// "may this user do this in this institution".
//
// The policy (which role has which capability) is fixed at build time in
// policy.csv; the role assignments (which user holds which role where) come
// from the database and are swapped in as a whole with Enforcer.Load.
//
// Casbin names: subjects are users "u:<id>" or role names, domains are
// institutions "i:<id>", objects are capabilities. An ADMIN assignment is
// made in domain "*" and holds in every institution.
package authz

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"
)

//go:embed model.conf
var modelConf string

//go:embed policy.csv
var policyCSV string

// Capability is one row of the role matrix of RULES.md section 4.
type Capability string

// The capabilities, in the order of the rows of RULES.md section 4.
const (
	// ReadInstitution: read the institution, its units, plans and all below
	// them, flags, assessments' status, completion, scores and findings.
	ReadInstitution Capability = "ReadInstitution"
	// ReadResponses: read assessment responses (answers, comments, evidence).
	ReadResponses Capability = "ReadResponses"
	// ReadAudit: read audit events.
	ReadAudit Capability = "ReadAudit"
	// ManageGlobal: createInstitution, createPartner, importQuestionnaire.
	ManageGlobal Capability = "ManageGlobal"
	// ManageInstitution: updateInstitution, createUnit, updateUnit,
	// createUser, grantRole and revokeRole in the institution (never ADMIN),
	// createApiKey, revokeApiKey.
	ManageInstitution Capability = "ManageInstitution"
	// EditAssessment: createAssessment, saveResponses, submitAssessment,
	// addFinding.
	EditAssessment Capability = "EditAssessment"
	// ValidateAssessment: validateAssessment, reopenAssessment.
	ValidateAssessment Capability = "ValidateAssessment"
	// EditPlan: create and update plans, objectives, actions, resources,
	// indicators; recordDissemination.
	EditPlan Capability = "EditPlan"
	// AdoptPlan: adoptActionPlan, closeActionPlan.
	AdoptPlan Capability = "AdoptPlan"
	// RecordProgress: recordProgress, recordMeasurement.
	RecordProgress Capability = "RecordProgress"
	// ResponseEvidence: attachEvidence and removeEvidence on a Response.
	ResponseEvidence Capability = "ResponseEvidence"
	// UpdateEvidence: attachEvidence and removeEvidence on a ProgressUpdate.
	UpdateEvidence Capability = "UpdateEvidence"
	// RaiseFlag: raiseGapFlag.
	RaiseFlag Capability = "RaiseFlag"
	// SetFlagState: setGapFlagState.
	SetFlagState Capability = "SetFlagState"
)

// Capabilities lists every capability in the order of RULES.md section 4.
var Capabilities = []Capability{
	ReadInstitution, ReadResponses, ReadAudit, ManageGlobal, ManageInstitution,
	EditAssessment, ValidateAssessment, EditPlan, AdoptPlan, RecordProgress,
	ResponseEvidence, UpdateEvidence, RaiseFlag, SetFlagState,
}

// The roles of the schema's Role enum.
const (
	RoleAdmin           = "ADMIN"
	RoleCoordinator     = "COORDINATOR"
	RoleCommitteeMember = "COMMITTEE_MEMBER"
	RoleFocalPoint      = "FOCAL_POINT"
	RoleLeadership      = "LEADERSHIP"
	RolePartner         = "PARTNER"
	RoleAuditor         = "AUDITOR"
)

// Roles lists every role in the order of the schema's Role enum.
var Roles = []string{
	RoleAdmin, RoleCoordinator, RoleCommitteeMember, RoleFocalPoint,
	RoleLeadership, RolePartner, RoleAuditor,
}

// Operations maps every mutation of the contract schema except login and
// logout to the capability it needs.
//
// Notes for the services:
//   - createUser: users are global objects, but a COORDINATOR creates them
//     for its institution, so the service checks ManageInstitution against
//     an institution given by context (e.g. the institution of the role
//     granted next, or one the caller coordinates); ADMIN passes anywhere.
//   - grantRole/revokeRole: ManageInstitution in the input's institution;
//     granting or revoking ADMIN (institutionId null) is never a
//     COORDINATOR's right, so the service checks it as ManageGlobal.
//   - createApiKey: ManageInstitution in every listed institution.
//   - Operations in GlobalOperations are checked with institution 0.
//   - attachEvidence/removeEvidence: the capability depends on what the
//     file is (to be) attached to; Operations names the one for a
//     Response, EvidenceOperations both.
var Operations = map[string]Capability{
	"createUser":   ManageInstitution, // institution from context, see above
	"grantRole":    ManageInstitution,
	"revokeRole":   ManageInstitution,
	"createApiKey": ManageInstitution,
	"revokeApiKey": ManageInstitution,

	"createInstitution": ManageGlobal,
	"updateInstitution": ManageInstitution,
	"createUnit":        ManageInstitution,
	"updateUnit":        ManageInstitution,
	"createPartner":     ManageGlobal,

	"importQuestionnaire": ManageGlobal,

	"createAssessment":   EditAssessment,
	"saveResponses":      EditAssessment,
	"submitAssessment":   EditAssessment,
	"validateAssessment": ValidateAssessment,
	"reopenAssessment":   ValidateAssessment,
	"addFinding":         EditAssessment,

	"createActionPlan":          EditPlan,
	"updateActionPlan":          EditPlan,
	"adoptActionPlan":           AdoptPlan,
	"closeActionPlan":           AdoptPlan,
	"createObjective":           EditPlan,
	"updateObjective":           EditPlan,
	"createAction":              EditPlan,
	"updateAction":              EditPlan,
	"recordProgress":            RecordProgress,
	"addResourceRequirement":    EditPlan,
	"updateResourceRequirement": EditPlan,
	"createIndicator":           EditPlan,
	"updateIndicator":           EditPlan,
	"recordMeasurement":         RecordProgress,
	"recordDissemination":       EditPlan,
	"attachEvidence":            ResponseEvidence, // on a ProgressUpdate: UpdateEvidence
	"removeEvidence":            ResponseEvidence, // on a ProgressUpdate: UpdateEvidence

	"raiseGapFlag":    RaiseFlag,
	"setGapFlagState": SetFlagState,
}

// EvidenceOperations are the mutations whose capability depends on the
// kind of object they touch (a GraphQL type name), as the two evidence
// rows of RULES.md section 4 say.
var EvidenceOperations = map[string]map[string]Capability{
	"attachEvidence": {"Response": ResponseEvidence, "ProgressUpdate": UpdateEvidence},
	"removeEvidence": {"Response": ResponseEvidence, "ProgressUpdate": UpdateEvidence},
}

// GlobalOperations are the mutations that are not scoped to an
// institution; check them with Can(userID, 0, Operations[name]).
var GlobalOperations = map[string]bool{
	"createInstitution":   true,
	"createPartner":       true,
	"importQuestionnaire": true,
}

// Assignment is one role held by one user: in one institution, or, for
// ADMIN, in all of them (InstitutionID 0).
type Assignment struct {
	UserID        int64
	Role          string
	InstitutionID int64 // 0 for ADMIN
}

// Enforcer answers authorization questions. It is safe for concurrent use:
// Load builds a fresh casbin enforcer and swaps it in atomically, so a
// reader sees either all the old assignments or all the new ones.
type Enforcer struct {
	loadMu sync.Mutex // serialises Load so the last call wins
	cur    atomic.Pointer[generation]
}

// generation is one casbin enforcer, never changed once published, with a
// memo of its answers (a casbin evaluation walks every policy line and
// costs tens of microseconds; a memo hit costs a map lookup). The memo is
// dropped with its generation on the next Load, and bounded in size.
type generation struct {
	ce    *casbin.SyncedEnforcer
	memo  sync.Map // memoKey → bool
	memoN atomic.Int64
}

// maxMemo bounds the memo of one generation (each entry is ~100 bytes);
// a variable so tests can lower it.
var maxMemo int64 = 100_000

type memoKey struct {
	user, inst int64
	role       string // set for CanRole, empty for Can
	c          Capability
}

func (g *generation) enforce(k memoKey) bool {
	if v, ok := g.memo.Load(k); ok {
		return v.(bool)
	}
	sub, dom := k.role, "*"
	if k.role == "" {
		sub, dom = subject(k.user), domain(k.inst)
	}
	ok, err := g.ce.Enforce(sub, dom, string(k.c))
	ok = ok && err == nil
	if err == nil && g.memoN.Load() < maxMemo {
		if _, loaded := g.memo.LoadOrStore(k, ok); !loaded {
			g.memoN.Add(1)
		}
	}
	return ok
}

// New returns an Enforcer with the embedded policy and no assignments.
func New() (*Enforcer, error) {
	g, err := build(nil)
	if err != nil {
		return nil, err
	}
	e := &Enforcer{}
	e.cur.Store(g)
	return e, nil
}

// Load replaces all role assignments with the given ones. It is atomic:
// on error nothing changes. Every assignment must name a known role and a
// positive user ID; ADMIN must have InstitutionID 0 and every other role a
// positive one. Duplicates are allowed.
func (e *Enforcer) Load(assignments []Assignment) error {
	e.loadMu.Lock()
	defer e.loadMu.Unlock()
	g, err := build(assignments)
	if err != nil {
		return err
	}
	e.cur.Store(g)
	return nil
}

// Can reports whether user userID holds, in institution institutionID, a
// role that has capability c. ADMIN has every capability everywhere. For
// GlobalOperations pass institutionID 0: only ADMIN matches it.
func (e *Enforcer) Can(userID int64, institutionID int64, c Capability) bool {
	if userID <= 0 {
		return false
	}
	return e.cur.Load().enforce(memoKey{user: userID, inst: institutionID, c: c})
}

// CanRole reports whether role has capability c (for API keys, which act
// with one role over their listed institutions). Unknown roles have none.
func (e *Enforcer) CanRole(role string, c Capability) bool {
	if !slices.Contains(Roles, role) {
		return false
	}
	return e.cur.Load().enforce(memoKey{role: role, c: c})
}

// RolesAllowed returns the roles that have capability c, in the order of
// Roles; nil for an unknown capability.
func (e *Enforcer) RolesAllowed(c Capability) []string {
	var out []string
	for _, r := range Roles {
		if e.CanRole(r, c) {
			out = append(out, r)
		}
	}
	return out
}

func subject(userID int64) string { return "u:" + strconv.FormatInt(userID, 10) }

func domain(institutionID int64) string { return "i:" + strconv.FormatInt(institutionID, 10) }

// build makes a casbin enforcer with the embedded model and policy and the
// given assignments as grouping policies.
func build(assignments []Assignment) (*generation, error) {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("authz: model: %w", err)
	}
	ce, err := casbin.NewSyncedEnforcer(m, stringadapter.NewAdapter(policyCSV))
	if err != nil {
		return nil, fmt.Errorf("authz: policy: %w", err)
	}
	ce.EnableAutoSave(false) // the string adapter is read-only
	if err := checkPolicy(ce); err != nil {
		return nil, err
	}

	rules := make([][]string, 0, len(assignments))
	seen := make(map[[3]string]bool, len(assignments))
	var errs []error
	for _, a := range assignments {
		rule, err := groupingRule(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if k := [3]string(rule); !seen[k] {
			seen[k] = true
			rules = append(rules, rule)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(rules) > 0 {
		if _, err := ce.AddGroupingPolicies(rules); err != nil {
			return nil, fmt.Errorf("authz: loading assignments: %w", err)
		}
	}
	return &generation{ce: ce}, nil
}

func groupingRule(a Assignment) ([]string, error) {
	if a.UserID <= 0 {
		return nil, fmt.Errorf("authz: assignment %+v: user ID must be positive", a)
	}
	switch {
	case a.Role == RoleAdmin:
		if a.InstitutionID != 0 {
			return nil, fmt.Errorf("authz: assignment %+v: ADMIN is held in every institution, its institution ID must be 0", a)
		}
		return []string{subject(a.UserID), RoleAdmin, "*"}, nil
	case slices.Contains(Roles, a.Role):
		if a.InstitutionID <= 0 {
			return nil, fmt.Errorf("authz: assignment %+v: role %s needs an institution", a, a.Role)
		}
		return []string{subject(a.UserID), a.Role, domain(a.InstitutionID)}, nil
	default:
		return nil, fmt.Errorf("authz: assignment %+v: unknown role %q", a, a.Role)
	}
}

// checkPolicy verifies that casbin loaded every line of policy.csv (the
// string adapter skips lines it cannot parse) and that each names a known
// role, domain "*" and a known capability.
func checkPolicy(ce *casbin.SyncedEnforcer) error {
	want := 0
	for line := range strings.SplitSeq(policyCSV, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			want++
		}
	}
	got, err := ce.GetPolicy()
	if err != nil {
		return fmt.Errorf("authz: policy: %w", err)
	}
	if len(got) != want {
		return fmt.Errorf("authz: policy.csv has %d rules but %d were loaded", want, len(got))
	}
	for _, p := range got {
		if len(p) != 3 || !slices.Contains(Roles, p[0]) || p[1] != "*" || !slices.Contains(Capabilities, Capability(p[2])) {
			return fmt.Errorf("authz: policy.csv: bad rule %v", p)
		}
	}
	return nil
}
