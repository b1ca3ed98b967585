// Package plan owns action plans: an institution's gender action plans with
// their objectives, actions, resource requirements, indicators, progress
// log and dissemination records (RULES.md sections 4, 5 and 7). The
// service authorizes, validates, and reads and writes the database;
// rules.go holds the pure rules (Action.health, Indicator.status,
// ResourceRequirement.status), which use no database and no clock: "today"
// is passed in (the server's current date in UTC, store.DateOf). Exact
// money is internal/money, calendar dates internal/store.
package plan

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/patch"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Service is the action-plan service.
type Service struct {
	DB    *store.DB
	Guard *authz.Guard
	Now   func() time.Time
}

// Enumerations of the contract, for validation.
var (
	ActionKinds          = set("TRAINING", "TECHNICAL_ASSISTANCE", "ORGANISATIONAL_CHANGE", "POLICY_OR_PROCEDURE", "INFRASTRUCTURE", "EQUIPMENT", "AWARENESS_RAISING", "MONITORING_AND_EVALUATION", "RECRUITMENT_AND_RETENTION", "OTHER")
	ResourceKinds        = set("BUDGET", "PERSONNEL", "EQUIPMENT", "INFRASTRUCTURE", "EXPERTISE", "MATERIALS")
	ResultLevels         = set("OUTPUT", "OUTCOME", "IMPACT")
	DisseminationMethods = set("BRIEFING", "TRAINING_SESSION", "CIRCULAR", "PUBLICATION", "OTHER")
	Healths              = set(HealthGrey, HealthGreen, HealthAmber, HealthRed, HealthBlue)
	PlanStatuses         = set(PlanStateDraft, PlanStateAdopted, PlanStateClosed)
)

func set(vs ...string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// Text limits.
const (
	maxTitle       = 300
	maxDescription = 5000
	maxShort       = 200
	maxEvidence    = 50
)

// today is the server's current date (UTC midnight).
func (s *Service) today() time.Time { return store.DateOf(s.Now()) }

// Today is the service's current date, YYYY-MM-DD.
func (s *Service) Today() string { return store.FormatDate(s.Now()) }

// signedIn answers UNAUTHENTICATED for an anonymous request: every mutation
// needs sign-in, whatever it touches.
// actorUser is the signed-in user's id, nil for the system and API keys.
func actorUser(ctx context.Context) *int64 {
	if a := auth.ActorFrom(ctx); a != nil && a.UserID > 0 {
		id := a.UserID
		return &id
	}
	return nil
}

// f builds a field path below "input".
func f(parts ...string) []string { return append([]string{"input"}, parts...) }

// at appends an index to a field path.
func at(field []string, i int) []string {
	return append(append([]string{}, field...), strconv.Itoa(i))
}

// lock adds a row lock on PostgreSQL (SQLite transactions already hold the
// one write lock from their start).
func (s *Service) lock(q *bun.SelectQuery, mode string) *bun.SelectQuery {
	if s.DB.Postgres {
		return q.For(mode)
	}
	return q
}

// planFor loads the plan id for a mutation that needs capability c and
// locks it against concurrent transitions: NOT_FOUND at field when it does
// not exist or the actor may not read it, FORBIDDEN when the actor may read
// but not do c.
func (s *Service) planFor(ctx context.Context, tx bun.IDB, id int64, c authz.Capability, mode string, field ...string) (*store.ActionPlan, error) {
	var p store.ActionPlan
	a := s.DB.TxArgs(tx)
	if err := s.DB.Select(ctx, s.lock(tx.NewSelect().Model(&p).Where("id = ?", a.Value(id)), mode), a, &p); err != nil {
		return nil, errs.NotFoundIf(err, "error.noSuch.actionPlan", field...)
	}
	if err := s.Guard.Check(ctx, p.InstitutionID, c, "error.noSuch.actionPlan", field...); err != nil {
		return nil, err
	}
	return &p, nil
}

// structureState answers INVALID_STATE at field unless the plan accepts
// changes to its objectives, actions, resources and indicators.
func structureState(p *store.ActionPlan, field ...string) error {
	if !PlanAllowsStructureChanges(p.Status) {
		return errs.Newf(errs.InvalidState, field, "error.plan.frozen", i18n.Data{"Status": p.Status})
	}
	return nil
}

// childForChange checks an update of a plan's child row (objective,
// action, resource, indicator) read in tx: the caller may edit the plan,
// whose status still allows structure changes, and the row's stored
// version is the one the client read. It returns the plan.
func (s *Service) childForChange(ctx context.Context, tx bun.Tx, planID int64, stored, expected int) (*store.ActionPlan, error) {
	p, err := s.planFor(ctx, tx, planID, authz.EditPlan, "SHARE", f("id")...)
	if err != nil {
		return nil, err
	}
	if err := structureState(p, f("id")...); err != nil {
		return nil, err
	}
	if stored != expected {
		return nil, errs.Stale(stored, expected)
	}
	return p, nil
}

// recordingState answers INVALID_STATE at field unless the plan is ADOPTED;
// id names the message that says what cannot be recorded.
func recordingState(p *store.ActionPlan, id string, field ...string) error {
	if !PlanAllowsRecording(p.Status) {
		return errs.Newf(errs.InvalidState, field, id, i18n.Data{"Status": p.Status})
	}
	return nil
}

// date checks an optional date field and returns it parsed.
func date(l *errs.List, v *string, required bool, field ...string) *time.Time {
	if v == nil {
		if required {
			l.Add(errs.Invalid, "error.dateRequired", field...)
		}
		return nil
	}
	t, err := store.ParseDate(*v)
	if err != nil {
		l.AddErr(errs.Invalid, err, field...)
		return nil
	}
	return &t
}

// storedDate parses a stored date, nil for NULL or garbage.
func storedDate(v *string) *time.Time {
	if v == nil {
		return nil
	}
	t, err := store.ParseDate(*v)
	if err != nil {
		return nil
	}
	return &t
}

// ids is the id list a field gives, nil when it is absent or null (a null
// list clears the links, as an empty one does).
func ids(v patch.Field[[]int64]) []int64 {
	if l := v.Value(); l != nil {
		return *l
	}
	return nil
}

// dedupe returns ids without repeats, in first-seen order.
func dedupe(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// owned is a row's id and institution.
type owned struct {
	ID            int64 `bun:"id"`
	InstitutionID int64 `bun:"institution_id"`
}

// checkOwned verifies that every id names a row of table in institution
// inst. A missing row, or one of an institution the actor may not read, is
// NOT_FOUND; one of another readable institution is INVALID. field is the
// path of the list (the index is appended) or, with single, of the one id.
func (s *Service) checkOwned(ctx context.Context, tx bun.IDB, l *errs.List, table string, inst int64, ids []int64, single bool, field ...string) error {
	if len(ids) == 0 {
		return nil
	}
	var rows []owned
	if err := tx.NewSelect().Table(table).Column("id", "institution_id").Where("id IN (?)", bun.List(ids)).Scan(ctx, &rows); err != nil {
		return err
	}
	found := make(map[int64]int64, len(rows))
	for _, r := range rows {
		found[r.ID] = r.InstitutionID
	}
	for i, id := range ids {
		fp := field
		if !single {
			fp = at(field, i)
		}
		owner, ok := found[id]
		switch {
		case !ok || !s.Guard.CanRead(ctx, owner):
			l.Add(errs.NotFound, ownedMessages[table][0], fp...)
		case owner != inst:
			l.Add(errs.Invalid, ownedMessages[table][1], fp...)
		}
	}
	return nil
}

// ownedMessages gives, per table checkOwned reads, the IDs of its
// NOT_FOUND and other-institution messages.
var ownedMessages = map[string][2]string{
	"units":       {"error.noSuch.unit", "error.plan.unitOfOtherInstitution"},
	"findings":    {"error.noSuch.finding", "error.plan.findingOfOtherInstitution"},
	"assessments": {"error.noSuch.assessment", "error.plan.assessmentOfOtherInstitution"},
}

// checkFindings is checkOwned for findings, which must moreover come from a
// validated assessment: only those are final (a reopened assessment
// regenerates its RULE findings on resubmission).
func (s *Service) checkFindings(ctx context.Context, tx bun.IDB, l *errs.List, inst int64, ids []int64, field ...string) error {
	before := len(l.UserErrors)
	if err := s.checkOwned(ctx, tx, l, "findings", inst, ids, false, field...); err != nil || len(l.UserErrors) > before || len(ids) == 0 {
		return err
	}
	var pending []int64
	if err := tx.NewSelect().TableExpr("findings AS f").Join("JOIN assessments AS a ON a.id = f.assessment_id").
		Column("f.id").Where("f.id IN (?)", bun.List(ids)).Where("a.status <> 'VALIDATED'").Scan(ctx, &pending); err != nil {
		return err
	}
	for i, id := range ids {
		if slices.Contains(pending, id) {
			l.Add(errs.Invalid, "error.plan.findingNotValidated", at(field, i)...)
		}
	}
	return nil
}

// checkPartners verifies that every id names a partner.
func checkPartners(ctx context.Context, tx bun.IDB, l *errs.List, ids []int64, single bool, field ...string) error {
	if len(ids) == 0 {
		return nil
	}
	var found []int64
	if err := tx.NewSelect().Table("partners").Column("id").Where("id IN (?)", bun.List(ids)).Scan(ctx, &found); err != nil {
		return err
	}
	for i, id := range ids {
		if !slices.Contains(found, id) {
			fp := field
			if !single {
				fp = at(field, i)
			}
			l.Add(errs.NotFound, "error.noSuch.partner", fp...)
		}
	}
	return nil
}

// ------------------------------------------------------------------ plans

// PlanInput holds the fields of a new or changed plan; absent fields are
// left as they are on update, and none of title and dates can be cleared.
type PlanInput struct {
	InstitutionID      int64
	Title              patch.Field[string]
	StartDate          patch.Field[string]
	EndDate            patch.Field[string]
	SourceAssessmentID *int64
	DraftFromFindings  bool
}

// CreatePlan stores a new DRAFT plan. With DraftFromFindings it also
// creates one objective per finding of the source assessment, titled with
// the finding's title and linked to it.
func (s *Service) CreatePlan(ctx context.Context, in PlanInput) (*store.ActionPlan, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, err
	}
	if err := s.Guard.Check(ctx, in.InstitutionID, authz.EditPlan, "error.noSuch.institution", f("institutionId")...); err != nil {
		return nil, err
	}
	var l errs.List
	l.Text(in.Title.Value(), maxTitle, true, f("title")...)
	start := date(&l, in.StartDate.Value(), true, f("startDate")...)
	end := date(&l, in.EndDate.Value(), true, f("endDate")...)
	if start != nil && end != nil && end.Before(*start) {
		l.Add(errs.Invalid, "error.plan.endBeforeStart", f("endDate")...)
	}
	if in.DraftFromFindings && in.SourceAssessmentID == nil {
		l.Add(errs.Invalid, "error.plan.draftNeedsSource", f("sourceAssessmentId")...)
	}
	now := s.Now().UTC()
	p := &store.ActionPlan{InstitutionID: in.InstitutionID, SourceAssessmentID: in.SourceAssessmentID, Status: PlanStateDraft,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	if v := in.Title.Value(); v != nil {
		p.Title = *v
	}
	if start != nil && end != nil {
		p.StartDate, p.EndDate = *in.StartDate.Value(), *in.EndDate.Value()
	}
	var drafted int
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ok, err := tx.NewSelect().Table("institutions").Where("id = ?", in.InstitutionID).Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.NotFound, "error.noSuch.institution", f("institutionId")...)
		}
		if in.SourceAssessmentID != nil {
			if err := s.checkOwned(ctx, tx, &l, "assessments", in.InstitutionID, []int64{*in.SourceAssessmentID}, true, f("sourceAssessmentId")...); err != nil {
				return err
			}
			if len(l.UserErrors) == 0 && in.DraftFromFindings {
				var status string
				if err := tx.NewSelect().Table("assessments").Column("status").Where("id = ?", *in.SourceAssessmentID).Scan(ctx, &status); err != nil {
					return err
				}
				if status != "VALIDATED" {
					l.Addf(errs.InvalidState, f("sourceAssessmentId"), "error.plan.sourceNotValidated", i18n.Data{"Status": status})
				}
			}
		}
		if err := l.Err(); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(p).Returning("id").Exec(ctx); err != nil {
			return err
		}
		if in.DraftFromFindings {
			var findings []store.Finding
			if err := tx.NewSelect().Model(&findings).Where("assessment_id = ?", *in.SourceAssessmentID).
				Where("institution_id = ?", in.InstitutionID).Order("id").Scan(ctx); err != nil {
				return err
			}
			for _, fd := range findings {
				o := &store.Objective{PlanID: p.ID, InstitutionID: p.InstitutionID, Title: fd.Title, Description: fd.Detail,
					Version: 1, CreatedAt: now, UpdatedAt: now}
				if _, err := tx.NewInsert().Model(o).Returning("id").Exec(ctx); err != nil {
					return err
				}
				if err := setLinks(ctx, tx, "objective_findings", "objective_id", "finding_id", o.ID, []int64{fd.ID}); err != nil {
					return err
				}
			}
			drafted = len(findings)
		}
		changes := audit.Change(nil, p)
		if in.DraftFromFindings {
			changes["objectivesDrafted"] = [2]any{nil, drafted}
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "createActionPlan", SubjectID: gid.Encode(gid.ActionPlan, p.ID),
			InstitutionID: &p.InstitutionID, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// UpdatePlan changes a plan's title and dates if the stored version is
// expectedVersion; not in CLOSED.
func (s *Service) UpdatePlan(ctx context.Context, id int64, expectedVersion int, in PlanInput) (*store.ActionPlan, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, err
	}
	var p *store.ActionPlan
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if p, err = s.planFor(ctx, tx, id, authz.EditPlan, "UPDATE", f("id")...); err != nil {
			return err
		}
		if err := structureState(p, f("id")...); err != nil {
			return err
		}
		if p.Version != expectedVersion {
			return errs.Stale(p.Version, expectedVersion)
		}
		var l errs.List
		l.Text(in.Title.Value(), maxTitle, false, f("title")...)
		l.NotNull(in.Title.IsNull(), f("title")...)
		l.NotNull(in.StartDate.IsNull(), f("startDate")...)
		l.NotNull(in.EndDate.IsNull(), f("endDate")...)
		start := date(&l, in.StartDate.Value(), false, f("startDate")...)
		end := date(&l, in.EndDate.Value(), false, f("endDate")...)
		if !in.StartDate.Present() {
			start = storedDate(&p.StartDate)
		}
		if !in.EndDate.Present() {
			end = storedDate(&p.EndDate)
		}
		if start != nil && end != nil && end.Before(*start) {
			field := f("endDate")
			if !in.EndDate.Present() {
				field = f("startDate")
			}
			l.Add(errs.Invalid, "error.plan.endBeforeStart", field...)
		}
		if err := l.Err(); err != nil {
			return err
		}
		before := *p
		if v := in.Title.Value(); v != nil {
			p.Title = *v
		}
		if v := in.StartDate.Value(); v != nil {
			p.StartDate = *v
		}
		if v := in.EndDate.Value(); v != nil {
			p.EndDate = *v
		}
		p.UpdatedAt = s.Now().UTC()
		if err := store.UpdateVersioned(ctx, tx, p, p.ID, expectedVersion, &p.Version, "title", "start_date", "end_date", "updated_at"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.UpdatedAt, audit.Event{Operation: "updateActionPlan", SubjectID: gid.Encode(gid.ActionPlan, p.ID),
			InstitutionID: &p.InstitutionID, Changes: audit.Change(&before, p)})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// AdoptPlan moves a DRAFT plan with at least one action to ADOPTED.
func (s *Service) AdoptPlan(ctx context.Context, id int64, reason *string) (*store.ActionPlan, error) {
	return s.transition(ctx, id, reason, "adoptActionPlan", PlanStateDraft, PlanStateAdopted)
}

// ClosePlan moves an ADOPTED plan to CLOSED, for good.
func (s *Service) ClosePlan(ctx context.Context, id int64, reason *string) (*store.ActionPlan, error) {
	return s.transition(ctx, id, reason, "closeActionPlan", PlanStateAdopted, PlanStateClosed)
}

func (s *Service) transition(ctx context.Context, id int64, reason *string, op, from, to string) (*store.ActionPlan, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, err
	}
	var l errs.List
	l.Text(reason, maxDescription, false, f("reason")...)
	if err := l.Err(); err != nil {
		return nil, err
	}
	var p *store.ActionPlan
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if p, err = s.planFor(ctx, tx, id, authz.AdoptPlan, "UPDATE", f("planId")...); err != nil {
			return err
		}
		if p.Status != from {
			return errs.Newf(errs.InvalidState, f("planId"), "error.plan.transition", i18n.Data{"From": from, "To": to, "Status": p.Status})
		}
		now := s.Now().UTC()
		before := *p
		cols := []string{"status", "updated_at"}
		p.Status, p.UpdatedAt = to, now
		switch to {
		case PlanStateAdopted:
			n, err := tx.NewSelect().Table("actions").Where("plan_id = ?", p.ID).Count(ctx)
			if err != nil {
				return err
			}
			if n == 0 {
				return errs.New(errs.InvalidState, "error.plan.adoptNeedsAction", f("planId")...)
			}
			p.AdoptedAt, p.AdoptedBy = &now, actorUser(ctx)
			cols = append(cols, "adopted_at", "adopted_by")
		case PlanStateClosed:
			p.ClosedAt = &now
			cols = append(cols, "closed_at")
		}
		if err := store.UpdateVersioned(ctx, tx, p, p.ID, before.Version, &p.Version, cols...); err != nil {
			return err
		}
		changes := audit.Change(&before, p)
		if r := errs.BlankNil(reason); r != nil {
			changes["reason"] = [2]any{nil, *r}
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: op, SubjectID: gid.Encode(gid.ActionPlan, p.ID),
			InstitutionID: &p.InstitutionID, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ------------------------------------------------------------------ links

// setLinks replaces the rows of a link table for owner with one per id.
func setLinks(ctx context.Context, tx bun.IDB, table, ownerCol, otherCol string, owner int64, ids []int64) error {
	if _, err := tx.NewDelete().Table(table).Where("? = ?", bun.Ident(ownerCol), owner).Exec(ctx); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	vals := make([]string, len(ids))
	args := make([]any, 0, 2*len(ids))
	for i, id := range ids {
		vals[i] = "(?, ?)"
		args = append(args, owner, id)
	}
	_, err := tx.NewRaw("INSERT INTO ? (?, ?) VALUES "+strings.Join(vals, ", "),
		append([]any{bun.Ident(table), bun.Ident(ownerCol), bun.Ident(otherCol)}, args...)...).Exec(ctx)
	return err
}

// linked reads the ids linked to owner in a link table, in id order.
func linked(ctx context.Context, tx bun.IDB, table, ownerCol, otherCol string, owner int64) ([]int64, error) {
	var ids []int64
	err := tx.NewSelect().Table(table).Column(otherCol).Where("? = ?", bun.Ident(ownerCol), owner).OrderExpr("?", bun.Ident(otherCol)).Scan(ctx, &ids)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return ids, err
}

// ------------------------------------------------------------------ disseminations

// DisseminationInput records that a plan was communicated to a unit.
type DisseminationInput struct {
	PlanID int64
	UnitID int64
	Date   string
	Method string
	Note   *string
}

// RecordDissemination stores a dissemination record of an ADOPTED plan.
func (s *Service) RecordDissemination(ctx context.Context, in DisseminationInput) (*store.Dissemination, error) {
	if err := authz.SignedIn(ctx); err != nil {
		return nil, err
	}
	var d *store.Dissemination
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, err := s.planFor(ctx, tx, in.PlanID, authz.EditPlan, "SHARE", f("planId")...)
		if err != nil {
			return err
		}
		if err := recordingState(p, "error.plan.recordDissemination", f("planId")...); err != nil {
			return err
		}
		var l errs.List
		date(&l, &in.Date, true, f("date")...)
		if !DisseminationMethods[in.Method] {
			l.Add(errs.Invalid, "error.plan.unknownDisseminationMethod", f("method")...)
		}
		l.Text(in.Note, maxDescription, false, f("note")...)
		if err := s.checkOwned(ctx, tx, &l, "units", p.InstitutionID, []int64{in.UnitID}, true, f("unitId")...); err != nil {
			return err
		}
		if err := l.Err(); err != nil {
			return err
		}
		now := s.Now().UTC()
		d = &store.Dissemination{PlanID: p.ID, UnitID: in.UnitID, Date: in.Date, Method: in.Method, Note: errs.BlankNil(in.Note),
			RecordedBy: actorUser(ctx), CreatedAt: now}
		if _, err := tx.NewInsert().Model(d).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "recordDissemination", SubjectID: gid.Encode(gid.Dissemination, d.ID),
			InstitutionID: &p.InstitutionID, Changes: audit.Change(nil, d)})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}
