package gaps

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// fx is a database with rows inserted directly through bun, and the gaps
// service over it with a settable clock.
type fx struct {
	t     testing.TB
	ctx   context.Context // acting as the system
	db    *store.DB
	svc   *Service
	guard *authz.Guard

	mu     sync.Mutex
	now    time.Time
	seq    int
	assign []authz.Assignment
}

// today of every fixture unless a test moves the clock.
var fxNow = time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)

func newFx(t testing.TB, dsn string) *fx {
	t.Helper()
	db := storetest.Open(t, dsn)
	g, err := authz.NewGuard()
	if err != nil {
		t.Fatal(err)
	}
	f := &fx{t: t, ctx: authz.System(context.Background()), db: db, guard: g, now: fxNow}
	f.svc = &Service{DB: db, Guard: g, Now: f.clock, Config: DefaultConfig()}
	return f
}

func (f *fx) clock() time.Time   { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fx) setNow(t time.Time) { f.mu.Lock(); defer f.mu.Unlock(); f.now = t }

// day is today plus n days, as a stored date.
func (f *fx) day(n int) string { return store.FormatDate(f.clock().AddDate(0, 0, n)) }

func (f *fx) insert(model any) {
	f.t.Helper()
	if _, err := f.db.NewInsert().Model(model).Returning("id").Exec(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fx) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.db.NewRaw(q, args...).Exec(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fx) name(prefix string) string { f.seq++; return fmt.Sprintf("%s %d", prefix, f.seq) }

func (f *fx) institution() int64 {
	now := f.clock()
	i := &store.Institution{Name: f.name("Institution"), Sector: "POLICE", Country: "ML", Version: 1, CreatedAt: now, UpdatedAt: now}
	f.insert(i)
	return i.ID
}

func (f *fx) user() int64 {
	u := &store.User{Email: f.name("user") + "@example.org", Name: "User", PasswordHash: "x", Version: 1, CreatedAt: f.clock()}
	f.insert(u)
	return u.ID
}

// unit makes a unit; focal: whether it has a gender focal point.
func (f *fx) unit(inst int64, focal bool) int64 {
	now := f.clock()
	u := &store.Unit{InstitutionID: inst, Name: f.name("Unit"), Kind: "DIRECTORATE", Version: 1, CreatedAt: now, UpdatedAt: now}
	if focal {
		fp := "Focal Point"
		u.GenderFocalPoint = &fp
	}
	f.insert(u)
	return u.ID
}

// plan makes a plan from 100 days ago to 100 days ahead; ADOPTED ones were
// adopted now.
func (f *fx) plan(inst int64, status string) int64 {
	now := f.clock()
	p := &store.ActionPlan{InstitutionID: inst, Title: f.name("Plan"), StartDate: f.day(-100), EndDate: f.day(100), Status: status,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	if status != plan.PlanStateDraft {
		p.AdoptedAt = &now
	}
	f.insert(p)
	return p.ID
}

func (f *fx) planRow(id int64) *store.ActionPlan {
	var p store.ActionPlan
	if err := f.db.NewSelect().Model(&p).Where("id = ?", id).Scan(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	return &p
}

func (f *fx) objective(planID int64) int64 {
	now := f.clock()
	p := f.planRow(planID)
	o := &store.Objective{PlanID: planID, InstitutionID: p.InstitutionID, Title: f.name("Objective"), Version: 1, CreatedAt: now, UpdatedAt: now}
	f.insert(o)
	return o.ID
}

// act describes an action to make; zero values give a NOT_STARTED
// OTHER action with no lead unit, no objective and no dates.
type act struct {
	objective *int64
	kind      string
	lead      *int64
	status    string
	start     *string
	due       *string
	progress  int
}

func (f *fx) action(planID int64, a act) int64 {
	now := f.clock()
	p := f.planRow(planID)
	if a.kind == "" {
		a.kind = "OTHER"
	}
	if a.status == "" {
		a.status = plan.ActionStatusNotStarted
	}
	row := &store.Action{PlanID: planID, InstitutionID: p.InstitutionID, ObjectiveID: a.objective, Title: f.name("Action"), Kind: a.kind,
		LeadUnitID: a.lead, StartDate: a.start, DueDate: a.due, Status: a.status, ProgressPercent: a.progress,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	f.insert(row)
	return row.ID
}

// resource adds a PERSONNEL requirement of 10 with secured given.
func (f *fx) resource(actionID int64, secured float64) int64 {
	now := f.clock()
	var a store.Action
	if err := f.db.NewSelect().Model(&a).Where("id = ?", actionID).Scan(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	req := 10.0
	r := &store.ResourceRequirement{ActionID: actionID, PlanID: a.PlanID, InstitutionID: a.InstitutionID, Kind: "PERSONNEL",
		Description: f.name("Resource"), QuantityRequired: &req, QuantitySecured: &secured,
		FundingStatus: plan.FundingStatusQuantity(&req, &secured), Version: 1, CreatedAt: now, UpdatedAt: now}
	f.insert(r)
	return r.ID
}

// ind describes an indicator; exactly one of objective and action.
type ind struct {
	objective, action *int64
	level             string
	baseline          *float64
	target            float64
	baselineDate      *string
	targetDate        *string
	countsPeople      bool
}

func (f *fx) indicator(planID int64, i ind) int64 {
	now := f.clock()
	p := f.planRow(planID)
	if i.level == "" {
		i.level = "OUTPUT"
	}
	row := &store.Indicator{PlanID: planID, InstitutionID: p.InstitutionID, ObjectiveID: i.objective, ActionID: i.action,
		Name: f.name("Indicator"), Level: i.level, Baseline: i.baseline, Target: i.target, BaselineDate: i.baselineDate,
		TargetDate: i.targetDate, CountsPeople: i.countsPeople, Aggregation: "SUM", Version: 1, CreatedAt: now, UpdatedAt: now}
	f.insert(row)
	return row.ID
}

// dimension gives an indicator a dimension of a fixed kind.
func (f *fx) dimension(indicatorID int64, kind, key string, ordinal int) {
	f.insert(&store.IndicatorDimension{IndicatorID: indicatorID, Ordinal: ordinal, Kind: kind, Key: key})
}

func (f *fx) measure(indicatorID int64, value float64, on string) {
	f.insert(&store.Measurement{IndicatorID: indicatorID, Value: value, MeasuredOn: on, CreatedAt: f.clock()})
	f.exec("UPDATE indicators SET latest_value = ?, latest_measured_on = ? WHERE id = ?", value, on, indicatorID)
}

func (f *fx) progressAt(actionID int64, at time.Time) {
	f.insert(&store.ProgressUpdate{ActionID: actionID, CreatedAt: at, Status: plan.ActionStatusInProgress, ProgressPercent: 10})
}

func (f *fx) disseminate(planID, unitID int64) {
	f.insert(&store.Dissemination{PlanID: planID, UnitID: unitID, Date: f.day(0), Method: "BRIEFING", CreatedAt: f.clock()})
}

// assessment makes an assessment in status, validated at the given time
// when VALIDATED.
func (f *fx) assessment(inst int64, status string, validatedAt time.Time) int64 {
	now := f.clock()
	var qid int64
	err := f.db.NewSelect().Table("questionnaires").Column("id").Limit(1).Scan(context.Background(), &qid)
	if err != nil {
		q := &store.Questionnaire{Key: "test", Version: 1, DefaultLanguage: "en", Document: "{}", CreatedAt: now}
		f.insert(q)
		qid = q.ID
	}
	a := &store.Assessment{InstitutionID: inst, QuestionnaireID: qid, Title: f.name("Assessment"), StartDate: f.day(-30), Status: status,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	if status == "VALIDATED" {
		a.ValidatedAt = &validatedAt
	}
	f.insert(a)
	return a.ID
}

func (f *fx) finding(assessmentID int64, category, severity string) int64 {
	var a store.Assessment
	if err := f.db.NewSelect().Model(&a).Where("id = ?", assessmentID).Scan(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	i18n := `{"en":"Finding EN","fr":"Constat FR"}`
	row := &store.Finding{AssessmentID: assessmentID, InstitutionID: a.InstitutionID, AreaKey: "area", Title: f.name("Finding"),
		TitleI18n: &i18n, Category: category, Severity: severity, Origin: "MANUAL", CreatedAt: f.clock()}
	f.insert(row)
	return row.ID
}

// list lists flags as the system (every institution).
func (f *fx) list(fl Filter) []Flag {
	f.t.Helper()
	out, err := f.svc.List(f.ctx, fl, "en")
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// of lists the flags of one rule in every state.
func (f *fx) of(rule string) []Flag {
	f.t.Helper()
	return f.list(Filter{Rules: []string{rule}, States: States})
}

// subjects lists "Type:id/STATE" of the flags of one rule (every state).
func (f *fx) subjects(rule string) []string {
	f.t.Helper()
	var out []string
	for _, fl := range f.of(rule) {
		out = append(out, fmt.Sprintf("%s:%d/%s", fl.SubjectType, fl.SubjectID, fl.State))
	}
	return out
}

// as returns a context acting as user with role in inst.
func (f *fx) as(role string, inst int64) context.Context {
	f.t.Helper()
	uid := f.user()
	as := []authz.Assignment{{UserID: uid, Role: role, InstitutionID: inst}}
	if role == authz.RoleAdmin {
		as[0].InstitutionID = 0
	}
	f.mu.Lock()
	f.assign = append(f.assign, as...)
	all := append([]authz.Assignment(nil), f.assign...)
	f.mu.Unlock()
	if err := f.guard.Load(all, int64(len(all))); err != nil {
		f.t.Fatal(err)
	}
	return auth.WithActor(context.Background(), &auth.Actor{UserID: uid, Email: "x", Roles: map[int64][]string{inst: {role}}})
}
