package account

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/store"
)

// UsersByID loads the users the actor may see: itself, everyone for ADMIN,
// and otherwise those holding a role in an institution the actor may read.
func (s *Service) UsersByID(ctx context.Context, ids []int64) (map[int64]*store.User, error) {
	all, err := store.ByIDs(ctx, s.DB, ids, func(u *store.User) int64 { return u.ID })
	if err != nil {
		return nil, err
	}
	for id := range all {
		if !s.canSeeUser(ctx, id) {
			delete(all, id)
		}
	}
	return all, nil
}

func (s *Service) canSeeUser(ctx context.Context, id int64) bool {
	a := auth.ActorFrom(ctx)
	if a == nil {
		return false
	}
	if a.UserID == id {
		return true
	}
	scope := s.Guard.Readable(ctx)
	if scope.All {
		return true
	}
	_, roles := s.Guard.Roles(id)
	for inst := range roles {
		if scope.Has(inst) {
			return true
		}
	}
	return false
}

// Assignment is one role a user holds; InstitutionID 0 for ADMIN.
type Assignment struct {
	Role          string
	InstitutionID int64
}

// RolesOf lists the roles of a user that the actor may see, ADMIN first,
// then by institution: none of a user the actor may not see (UsersByID),
// and of the others only their roles in institutions the actor may read.
func (s *Service) RolesOf(ctx context.Context, userID int64) []Assignment {
	if !s.canSeeUser(ctx, userID) {
		return nil
	}
	admin, roles := s.Guard.Roles(userID)
	var out []Assignment
	if admin {
		out = append(out, Assignment{Role: authz.RoleAdmin})
	}
	scope := s.Guard.Readable(ctx)
	a := auth.ActorFrom(ctx)
	self := a != nil && a.UserID == userID
	for _, r := range authz.Roles {
		for inst, rs := range roles {
			if (self || scope.Has(inst)) && contains(rs, r) {
				out = append(out, Assignment{Role: r, InstitutionID: inst})
			}
		}
	}
	sortAssignments(out)
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func sortAssignments(as []Assignment) {
	for i := 1; i < len(as); i++ {
		for j := i; j > 0 && less(as[j], as[j-1]); j-- {
			as[j], as[j-1] = as[j-1], as[j]
		}
	}
}

func less(a, b Assignment) bool {
	if a.InstitutionID != b.InstitutionID {
		return a.InstitutionID < b.InstitutionID
	}
	return a.Role < b.Role
}

// Viewer is the signed-in user, nil for anonymous requests and API keys.
func (s *Service) Viewer(ctx context.Context) (*store.User, error) {
	a := auth.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return nil, nil
	}
	m, err := s.UsersByID(ctx, []int64{a.UserID})
	return m[a.UserID], err
}

// ---------------------------------------------------------------- operators

// operator is the actor of command-line and start-up changes.
func operator(ctx context.Context) context.Context { return authz.System(ctx) }

// AddUser creates a user from the command line, optionally with a role.
func (s *Service) AddUser(ctx context.Context, email, name, password, role string, inst int64) (*store.User, error) {
	ctx = operator(ctx)
	in := CreateUserInput{Email: normEmail(email), Name: name, Password: password}
	var l errs.List
	if !validEmail(in.Email) {
		l.Add(errs.Invalid, "error.account.email", "email")
	}
	l.Text(&in.Name, 200, true, "name")
	if err := auth.ValidatePassword(password); err != nil {
		l.Add(errs.Invalid, "error.account.passwordLength", "password")
	}
	if role != "" && !roles[role] {
		l.Add(errs.Invalid, "error.account.unknownRole", "role")
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	u, err := s.insertUser(ctx, "user add", in)
	if err != nil || role == "" {
		return u, err
	}
	return u, s.grantAsOperator(ctx, RoleInput{UserID: u.ID, Role: role, InstitutionID: inst})
}

func (s *Service) grantAsOperator(ctx context.Context, in RoleInput) error {
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ra := &store.RoleAssignment{UserID: in.UserID, Role: in.Role, CreatedAt: s.Now().UTC()}
		if in.InstitutionID != 0 {
			ra.InstitutionID = &in.InstitutionID
		}
		if _, err := tx.NewInsert().Model(ra).Exec(ctx); err != nil {
			return err
		}
		return s.rolesChanged(ctx, tx, "grantRole", in)
	})
	if err != nil {
		return err
	}
	return s.Reload(ctx)
}

// SetPassword replaces a user's password and ends every open session.
func (s *Service) SetPassword(ctx context.Context, email, password string) error {
	ctx = operator(ctx)
	if err := auth.ValidatePassword(password); err != nil {
		return errs.New(errs.Invalid, "error.account.passwordLength", "password")
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	return s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var u store.User
		if err := tx.NewSelect().Model(&u).Where("email = ?", normEmail(email)).Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "error.noSuch.userWithEmail", "email")
		}
		if _, err := tx.NewUpdate().Model((*store.User)(nil)).Set("password_hash = ?", hash).Set("version = version + 1").Where("id = ?", u.ID).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*store.Session)(nil)).Set("revoked_at = ?", now).Where("user_id = ?", u.ID).Where("revoked_at IS NULL").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "user set-password", SubjectID: gid.Encode(gid.User, u.ID),
			Changes: map[string][2]any{"password": {"(hidden)", "(changed)"}}})
	})
}

// EnsureAdmin creates the first ADMIN from the environment when no user has
// that email yet.
func (s *Service) EnsureAdmin(ctx context.Context, email, password string) (created bool, err error) {
	exists, err := s.DB.NewSelect().Table("users").Where("email = ?", normEmail(email)).Exists(ctx)
	if err != nil || exists {
		return false, err
	}
	_, err = s.AddUser(ctx, email, "Administrator", password, authz.RoleAdmin, 0)
	return err == nil, err
}

// ---------------------------------------------------------------- audit trail

// AuditFilter narrows the audit trail.
type AuditFilter struct {
	InstitutionID int64
	SubjectID     string
	ActorID       int64
	Since         *time.Time
}

// AuditEvents lists audit events, newest first, that the actor may read:
// ADMIN everything; COORDINATOR and AUDITOR their institutions' events.
func (s *Service) AuditEvents(ctx context.Context, f AuditFilter, p store.Page) ([]store.AuditEvent, bool, int, error) {
	if auth.ActorFrom(ctx) == nil {
		return nil, false, 0, errs.ErrUnauthenticated
	}
	all := s.Guard.Can(ctx, 0, authz.ReadAudit) && s.Guard.Readable(ctx).All
	var insts []int64
	if !all {
		for _, inst := range s.Guard.Readable(ctx).IDs {
			if s.Guard.Can(ctx, inst, authz.ReadAudit) {
				insts = append(insts, inst)
			}
		}
		if len(insts) == 0 {
			return nil, false, 0, errs.ErrForbidden
		}
	}
	p.Desc = true
	return store.List[store.AuditEvent](ctx, s.DB, func(q *bun.SelectQuery, _ *store.Args) *bun.SelectQuery {
		if !all {
			q = q.Where("institution_id IN (?)", bun.List(insts))
		}
		if f.InstitutionID != 0 {
			q = q.Where("institution_id = ?", f.InstitutionID)
		}
		if f.SubjectID != "" {
			q = q.Where("subject_id = ?", f.SubjectID)
		}
		if f.ActorID != 0 {
			q = q.Where("actor_id = ?", f.ActorID)
		}
		if f.Since != nil {
			q = q.Where("at >= ?", f.Since.UTC())
		}
		return q
	}, "id", p)
}

// AuditEvent loads one audit event if the actor may read it: nil otherwise.
func (s *Service) AuditEvent(ctx context.Context, id int64) (*store.AuditEvent, error) {
	var ev store.AuditEvent
	err := s.DB.NewSelect().Model(&ev).Where("id = ?", id).Scan(ctx)
	if err != nil {
		return nil, ignoreNoRows(err)
	}
	if ev.InstitutionID == nil {
		if s.Guard.Readable(ctx).All && s.Guard.Can(ctx, 0, authz.ReadAudit) {
			return &ev, nil
		}
		return nil, nil
	}
	if s.Guard.CanRead(ctx, *ev.InstitutionID) && s.Guard.Can(ctx, *ev.InstitutionID, authz.ReadAudit) {
		return &ev, nil
	}
	return nil, nil
}

func ignoreNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}
