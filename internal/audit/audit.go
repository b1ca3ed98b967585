// Package audit writes the audit trail: one event per successful mutation,
// in the same transaction as the change, with the changed fields before and
// after. Secrets never enter it: fields tagged `audit:"-"` are left out.
package audit

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Event is one change to record.
type Event struct {
	Operation     string
	SubjectID     string // global ID of what changed
	InstitutionID *int64
	Changes       map[string][2]any // field -> [before, after]
}

// Record writes e, attributed to the actor of ctx, inside tx. It does not
// advance the data versions that tell caches what may be stale: the
// database does, from the rows the transaction writes
// (migrations/touch.go).
func Record(ctx context.Context, tx bun.IDB, at time.Time, e Event) error {
	ev := &store.AuditEvent{At: at.UTC(), Operation: e.Operation, InstitutionID: e.InstitutionID}
	if a := auth.ActorFrom(ctx); a != nil {
		if a.UserID > 0 {
			ev.ActorID = &a.UserID
		}
		if a.APIKeyID > 0 {
			ev.APIKeyID = &a.APIKeyID
		}
	}
	if e.SubjectID != "" {
		ev.SubjectID = &e.SubjectID
	}
	if len(e.Changes) > 0 {
		b, err := json.Marshal(e.Changes)
		if err != nil {
			return fmt.Errorf("audit changes: %w", err)
		}
		s := string(b)
		ev.Changes = &s
	}
	return store.Insert(ctx, tx, ev)
}

// skipped are bookkeeping columns that every change touches.
var skipped = map[string]bool{"id": true, "version": true, "created_at": true, "updated_at": true}

// Snapshot reads the auditable columns of a bun model struct (or pointer to
// one) into a map keyed by camelCase field name.
func Snapshot(model any) map[string]any {
	out := map[string]any{}
	if model == nil {
		return out
	}
	v := reflect.Indirect(reflect.ValueOf(model))
	if !v.IsValid() || v.Kind() != reflect.Struct {
		return out
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("bun")
		if !f.IsExported() || f.Anonymous || tag == "" || tag == "-" || f.Tag.Get("audit") == "-" {
			continue
		}
		col, _, _ := strings.Cut(tag, ",")
		if col == "" || skipped[col] {
			continue
		}
		out[camel(col)] = plain(v.Field(i))
	}
	return out
}

// plain turns a field value into something JSON shows plainly.
func plain(v reflect.Value) any {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	x := v.Interface()
	switch y := x.(type) {
	case time.Time:
		return y.UTC().Format(time.RFC3339)
	case driver.Valuer:
		if dv, err := y.Value(); err == nil {
			return dv
		}
	case fmt.Stringer:
		return y.String()
	}
	return x
}

func camel(col string) string {
	parts := strings.Split(col, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// Diff lists the fields whose values differ between two snapshots. A create
// is Diff(nil, after); a field only in one side is paired with null.
func Diff(before, after map[string]any) map[string][2]any {
	out := map[string][2]any{}
	for k, a := range after {
		b := before[k]
		if !reflect.DeepEqual(b, a) {
			out[k] = [2]any{b, a}
		}
	}
	for k, b := range before {
		if _, ok := after[k]; !ok && b != nil {
			out[k] = [2]any{b, nil}
		}
	}
	return out
}

// Change is the common case: Diff of two snapshots of the same model.
func Change(before, after any) map[string][2]any {
	var b map[string]any
	if before != nil && !reflect.ValueOf(before).IsNil() {
		b = Snapshot(before)
	}
	return Diff(b, Snapshot(after))
}
