// Package account manages who may sign in and with what rights: users,
// sign-in sessions, role assignments, API keys; it authenticates requests
// and keeps the process's authorization guard in step with the database.
package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Service is the account service.
type Service struct {
	DB       *store.DB
	Guard    *authz.Guard
	Throttle auth.Throttle // sign-in throttling; the zero value is auth.DefaultThrottle()
	TokenTTL time.Duration
	Now      func() time.Time
	Log      *slog.Logger
}

// Roles of the contract.
var roles = map[string]bool{"ADMIN": true, "COORDINATOR": true, "COMMITTEE_MEMBER": true, "FOCAL_POINT": true, "LEADERSHIP": true, "PARTNER": true, "AUDITOR": true}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

func validEmail(e string) bool {
	local, domain, ok := strings.Cut(e, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(e, " \t\r\n<>") && len(e) <= 254
}

// ---------------------------------------------------------------- sign-in

// Login checks an email and password and opens a session. A wrong email and
// a wrong password get the same answer. Failures are throttled by client
// address, and by client address and email (auth.Throttle, counts stored
// in the database): a refused attempt checks no password and counts as no
// further failure, and failures from one address never stop a correct
// sign-in from another.
func (s *Service) Login(ctx context.Context, email, password string) (token string, session *store.Session, user *store.User, err error) {
	email = normEmail(email)
	now := s.Now().UTC()
	pairKey, addrKey := signInKeys(ctx, email)
	ok, retry, pairStored, err := s.signInAllowed(ctx, pairKey, addrKey, now)
	if err != nil {
		return "", nil, nil, err
	}
	if !ok {
		mins := int((retry + time.Minute - 1) / time.Minute)
		return "", nil, nil, errs.Newf(errs.Invalid, []string{"input"}, "error.account.throttled", i18n.Data{"Minutes": mins})
	}
	var u store.User
	err = s.DB.NewSelect().Model(&u).Where("email = ?", email).Scan(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", nil, nil, err
	}
	if errors.Is(err, sql.ErrNoRows) {
		auth.DummyCheck(password)
	}
	if err != nil || !auth.CheckPassword(u.PasswordHash, password) {
		if err := s.signInFailed(ctx, pairKey, addrKey, now); err != nil {
			return "", nil, nil, err
		}
		return "", nil, nil, errs.New(errs.Invalid, "error.account.wrongCredentials", "input")
	}
	if pairStored {
		s.signInSucceeded(ctx, pairKey)
	}
	token, err = auth.NewSecret(auth.TokenPrefix)
	if err != nil {
		return "", nil, nil, err
	}
	sess := &store.Session{UserID: u.ID, TokenHash: auth.HashSecret(token), CreatedAt: now, ExpiresAt: now.Add(s.TokenTTL)}
	ctx = auth.WithActor(ctx, &auth.Actor{UserID: u.ID, Email: u.Email, Name: u.Name})
	err = s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(sess).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "login", SubjectID: gid.Encode(gid.User, u.ID)})
	})
	if err != nil {
		return "", nil, nil, err
	}
	return token, sess, &u, nil
}

// Logout revokes the session the request was made with.
func (s *Service) Logout(ctx context.Context) error {
	a := auth.ActorFrom(ctx)
	if a == nil {
		return errs.ErrUnauthenticated
	}
	if a.TokenHash == "" || a.APIKeyID > 0 {
		return errs.New(errs.Invalid, "error.account.logoutApiKey")
	}
	now := s.Now().UTC()
	return s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model((*store.Session)(nil)).Set("revoked_at = ?", now).
			Where("token_hash = ?", a.TokenHash).Where("revoked_at IS NULL").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "logout", SubjectID: gid.Encode(gid.User, a.UserID)})
	})
}

// ErrBadCredential means the bearer credential is unknown, expired or revoked.
var ErrBadCredential = credentialError("error.badCredential")

// credentialError is the ID of its message in the catalog (internal/i18n).
type credentialError string

func (e credentialError) Error() string        { return i18n.T(i18n.EN, string(e)) }
func (e credentialError) MessageID() string    { return string(e) }
func (e credentialError) Code() string         { return "UNAUTHENTICATED" }
func (e credentialError) Is(target error) bool { return target == errs.ErrUnauthenticated }

// Authenticate turns a bearer credential into the request's actor.
func (s *Service) Authenticate(ctx context.Context, bearer string) (*auth.Actor, error) {
	hash := auth.HashSecret(bearer)
	now := s.Now().UTC()
	if strings.HasPrefix(bearer, auth.APIKeyPrefix) {
		var k store.APIKey
		err := s.DB.NewSelect().Model(&k).Where("secret_hash = ?", hash).Where("revoked_at IS NULL").Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrBadCredential
		}
		if err != nil {
			return nil, err
		}
		var insts []int64
		if err := s.DB.NewSelect().Table("api_key_institutions").Column("institution_id").Where("api_key_id = ?", k.ID).Scan(ctx, &insts); err != nil {
			return nil, err
		}
		a := &auth.Actor{APIKeyID: k.ID, Name: k.Name, Roles: map[int64][]string{}, TokenHash: hash}
		for _, i := range insts {
			a.Roles[i] = []string{k.Role}
		}
		return a, nil
	}
	var row struct {
		store.User
		ExpiresAt time.Time `bun:"expires_at"`
	}
	// Every request runs this statement: its arguments are bound, so that
	// it is parsed and planned once per connection (store.HotArgs).
	args := s.DB.HotArgs()
	err := s.DB.Select(ctx, s.DB.NewSelect().TableExpr("sessions AS s").Join("JOIN users AS u ON u.id = s.user_id").
		ColumnExpr("u.*, s.expires_at").
		Where("s.token_hash = ?", args.Value(hash)).Where("s.revoked_at IS NULL").Where("s.expires_at > ?", args.Value(now)),
		args, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrBadCredential
	}
	if err != nil {
		return nil, err
	}
	admin, roles := s.Guard.Roles(row.ID)
	return &auth.Actor{UserID: row.ID, Email: row.Email, Name: row.Name, Admin: admin, Roles: roles, TokenHash: hash}, nil
}

// ---------------------------------------------------------------- users

// CreateUserInput is a new account.
type CreateUserInput struct{ Email, Name, Password string }

// CreateUser adds an account without roles. ADMIN and the coordinators of
// any institution may do it; roles are granted afterwards.
func (s *Service) CreateUser(ctx context.Context, in CreateUserInput) (*store.User, error) {
	if err := s.requireCoordinator(ctx); err != nil {
		return nil, err
	}
	var l errs.List
	in.Email = normEmail(in.Email)
	if !validEmail(in.Email) {
		l.Add(errs.Invalid, "error.account.email", "input", "email")
	}
	l.Text(&in.Name, 200, true, "input", "name")
	if err := auth.ValidatePassword(in.Password); err != nil {
		l.Add(errs.Invalid, "error.account.passwordLength", "input", "password")
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	return s.insertUser(ctx, "createUser", in)
}

func (s *Service) insertUser(ctx context.Context, op string, in CreateUserInput) (*store.User, error) {
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	u := &store.User{Email: in.Email, Name: in.Name, PasswordHash: hash, Version: 1, CreatedAt: now}
	err = s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := store.Unique(ctx, tx, "users", "email", u.Email, 0); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(u).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: op, SubjectID: gid.Encode(gid.User, u.ID), Changes: audit.Change(nil, u)})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// requireCoordinator lets through ADMIN and anyone who is COORDINATOR
// somewhere: the operations on users that belong to no one institution.
func (s *Service) requireCoordinator(ctx context.Context) error {
	a := auth.ActorFrom(ctx)
	if a == nil {
		return errs.ErrUnauthenticated
	}
	if s.Guard.Can(ctx, 0, authz.ManageGlobal) {
		return nil
	}
	for _, inst := range s.Guard.Readable(ctx).IDs {
		if s.Guard.Can(ctx, inst, authz.ManageInstitution) {
			return nil
		}
	}
	return errs.ErrForbidden
}

// RoleInput names a role assignment; InstitutionID is 0 for ADMIN.
type RoleInput struct {
	UserID        int64
	Role          string
	InstitutionID int64
}

// checkRole validates a grant or revoke and authorizes it: ADMIN roles only
// by ADMIN, institution roles by that institution's coordinators.
func (s *Service) checkRole(ctx context.Context, in RoleInput) error {
	if auth.ActorFrom(ctx) == nil {
		return errs.ErrUnauthenticated
	}
	if !roles[in.Role] {
		return errs.New(errs.Invalid, "error.account.unknownRole", "input", "role")
	}
	if in.Role == authz.RoleAdmin {
		if in.InstitutionID != 0 {
			return errs.New(errs.Invalid, "error.account.adminNoInstitution", "input", "institutionId")
		}
		return s.Guard.Require(ctx, 0, authz.ManageGlobal)
	}
	if in.InstitutionID == 0 {
		return errs.New(errs.Invalid, "error.account.roleNeedsInstitution", "input", "institutionId")
	}
	if err := s.Guard.Check(ctx, in.InstitutionID, authz.ManageInstitution, "error.noSuch.institution", "input", "institutionId"); err != nil {
		return err
	}
	ok, err := s.DB.NewSelect().Table("institutions").Where("id = ?", in.InstitutionID).Exists(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errs.New(errs.NotFound, "error.noSuch.institution", "input", "institutionId")
	}
	return nil
}

// GrantRole gives a user a role. Granting a role the user already holds
// changes nothing and is not an error.
func (s *Service) GrantRole(ctx context.Context, in RoleInput) (*store.User, error) {
	if err := s.checkRole(ctx, in); err != nil {
		return nil, err
	}
	var u store.User
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&u).Where("id = ?", in.UserID).Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "error.noSuch.user", "input", "userId")
		}
		q := tx.NewSelect().Model((*store.RoleAssignment)(nil)).Where("user_id = ?", in.UserID).Where("role = ?", in.Role)
		q = whereInst(q, in.InstitutionID)
		if ok, err := q.Exists(ctx); err != nil || ok {
			return err
		}
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
		return nil, err
	}
	return &u, s.Reload(ctx)
}

// RevokeRole takes a role away; revoking a role the user does not hold is
// NOT_FOUND.
func (s *Service) RevokeRole(ctx context.Context, in RoleInput) (*store.User, error) {
	if err := s.checkRole(ctx, in); err != nil {
		return nil, err
	}
	var u store.User
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&u).Where("id = ?", in.UserID).Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "error.noSuch.user", "input", "userId")
		}
		q := tx.NewDelete().Model((*store.RoleAssignment)(nil)).Where("user_id = ?", in.UserID).Where("role = ?", in.Role)
		if in.InstitutionID == 0 {
			q = q.Where("institution_id IS NULL")
		} else {
			q = q.Where("institution_id = ?", in.InstitutionID)
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "error.account.roleNotHeld", "input", "role")
		}
		return s.rolesChanged(ctx, tx, "revokeRole", in)
	})
	if err != nil {
		return nil, err
	}
	return &u, s.Reload(ctx)
}

func whereInst(q *bun.SelectQuery, inst int64) *bun.SelectQuery {
	if inst == 0 {
		return q.Where("institution_id IS NULL")
	}
	return q.Where("institution_id = ?", inst)
}

// rolesChanged bumps the stored role state (so every instance reloads) and
// audits the change, inside the caller's transaction.
func (s *Service) rolesChanged(ctx context.Context, tx bun.Tx, op string, in RoleInput) error {
	if _, err := tx.NewUpdate().Table("authz_state").Set("version = version + 1").Where("id = 1").Exec(ctx); err != nil {
		return err
	}
	ev := audit.Event{Operation: op, SubjectID: gid.Encode(gid.User, in.UserID),
		Changes: map[string][2]any{"role": {nil, in.Role}}}
	if op == "revokeRole" {
		ev.Changes = map[string][2]any{"role": {in.Role, nil}}
	}
	if in.InstitutionID != 0 {
		ev.InstitutionID = &in.InstitutionID
	}
	return audit.Record(ctx, tx, s.Now(), ev)
}

// Reload reads every role assignment into the guard.
func (s *Service) Reload(ctx context.Context) error {
	var version int64
	if err := s.DB.NewSelect().Table("authz_state").Column("version").Where("id = 1").Scan(ctx, &version); err != nil {
		return fmt.Errorf("read role state: %w", err)
	}
	var rows []store.RoleAssignment
	if err := s.DB.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return fmt.Errorf("read roles: %w", err)
	}
	as := make([]authz.Assignment, len(rows))
	for i, r := range rows {
		as[i] = authz.Assignment{UserID: r.UserID, Role: r.Role}
		if r.InstitutionID != nil {
			as[i].InstitutionID = *r.InstitutionID
		}
	}
	return s.Guard.Load(as, version)
}

// WatchRoles reloads the guard whenever another instance changed roles: it
// polls the stored role state every interval until ctx ends.
func (s *Service) WatchRoles(ctx context.Context, every time.Duration) {
	store.Every(ctx, every, func() {
		var version int64
		err := s.DB.NewSelect().Table("authz_state").Column("version").Where("id = 1").Scan(ctx, &version)
		if err == nil && version != s.Guard.Version() {
			err = s.Reload(ctx)
		}
		if err != nil && ctx.Err() == nil {
			s.Log.Warn("role reload failed", "err", err)
		}
	})
}

// ---------------------------------------------------------------- API keys

// CreateAPIKey makes a PARTNER or AUDITOR key over the listed institutions;
// the secret is returned once and stored only as a hash.
func (s *Service) CreateAPIKey(ctx context.Context, name, role string, institutions []int64) (*store.APIKey, string, error) {
	if auth.ActorFrom(ctx) == nil {
		return nil, "", errs.ErrUnauthenticated
	}
	var l errs.List
	l.Text(&name, 200, true, "input", "name")
	if role != authz.RolePartner && role != authz.RoleAuditor {
		l.Add(errs.Invalid, "error.account.apiKeyRole", "input", "role")
	}
	if len(institutions) == 0 {
		l.Add(errs.Invalid, "error.account.noInstitution", "input", "institutionIds")
	}
	if err := l.Err(); err != nil {
		return nil, "", err
	}
	institutions = slices.Compact(slices.Sorted(slices.Values(institutions)))
	for i, inst := range institutions {
		if err := s.Guard.Check(ctx, inst, authz.ManageInstitution, "error.noSuch.institution", "input", "institutionIds", fmt.Sprint(i)); err != nil {
			return nil, "", err
		}
	}
	secret, err := auth.NewSecret(auth.APIKeyPrefix)
	if err != nil {
		return nil, "", err
	}
	now := s.Now().UTC()
	k := &store.APIKey{Name: name, Role: role, SecretHash: auth.HashSecret(secret), CreatedAt: now}
	if a := auth.ActorFrom(ctx); a.UserID > 0 {
		k.CreatedBy = &a.UserID
	}
	err = s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		n, err := tx.NewSelect().Table("institutions").Where("id IN (?)", bun.List(institutions)).Count(ctx)
		if err != nil {
			return err
		}
		if int(n) != len(institutions) {
			return errs.New(errs.NotFound, "error.account.unknownInstitution", "input", "institutionIds")
		}
		if _, err := tx.NewInsert().Model(k).Returning("id").Exec(ctx); err != nil {
			return err
		}
		rows := make([]store.APIKeyInstitution, len(institutions))
		for i, inst := range institutions {
			rows[i] = store.APIKeyInstitution{APIKeyID: k.ID, InstitutionID: inst}
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return err
		}
		ev := audit.Event{Operation: "createApiKey", SubjectID: gid.Encode(gid.APIKey, k.ID), Changes: audit.Change(nil, k)}
		ev.InstitutionID = &institutions[0]
		return audit.Record(ctx, tx, now, ev)
	})
	if err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// RevokeAPIKey revokes a key; the caller must manage every institution the
// key covers.
func (s *Service) RevokeAPIKey(ctx context.Context, id int64) error {
	if auth.ActorFrom(ctx) == nil {
		return errs.ErrUnauthenticated
	}
	var insts []int64
	if err := s.DB.NewSelect().Table("api_key_institutions").Column("institution_id").Where("api_key_id = ?", id).Order("institution_id").Scan(ctx, &insts); err != nil {
		return err
	}
	if len(insts) == 0 {
		return errs.New(errs.NotFound, "error.noSuch.apiKey", "input", "id")
	}
	for _, inst := range insts {
		if err := s.Guard.Check(ctx, inst, authz.ManageInstitution, "error.noSuch.apiKey", "input", "id"); err != nil {
			return err
		}
	}
	now := s.Now().UTC()
	return s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*store.APIKey)(nil)).Set("revoked_at = ?", now).Where("id = ?", id).Where("revoked_at IS NULL").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.InvalidState, "error.account.apiKeyRevoked", "input", "id")
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "revokeApiKey", SubjectID: gid.Encode(gid.APIKey, id),
			InstitutionID: &insts[0], Changes: map[string][2]any{"revoked": {false, true}}})
	})
}
