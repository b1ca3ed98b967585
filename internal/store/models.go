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

// User is a person who signs in.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID           int64  `bun:"id,pk,autoincrement"`
	Email        string `bun:"email,notnull"`
	Name         string `bun:"name,notnull"`
	PasswordHash string `bun:"password_hash,notnull" audit:"-"`
	// Language is the language the user chose in the web workspace; nil
	// when it has chosen none.
	Language  *string   `bun:"language"`
	Version   int       `bun:"version,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// RoleAssignment gives a user a role in an institution (none for ADMIN).
type RoleAssignment struct {
	bun.BaseModel `bun:"table:role_assignments"`

	ID            int64     `bun:"id,pk,autoincrement"`
	UserID        int64     `bun:"user_id,notnull"`
	Role          string    `bun:"role,notnull"`
	InstitutionID *int64    `bun:"institution_id"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
}

// Session is a sign-in token, stored only as a hash.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	ID        int64      `bun:"id,pk,autoincrement"`
	UserID    int64      `bun:"user_id,notnull"`
	TokenHash string     `bun:"token_hash,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	RevokedAt *time.Time `bun:"revoked_at"`
}

// APIKey lets a partner system read with one role over listed institutions.
type APIKey struct {
	bun.BaseModel `bun:"table:api_keys"`

	ID         int64      `bun:"id,pk,autoincrement"`
	Name       string     `bun:"name,notnull"`
	Role       string     `bun:"role,notnull"`
	SecretHash string     `bun:"secret_hash,notnull" audit:"-"`
	CreatedBy  *int64     `bun:"created_by"`
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	RevokedAt  *time.Time `bun:"revoked_at"`
}

// AuditEvent records one successful change.
type AuditEvent struct {
	bun.BaseModel `bun:"table:audit_events"`

	ID            int64     `bun:"id,pk,autoincrement"`
	At            time.Time `bun:"at,notnull"`
	ActorID       *int64    `bun:"actor_id"`
	APIKeyID      *int64    `bun:"api_key_id"`
	Operation     string    `bun:"operation,notnull"`
	SubjectID     *string   `bun:"subject_id"`
	InstitutionID *int64    `bun:"institution_id"`
	Changes       *string   `bun:"changes"`
}

// APIKeyInstitution lists an institution an API key covers.
type APIKeyInstitution struct {
	bun.BaseModel `bun:"table:api_key_institutions"`

	APIKeyID      int64 `bun:"api_key_id,pk"`
	InstitutionID int64 `bun:"institution_id,pk"`
}
