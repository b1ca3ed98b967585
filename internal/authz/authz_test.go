package authz

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// matrix is RULES.md section 4, transcribed by hand (not derived from
// policy.csv). Columns: ADMIN COORDINATOR COMMITTEE_MEMBER FOCAL_POINT
// LEADERSHIP PARTNER AUDITOR.
var matrixColumns = []string{"ADMIN", "COORDINATOR", "COMMITTEE_MEMBER", "FOCAL_POINT", "LEADERSHIP", "PARTNER", "AUDITOR"}

const Y, N = true, false

var matrix = []struct {
	c    Capability
	name string
	row  [7]bool
}{
	{ReadInstitution, "ReadInstitution", [7]bool{Y, Y, Y, Y, Y, Y, Y}},
	{ReadResponses, "ReadResponses", [7]bool{Y, Y, Y, Y, Y, N, Y}},
	{ReadAudit, "ReadAudit", [7]bool{Y, Y, N, N, N, N, Y}},
	{ManageGlobal, "ManageGlobal", [7]bool{Y, N, N, N, N, N, N}},
	{ManageInstitution, "ManageInstitution", [7]bool{Y, Y, N, N, N, N, N}},
	{EditAssessment, "EditAssessment", [7]bool{Y, Y, Y, N, N, N, N}},
	{ValidateAssessment, "ValidateAssessment", [7]bool{Y, N, N, N, Y, N, N}},
	{EditPlan, "EditPlan", [7]bool{Y, Y, Y, N, N, N, N}},
	{AdoptPlan, "AdoptPlan", [7]bool{Y, N, N, N, Y, N, N}},
	{RecordProgress, "RecordProgress", [7]bool{Y, Y, Y, Y, N, N, N}},
	{ResponseEvidence, "ResponseEvidence", [7]bool{Y, Y, Y, N, N, N, N}},
	{UpdateEvidence, "UpdateEvidence", [7]bool{Y, Y, Y, Y, N, N, N}},
	{RaiseFlag, "RaiseFlag", [7]bool{Y, Y, Y, Y, Y, N, N}},
	{SetFlagState, "SetFlagState", [7]bool{Y, Y, Y, N, Y, N, N}},
}

// mutations is type Mutation of the contract schema, transcribed by hand,
// with the capability RULES.md section 4 gives each.
var mutations = map[string]Capability{
	"createUser": ManageInstitution, "grantRole": ManageInstitution, "revokeRole": ManageInstitution,
	"createApiKey": ManageInstitution, "revokeApiKey": ManageInstitution,
	"createInstitution": ManageGlobal, "updateInstitution": ManageInstitution,
	"createUnit": ManageInstitution, "updateUnit": ManageInstitution, "createPartner": ManageGlobal,
	"importQuestionnaire": ManageGlobal,
	"createAssessment":    EditAssessment, "saveResponses": EditAssessment, "submitAssessment": EditAssessment,
	"validateAssessment": ValidateAssessment, "reopenAssessment": ValidateAssessment, "addFinding": EditAssessment,
	"createActionPlan": EditPlan, "updateActionPlan": EditPlan,
	"adoptActionPlan": AdoptPlan, "closeActionPlan": AdoptPlan,
	"createObjective": EditPlan, "updateObjective": EditPlan, "createAction": EditPlan, "updateAction": EditPlan,
	"recordProgress":         RecordProgress,
	"addResourceRequirement": EditPlan, "updateResourceRequirement": EditPlan, "createIndicator": EditPlan, "updateIndicator": EditPlan,
	"recordMeasurement":   RecordProgress,
	"recordDissemination": EditPlan,
	"attachEvidence":      ResponseEvidence, "removeEvidence": ResponseEvidence,
	"raiseGapFlag": RaiseFlag, "setGapFlagState": SetFlagState,
}

func newEnforcer(t testing.TB, as ...Assignment) *Enforcer {
	t.Helper()
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Load(as); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestConstants(t *testing.T) {
	if !slices.Equal(Roles, matrixColumns) {
		t.Errorf("Roles = %v, want %v", Roles, matrixColumns)
	}
	if len(Capabilities) != len(matrix) {
		t.Fatalf("%d capabilities, RULES.md has %d rows", len(Capabilities), len(matrix))
	}
	for i, row := range matrix {
		if Capabilities[i] != row.c || string(row.c) != row.name {
			t.Errorf("capability %d = %q, want %q", i, Capabilities[i], row.name)
		}
	}
}

// TestRoleMatrix checks every role × capability with CanRole, with a user
// holding the role in an institution, and RolesAllowed.
func TestRoleMatrix(t *testing.T) {
	var as []Assignment
	for i, role := range matrixColumns {
		uid := int64(100 + i)
		if role == RoleAdmin {
			as = append(as, Assignment{UserID: uid, Role: role})
		} else {
			as = append(as, Assignment{UserID: uid, Role: role, InstitutionID: 1})
		}
	}
	e := newEnforcer(t, as...)
	for _, row := range matrix {
		var want []string
		for i, role := range matrixColumns {
			uid := int64(100 + i)
			if got := e.CanRole(role, row.c); got != row.row[i] {
				t.Errorf("CanRole(%s, %s) = %v, want %v", role, row.c, got, row.row[i])
			}
			if got := e.Can(uid, 1, row.c); got != row.row[i] {
				t.Errorf("Can(%s in 1, %s) = %v, want %v", role, row.c, got, row.row[i])
			}
			if got := e.Can(uid, 2, row.c); got != (role == RoleAdmin) {
				t.Errorf("Can(%s of 1 in 2, %s) = %v, want %v", role, row.c, got, role == RoleAdmin)
			}
			if row.row[i] {
				want = append(want, role)
			}
		}
		if got := e.RolesAllowed(row.c); !slices.Equal(got, want) {
			t.Errorf("RolesAllowed(%s) = %v, want %v", row.c, got, want)
		}
	}
}

func TestUnknowns(t *testing.T) {
	e := newEnforcer(t, Assignment{UserID: 1, Role: RoleAdmin}, Assignment{UserID: 2, Role: RoleCoordinator, InstitutionID: 1})
	if e.Can(1, 1, Capability("Nonsense")) || e.CanRole(RoleAdmin, "Nonsense") {
		t.Error("an unknown capability is granted")
	}
	if got := e.RolesAllowed("Nonsense"); got != nil {
		t.Errorf("RolesAllowed(unknown) = %v, want nil", got)
	}
	if e.CanRole("SUPERUSER", ReadInstitution) || e.CanRole("", ReadInstitution) || e.CanRole("*", ReadInstitution) {
		t.Error("an unknown role is granted")
	}
	// A user subject must not pass as a role.
	if e.CanRole("u:1", ReadInstitution) {
		t.Error("CanRole accepts a user subject")
	}
	if e.Can(0, 1, ReadInstitution) || e.Can(-1, 1, ReadInstitution) || e.Can(99, 1, ReadInstitution) {
		t.Error("an unknown user is granted")
	}
}

func TestInstitutionScoping(t *testing.T) {
	e := newEnforcer(t,
		Assignment{UserID: 1, Role: RoleCoordinator, InstitutionID: 1},
		Assignment{UserID: 1, Role: RolePartner, InstitutionID: 2},
		Assignment{UserID: 2, Role: RoleAdmin},
	)
	tests := []struct {
		user, inst int64
		c          Capability
		want       bool
	}{
		{1, 1, ManageInstitution, true},
		{1, 1, ReadResponses, true},
		{1, 2, ManageInstitution, false}, // COORDINATOR of 1 only
		{1, 2, ReadInstitution, true},    // PARTNER in 2
		{1, 2, ReadResponses, false},     // PARTNER never reads responses
		{1, 3, ReadInstitution, false},   // no role in 3
		{1, 0, ManageGlobal, false},
		{1, 0, ReadInstitution, false},
		{2, 1, ManageInstitution, true},
		{2, 999, SetFlagState, true},
		{2, 0, ManageGlobal, true},
	}
	for _, tt := range tests {
		if got := e.Can(tt.user, tt.inst, tt.c); got != tt.want {
			t.Errorf("Can(u%d, i%d, %s) = %v, want %v", tt.user, tt.inst, tt.c, got, tt.want)
		}
	}
	// Global operations: only ADMIN, checked with institution 0.
	for op := range GlobalOperations {
		if !e.Can(2, 0, Operations[op]) || e.Can(1, 0, Operations[op]) || e.Can(1, 1, Operations[op]) {
			t.Errorf("global operation %s not ADMIN-only", op)
		}
	}
}

func TestLoadReplaces(t *testing.T) {
	e := newEnforcer(t,
		Assignment{UserID: 1, Role: RoleCoordinator, InstitutionID: 1},
		Assignment{UserID: 2, Role: RoleAdmin},
		Assignment{UserID: 3, Role: RoleFocalPoint, InstitutionID: 1},
	)
	if !e.Can(1, 1, EditPlan) || !e.Can(2, 5, ManageGlobal) || !e.Can(3, 1, RecordProgress) {
		t.Fatal("initial assignments not in force")
	}
	// Revoke user 1's COORDINATOR and user 2's ADMIN; give user 1 LEADERSHIP in 2.
	if err := e.Load([]Assignment{
		{UserID: 3, Role: RoleFocalPoint, InstitutionID: 1},
		{UserID: 1, Role: RoleLeadership, InstitutionID: 2},
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		user, inst int64
		c          Capability
		want       bool
	}{
		{1, 1, EditPlan, false},
		{1, 1, ReadInstitution, false},
		{1, 2, AdoptPlan, true},
		{2, 5, ManageGlobal, false},
		{2, 5, ReadInstitution, false},
		{3, 1, RecordProgress, true},
	}
	for _, tt := range tests {
		if got := e.Can(tt.user, tt.inst, tt.c); got != tt.want {
			t.Errorf("after reload Can(u%d, i%d, %s) = %v, want %v", tt.user, tt.inst, tt.c, got, tt.want)
		}
	}
	// Empty load revokes everything but keeps the policy.
	if err := e.Load(nil); err != nil {
		t.Fatal(err)
	}
	if e.Can(3, 1, RecordProgress) {
		t.Error("empty Load kept an assignment")
	}
	if !e.CanRole(RoleFocalPoint, RecordProgress) {
		t.Error("empty Load dropped the policy")
	}
}

func TestLoadDuplicates(t *testing.T) {
	e := newEnforcer(t,
		Assignment{UserID: 1, Role: RoleAuditor, InstitutionID: 1},
		Assignment{UserID: 1, Role: RoleAuditor, InstitutionID: 1},
		Assignment{UserID: 1, Role: RoleAuditor, InstitutionID: 2},
	)
	if !e.Can(1, 1, ReadAudit) || !e.Can(1, 2, ReadAudit) {
		t.Fatal("duplicate assignments lost")
	}
}

func TestLoadRejectsBadAssignments(t *testing.T) {
	bad := []Assignment{
		{UserID: 1, Role: "SUPERUSER", InstitutionID: 1},
		{UserID: 1, Role: RoleAdmin, InstitutionID: 3},
		{UserID: 1, Role: RoleCoordinator, InstitutionID: 0},
		{UserID: 0, Role: RoleCoordinator, InstitutionID: 1},
		{UserID: 1, Role: "admin"},
	}
	for _, b := range bad {
		e := newEnforcer(t, Assignment{UserID: 9, Role: RoleCoordinator, InstitutionID: 1})
		err := e.Load([]Assignment{{UserID: 8, Role: RoleAuditor, InstitutionID: 1}, b})
		if err == nil {
			t.Errorf("Load accepted %+v", b)
			continue
		}
		// Atomic: the old assignments stay, none of the new ones is in.
		if !e.Can(9, 1, ManageInstitution) || e.Can(8, 1, ReadAudit) {
			t.Errorf("failed Load of %+v changed the assignments", b)
		}
	}
}

func TestOperations(t *testing.T) {
	if len(Operations) != 36 {
		t.Errorf("%d operations, the schema has 36 mutations besides login and logout", len(Operations))
	}
	for op, byKind := range EvidenceOperations {
		if Operations[op] != byKind["Response"] || byKind["ProgressUpdate"] != UpdateEvidence || len(byKind) != 2 {
			t.Errorf("EvidenceOperations[%q] = %v", op, byKind)
		}
	}
	for op, want := range mutations {
		if got, ok := Operations[op]; !ok || got != want {
			t.Errorf("Operations[%q] = %q, want %q", op, got, want)
		}
	}
	for op := range Operations {
		if _, ok := mutations[op]; !ok {
			t.Errorf("Operations has %q, not a mutation of the schema", op)
		}
	}
	var global []string
	for op, ok := range GlobalOperations {
		if ok {
			global = append(global, op)
		}
		if Operations[op] != ManageGlobal {
			t.Errorf("global operation %q maps to %q", op, Operations[op])
		}
	}
	sort.Strings(global)
	if want := []string{"createInstitution", "createPartner", "importQuestionnaire"}; !slices.Equal(global, want) {
		t.Errorf("GlobalOperations = %v, want %v", global, want)
	}
	for op, c := range Operations {
		if c == ManageGlobal && !GlobalOperations[op] {
			t.Errorf("%q needs ManageGlobal but is not in GlobalOperations", op)
		}
		if !slices.Contains(Capabilities, c) {
			t.Errorf("%q maps to unknown capability %q", op, c)
		}
	}
}

// TestOperationsMatchSchema cross-checks Operations against GraphQL schema
// files: every mutation of the repository's graph/ schema (which may still
// be partial) must have a capability; and when GENDERTRACK_CONTRACT_SCHEMA
// names the full contract schema, Operations must hold exactly its
// mutations besides login and logout.
func TestOperationsMatchSchema(t *testing.T) {
	var files []string
	contract := os.Getenv("GENDERTRACK_CONTRACT_SCHEMA")
	if contract != "" {
		files = append(files, contract)
	}
	for _, pat := range []string{"../../graph/*.graphql*", "../../graph/*/*.graphql*", "../../graph/*/*/*.graphql*"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	blockRE := regexp.MustCompile(`(?s)(?:extend\s+)?type\s+Mutation\s*\{(.*?)\}`)
	fieldRE := regexp.MustCompile(`(?m)^\s*([A-Za-z_][A-Za-z0-9_]*)\s*[(:]`)
	found := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, blk := range blockRE.FindAllStringSubmatch(string(b), -1) {
			// Drop descriptions and comments before reading field names.
			body := regexp.MustCompile(`(?s)"""(.*?)"""|"[^"\n]*"|#[^\n]*`).ReplaceAllString(blk[1], "")
			for _, m := range fieldRE.FindAllStringSubmatch(body, -1) {
				found[m[1]] = true
			}
		}
	}
	if len(found) == 0 {
		t.Skip("no schema with type Mutation found; set GENDERTRACK_CONTRACT_SCHEMA to check")
	}
	for op := range found {
		if op == "login" || op == "logout" {
			continue
		}
		if _, ok := Operations[op]; !ok {
			t.Errorf("mutation %q of the schema has no capability", op)
		}
	}
	if contract == "" {
		return
	}
	for op := range Operations {
		if !found[op] {
			t.Errorf("Operations has %q, which the contract schema lacks", op)
		}
	}
}

func TestPolicyFileIsTheMatrix(t *testing.T) {
	// policy.csv has exactly the yes cells of the matrix, and only "*" domains.
	want := map[string]bool{}
	for _, row := range matrix {
		for i, ok := range row.row {
			if ok {
				want[fmt.Sprintf("%s,*,%s", matrixColumns[i], row.c)] = true
			}
		}
	}
	got := map[string]bool{}
	for line := range strings.SplitSeq(policyCSV, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if len(f) != 4 || f[0] != "p" {
			t.Fatalf("bad policy line %q", line)
		}
		k := strings.Join(f[1:], ",")
		if got[k] {
			t.Errorf("duplicate policy line %q", line)
		}
		got[k] = true
	}
	for k := range want {
		if !got[k] {
			t.Errorf("policy.csv lacks %s", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("policy.csv grants %s, which RULES.md does not", k)
		}
	}
}

func TestMemoBound(t *testing.T) {
	saved := maxMemo
	defer func() { maxMemo = saved }()
	maxMemo = 10
	e := newEnforcer(t, Assignment{UserID: 1, Role: RoleCoordinator, InstitutionID: 3})
	for round := range 2 { // second round: answers from the memo or, past the bound, from casbin
		for inst := int64(1); inst <= 5; inst++ {
			for _, row := range matrix {
				want := inst == 3 && row.row[1]
				if got := e.Can(1, inst, row.c); got != want {
					t.Fatalf("round %d: Can(u1, i%d, %s) = %v, want %v", round, inst, row.c, got, want)
				}
			}
		}
	}
	if n := e.cur.Load().memoN.Load(); n > 10 {
		t.Fatalf("memo holds %d entries, bound is 10", n)
	}
}

func TestConcurrentCanAndLoad(t *testing.T) {
	e := newEnforcer(t, Assignment{UserID: 1, Role: RoleAdmin})
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for g := range 8 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				inst := int64(i%5 + 1)
				c := Capabilities[(i+g)%len(Capabilities)]
				// User 1 is ADMIN in every generation of the assignments.
				if !e.Can(1, inst, c) {
					t.Errorf("ADMIN denied %s in %d during reload", c, inst)
					return
				}
				_ = e.Can(int64(i%20+2), inst, c)
				_ = e.CanRole(Roles[i%len(Roles)], c)
				_ = e.RolesAllowed(c)
			}
		}()
	}
	var writers sync.WaitGroup
	for w := range 2 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for n := range 25 {
				as := []Assignment{{UserID: 1, Role: RoleAdmin}}
				for u := range 20 {
					as = append(as, Assignment{
						UserID:        int64(u + 2),
						Role:          Roles[1+(u+n+w)%(len(Roles)-1)],
						InstitutionID: int64((u+n)%5 + 1),
					})
				}
				if err := e.Load(as); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	writers.Wait()
	close(stop)
	readers.Wait()
}

func BenchmarkCan(b *testing.B) {
	var as []Assignment
	for u := range 1000 {
		as = append(as, Assignment{UserID: int64(u + 1), Role: Roles[1+u%(len(Roles)-1)], InstitutionID: int64(u%50 + 1)})
	}
	e := newEnforcer(b, as...)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e.Can(int64(i%1000+1), int64(i%50+1), Capabilities[i%len(Capabilities)])
	}
}
