package store

import "github.com/gendertrack/gendertrack/internal/gid"

// GID methods give each model its opaque global ID (GraphQL type name and
// row id). The API binds the id field to them: a plain method, so the
// GraphQL executor does not start a goroutine per object to compute it.

// GID is the global ID of the AuditEvent.
func (m *AuditEvent) GID() string { return gid.Encode(gid.AuditEvent, m.ID) }

// GID is the global ID of the User.
func (m *User) GID() string { return gid.Encode(gid.User, m.ID) }

// GID is the global ID of the Assessment.
func (m *Assessment) GID() string { return gid.Encode(gid.Assessment, m.ID) }

// GID is the global ID of the Finding.
func (m *Finding) GID() string { return gid.Encode(gid.Finding, m.ID) }

// GID is the global ID of the Response.
func (m *Response) GID() string { return gid.Encode(gid.Response, m.ID) }

// GID is the global ID of the Institution.
func (m *Institution) GID() string { return gid.Encode(gid.Institution, m.ID) }

// GID is the global ID of the Partner.
func (m *Partner) GID() string { return gid.Encode(gid.Partner, m.ID) }

// GID is the global ID of the Unit.
func (m *Unit) GID() string { return gid.Encode(gid.Unit, m.ID) }

// GID is the global ID of the Action.
func (m *Action) GID() string { return gid.Encode(gid.Action, m.ID) }

// GID is the global ID of the ActionPlan.
func (m *ActionPlan) GID() string { return gid.Encode(gid.ActionPlan, m.ID) }

// GID is the global ID of the Dissemination.
func (m *Dissemination) GID() string { return gid.Encode(gid.Dissemination, m.ID) }

// GID is the global ID of the Indicator.
func (m *Indicator) GID() string { return gid.Encode(gid.Indicator, m.ID) }

// GID is the global ID of the Measurement.
func (m *Measurement) GID() string { return gid.Encode(gid.Measurement, m.ID) }

// GID is the global ID of the Objective.
func (m *Objective) GID() string { return gid.Encode(gid.Objective, m.ID) }

// GID is the global ID of the ProgressUpdate.
func (m *ProgressUpdate) GID() string { return gid.Encode(gid.ProgressUpdate, m.ID) }

// GID is the global ID of the ResourceRequirement.
func (m *ResourceRequirement) GID() string { return gid.Encode(gid.ResourceRequirement, m.ID) }
