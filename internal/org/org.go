// Package org manages institutions, their unit trees and partner
// organisations.
package org

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/patch"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Service is the organisation service.
type Service struct {
	DB    *store.DB
	Guard *authz.Guard
	Now   func() time.Time
}

// Enumerations of the contract, for validation of stored values.
var (
	Sectors      = set("POLICE", "GENDARMERIE", "ARMED_FORCES", "JUSTICE", "PENITENTIARY", "CIVIL_PROTECTION", "BORDER_MANAGEMENT", "OVERSIGHT", "MINISTRY", "OTHER")
	UnitKinds    = set("HEADQUARTERS", "DIRECTORATE", "REGIONAL_COMMAND", "LOCAL_STATION", "TRAINING_ACADEMY", "SPECIALISED_UNIT", "GENDER_COMMITTEE", "OVERSIGHT_BODY", "OTHER")
	PartnerKinds = set("UN_AGENCY", "INTERNATIONAL_ORGANISATION", "BILATERAL_DONOR", "NGO", "CIVIL_SOCIETY", "NATIONAL_GOVERNMENT", "OTHER")
)

func set(vs ...string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// InstitutionInput holds the fields of a new or changed institution. On
// update an absent field is left as it is and a null one cleared; only the
// acronym may be cleared (so may a blank one).
type InstitutionInput struct {
	Name    patch.Field[string]
	Acronym patch.Field[string]
	Sector  patch.Field[string]
	Country patch.Field[string]
}

func (in *InstitutionInput) validate(l *errs.List, create bool) {
	l.Text(in.Name.Value(), 200, create, "input", "name")
	l.Text(in.Acronym.Value(), 20, false, "input", "acronym")
	if !create {
		l.NotNull(in.Name.IsNull(), "input", "name")
		l.NotNull(in.Sector.IsNull(), "input", "sector")
		l.NotNull(in.Country.IsNull(), "input", "country")
	}
	required(l, create, in.Sector, "input", "sector")
	required(l, create, in.Country, "input", "country")
	if v := in.Sector.Value(); v != nil && !Sectors[*v] {
		l.Add(errs.Invalid, "error.org.unknownSector", "input", "sector")
	}
	if v := in.Country.Value(); v != nil {
		c := strings.ToUpper(strings.TrimSpace(*v))
		in.Country = patch.Set(c)
		if !ValidCountry(c) {
			l.Add(errs.Invalid, "error.org.country", "input", "country")
		}
	}
}

// CreateInstitution stores a new institution.
func (s *Service) CreateInstitution(ctx context.Context, in InstitutionInput) (*store.Institution, error) {
	if err := s.Guard.Require(ctx, 0, authz.ManageGlobal); err != nil {
		return nil, err
	}
	var l errs.List
	in.validate(&l, true)
	if err := l.Err(); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	inst := &store.Institution{Name: *in.Name.Value(), Acronym: errs.BlankNil(in.Acronym.Value()), Sector: *in.Sector.Value(), Country: *in.Country.Value(),
		Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := store.Unique(ctx, tx, "institutions", "name", inst.Name, 0); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(inst).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "createInstitution", SubjectID: gid.Encode(gid.Institution, inst.ID),
			InstitutionID: &inst.ID, Changes: audit.Change(nil, inst)})
	})
	if err != nil {
		return nil, err
	}
	return inst, nil
}

// UpdateInstitution changes the given fields if the stored version is
// expectedVersion.
func (s *Service) UpdateInstitution(ctx context.Context, id int64, expectedVersion int, in InstitutionInput) (*store.Institution, error) {
	if err := s.Guard.Check(ctx, id, authz.ManageInstitution, "error.noSuch.institution", "input", "id"); err != nil {
		return nil, err
	}
	var l errs.List
	in.validate(&l, false)
	if err := l.Err(); err != nil {
		return nil, err
	}
	var inst store.Institution
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&inst).Where("id = ?", id).Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "error.noSuch.institution", "input", "id")
		}
		if inst.Version != expectedVersion {
			return errs.Stale(inst.Version, expectedVersion)
		}
		before := inst
		if v := in.Name.Value(); v != nil {
			if err := store.Unique(ctx, tx, "institutions", "name", *v, id); err != nil {
				return err
			}
			inst.Name = *v
		}
		if in.Acronym.Present() {
			inst.Acronym = errs.BlankNil(in.Acronym.Value())
		}
		if v := in.Sector.Value(); v != nil {
			inst.Sector = *v
		}
		if v := in.Country.Value(); v != nil {
			inst.Country = *v
		}
		inst.UpdatedAt = s.Now().UTC()
		if err := store.UpdateVersioned(ctx, tx, &inst, inst.ID, expectedVersion, &inst.Version, "name", "acronym", "sector", "country", "updated_at"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, inst.UpdatedAt, audit.Event{Operation: "updateInstitution", SubjectID: gid.Encode(gid.Institution, inst.ID),
			InstitutionID: &inst.ID, Changes: audit.Change(&before, &inst)})
	})
	if err != nil {
		return nil, err
	}
	return &inst, nil
}

// Institutions lists, in id order, the institutions the actor may read;
// search matches name or acronym, case-insensitively.
func (s *Service) Institutions(ctx context.Context, search string, p store.Page) ([]store.Institution, bool, int, error) {
	scope := s.Guard.Readable(ctx)
	return store.List[store.Institution](ctx, s.DB, func(q *bun.SelectQuery, _ *store.Args) *bun.SelectQuery {
		if !scope.All {
			q = q.Where("id IN (?)", bun.List(append(scope.IDs, 0)))
		}
		if search = strings.TrimSpace(search); search != "" {
			pat := "%" + store.EscapeLike(strings.ToLower(search)) + "%"
			q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("LOWER(name) LIKE ? ESCAPE '\\'", pat).WhereOr("LOWER(acronym) LIKE ? ESCAPE '\\'", pat)
			})
		}
		return q
	}, "id", p)
}

// InstitutionsByID loads institutions by id.
// Institutions the actor may not read are left out.
func (s *Service) InstitutionsByID(ctx context.Context, ids []int64) (map[int64]*store.Institution, error) {
	m, err := store.ByIDs(ctx, s.DB, ids, func(i *store.Institution) int64 { return i.ID })
	for id := range m {
		if !s.Guard.CanRead(ctx, id) {
			delete(m, id)
		}
	}
	return m, err
}

// required records INVALID at field when a create lacks a required field.
func required[T any](l *errs.List, create bool, v patch.Field[T], field ...string) {
	if create && v.Value() == nil {
		l.Add(errs.Invalid, "error.required", field...)
	}
}

// UnitInput holds the fields of a new or changed unit. On update an absent
// field is left as it is and a null one cleared: a null parent moves the
// unit to the top of the tree; name, kind and focalPointDedicated cannot
// be cleared.
type UnitInput struct {
	InstitutionID       int64
	ParentID            patch.Field[int64]
	Name                patch.Field[string]
	Kind                patch.Field[string]
	Region              patch.Field[string]
	GenderFocalPoint    patch.Field[string]
	FocalPointDedicated patch.Field[bool]
}

func (in *UnitInput) validate(l *errs.List, create bool) {
	l.Text(in.Name.Value(), 200, create, "input", "name")
	if !create {
		l.NotNull(in.Name.IsNull(), "input", "name")
		l.NotNull(in.Kind.IsNull(), "input", "kind")
		l.NotNull(in.FocalPointDedicated.IsNull(), "input", "focalPointDedicated")
	}
	required(l, create, in.Kind, "input", "kind")
	if v := in.Kind.Value(); v != nil && !UnitKinds[*v] {
		l.Add(errs.Invalid, "error.org.unknownUnitKind", "input", "kind")
	}
	l.Text(in.Region.Value(), 100, false, "input", "region")
	l.Text(in.GenderFocalPoint.Value(), 200, false, "input", "genderFocalPoint")
}

// CreateUnit adds a unit to an institution's tree.
func (s *Service) CreateUnit(ctx context.Context, in UnitInput) (*store.Unit, error) {
	var l errs.List
	in.validate(&l, true)
	if err := l.Err(); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	u := &store.Unit{InstitutionID: in.InstitutionID, ParentID: in.ParentID.Value(), Name: *in.Name.Value(), Kind: *in.Kind.Value(),
		Region: errs.BlankNil(in.Region.Value()), GenderFocalPoint: errs.BlankNil(in.GenderFocalPoint.Value()), Version: 1, CreatedAt: now, UpdatedAt: now}
	if v := in.FocalPointDedicated.Value(); v != nil {
		u.FocalPointDedicated = *v
	}
	if err := s.Guard.Check(ctx, in.InstitutionID, authz.ManageInstitution, "error.noSuch.institution", "input", "institutionId"); err != nil {
		return nil, err
	}
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ok, err := tx.NewSelect().Table("institutions").Where("id = ?", in.InstitutionID).Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.NotFound, "error.noSuch.institution", "input", "institutionId")
		}
		if v := in.ParentID.Value(); v != nil {
			if err := checkParent(ctx, tx, in.InstitutionID, 0, *v); err != nil {
				return err
			}
		}
		if _, err = tx.NewInsert().Model(u).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "createUnit", SubjectID: gid.Encode(gid.Unit, u.ID),
			InstitutionID: &u.InstitutionID, Changes: audit.Change(nil, u)})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UpdateUnit changes a unit; a new parent must be in the same institution
// and must not be the unit itself or one of its descendants.
func (s *Service) UpdateUnit(ctx context.Context, id int64, expectedVersion int, in UnitInput) (*store.Unit, error) {
	var l errs.List
	in.validate(&l, false)
	if err := l.Err(); err != nil {
		return nil, err
	}
	var u store.Unit
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&u).Where("id = ?", id).Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "error.noSuch.unit", "input", "id")
		}
		if err := s.Guard.Check(ctx, u.InstitutionID, authz.ManageInstitution, "error.noSuch.unit", "input", "id"); err != nil {
			return err
		}
		if u.Version != expectedVersion {
			return errs.Stale(u.Version, expectedVersion)
		}
		before := u
		if v := in.ParentID.Value(); v != nil {
			if err := checkParent(ctx, tx, u.InstitutionID, u.ID, *v); err != nil {
				return err
			}
		}
		in.ParentID.Apply(&u.ParentID)
		if v := in.Name.Value(); v != nil {
			u.Name = *v
		}
		if v := in.Kind.Value(); v != nil {
			u.Kind = *v
		}
		if in.Region.Present() {
			u.Region = errs.BlankNil(in.Region.Value())
		}
		if in.GenderFocalPoint.Present() {
			u.GenderFocalPoint = errs.BlankNil(in.GenderFocalPoint.Value())
		}
		if v := in.FocalPointDedicated.Value(); v != nil {
			u.FocalPointDedicated = *v
		}
		u.UpdatedAt = s.Now().UTC()
		if err := store.UpdateVersioned(ctx, tx, &u, u.ID, expectedVersion, &u.Version,
			"parent_id", "name", "kind", "region", "gender_focal_point", "focal_point_dedicated", "updated_at"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, u.UpdatedAt, audit.Event{Operation: "updateUnit", SubjectID: gid.Encode(gid.Unit, u.ID),
			InstitutionID: &u.InstitutionID, Changes: audit.Change(&before, &u)})
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// checkParent verifies that parentID is a unit of institution inst and, when
// unitID is set, that making it unitID's parent creates no cycle.
func checkParent(ctx context.Context, tx bun.IDB, inst, unitID, parentID int64) error {
	field := []string{"input", "parentId"}
	var p store.Unit
	if err := tx.NewSelect().Model(&p).Column("id", "institution_id").Where("id = ?", parentID).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "error.noSuch.parentUnit", field...)
		}
		return err
	}
	if p.InstitutionID != inst {
		return errs.New(errs.Invalid, "error.org.parentOfOtherInstitution", field...)
	}
	if unitID == 0 {
		return nil
	}
	if parentID == unitID {
		return errs.New(errs.Invalid, "error.org.ownParent", field...)
	}
	// Walk up from the new parent with a recursive query: if the unit is
	// among its ancestors, the move would create a cycle.
	var n int
	err := tx.NewRaw(`WITH RECURSIVE up(id, parent_id) AS (
			SELECT id, parent_id FROM units WHERE id = ?
			UNION
			SELECT u.id, u.parent_id FROM units u JOIN up ON u.id = up.parent_id
		) SELECT count(*) FROM up WHERE id = ?`, parentID, unitID).Scan(ctx, &n)
	if err != nil {
		return err
	}
	if n > 0 {
		return errs.New(errs.Invalid, "error.org.cycle", field...)
	}
	return nil
}

// Units lists an institution's units in id order; none of an institution
// the actor may not read.
func (s *Service) Units(ctx context.Context, institutionID int64, p store.Page) ([]store.Unit, bool, int, error) {
	if !s.Guard.CanRead(ctx, institutionID) {
		return []store.Unit{}, false, 0, nil
	}
	return store.List[store.Unit](ctx, s.DB, func(q *bun.SelectQuery, a *store.Args) *bun.SelectQuery {
		return q.Where("institution_id = ?", a.Value(institutionID))
	}, "id", p)
}

// UnitsByID loads units by id.
// Units of institutions the actor may not read are left out.
func (s *Service) UnitsByID(ctx context.Context, ids []int64) (map[int64]*store.Unit, error) {
	m, err := store.ByIDs(ctx, s.DB, ids, func(u *store.Unit) int64 { return u.ID })
	for id, u := range m {
		if !s.Guard.CanRead(ctx, u.InstitutionID) {
			delete(m, id)
		}
	}
	return m, err
}

// Children loads the direct children of each parent, in id order. A unit
// belongs to its parent's institution: the children of units of
// institutions the actor may not read are left out, in the same statement.
func (s *Service) Children(ctx context.Context, parentIDs []int64) (map[int64][]store.Unit, error) {
	out := make(map[int64][]store.Unit, len(parentIDs))
	sc := s.Guard.Readable(ctx)
	if len(parentIDs) == 0 || sc.Empty() {
		return out, nil
	}
	var rows []store.Unit
	if err := s.DB.NewSelect().Model(&rows).Where("parent_id IN (?)", bun.List(parentIDs)).Where("?", sc.Where("institution_id")).
		Order("id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, u := range rows {
		out[*u.ParentID] = append(out[*u.ParentID], u)
	}
	return out, nil
}

// PartnerInput holds the fields of a new partner.
type PartnerInput struct {
	Name    string
	Kind    string
	Country *string
}

// CreatePartner stores a new partner organisation.
func (s *Service) CreatePartner(ctx context.Context, in PartnerInput) (*store.Partner, error) {
	if err := s.Guard.Require(ctx, 0, authz.ManageGlobal); err != nil {
		return nil, err
	}
	var l errs.List
	l.Text(&in.Name, 200, true, "input", "name")
	if !PartnerKinds[in.Kind] {
		l.Add(errs.Invalid, "error.org.unknownPartnerKind", "input", "kind")
	}
	if in.Country != nil {
		c := strings.ToUpper(strings.TrimSpace(*in.Country))
		in.Country = &c
		if c != "" && !ValidCountry(c) {
			l.Add(errs.Invalid, "error.org.country", "input", "country")
		}
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	p := &store.Partner{Name: in.Name, Kind: in.Kind, Country: errs.BlankNil(in.Country), Version: 1, CreatedAt: s.Now().UTC()}
	err := s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := store.Unique(ctx, tx, "partners", "name", p.Name, 0); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(p).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.CreatedAt, audit.Event{Operation: "createPartner", SubjectID: gid.Encode(gid.Partner, p.ID), Changes: audit.Change(nil, p)})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Partners lists partners in id order. Partners belong to no institution:
// every signed-in caller sees them, anonymous callers none.
func (s *Service) Partners(ctx context.Context, p store.Page) ([]store.Partner, bool, int, error) {
	signedIn := auth.ActorFrom(ctx) != nil
	return store.List[store.Partner](ctx, s.DB, func(q *bun.SelectQuery, _ *store.Args) *bun.SelectQuery {
		if !signedIn {
			q = q.Where("1 = 0")
		}
		return q
	}, "id", p)
}

// PartnersByID loads partners by id, for signed-in callers.
func (s *Service) PartnersByID(ctx context.Context, ids []int64) (map[int64]*store.Partner, error) {
	if auth.ActorFrom(ctx) == nil {
		return map[int64]*store.Partner{}, nil
	}
	return store.ByIDs(ctx, s.DB, ids, func(p *store.Partner) int64 { return p.ID })
}
