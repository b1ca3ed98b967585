package store

import (
	"time"

	"github.com/uptrace/bun"
)

// Institution is a security or justice institution: a tenant of the service.
type Institution struct {
	bun.BaseModel `bun:"table:institutions"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Name      string    `bun:"name,notnull"`
	Acronym   *string   `bun:"acronym"`
	Sector    string    `bun:"sector,notnull"`
	Country   string    `bun:"country,notnull"`
	Version   int       `bun:"version,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// Unit is a part of an institution's structure (headquarters, directorate,
// regional command, station…), arranged in a tree.
type Unit struct {
	bun.BaseModel `bun:"table:units"`

	ID                  int64     `bun:"id,pk,autoincrement"`
	InstitutionID       int64     `bun:"institution_id,notnull"`
	ParentID            *int64    `bun:"parent_id"`
	Name                string    `bun:"name,notnull"`
	Kind                string    `bun:"kind,notnull"`
	Region              *string   `bun:"region"`
	GenderFocalPoint    *string   `bun:"gender_focal_point"`
	FocalPointDedicated bool      `bun:"focal_point_dedicated,notnull"`
	Version             int       `bun:"version,notnull"`
	CreatedAt           time.Time `bun:"created_at,notnull"`
	UpdatedAt           time.Time `bun:"updated_at,notnull"`
}

// Partner is an organisation that supports institutions: a UN agency, an
// NGO, a donor.
type Partner struct {
	bun.BaseModel `bun:"table:partners"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Name      string    `bun:"name,notnull"`
	Kind      string    `bun:"kind,notnull"`
	Country   *string   `bun:"country"`
	Version   int       `bun:"version,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}
