package audit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/store"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// An audit event lives and dies with the change it records.
func TestEventsShareTheChangesTransaction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		ctx := auth.WithActor(context.Background(), &auth.Actor{Name: "system", System: true})
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		write := func(name string, fail bool) error {
			return db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
				p := &store.Partner{Name: name, Kind: "NGO", Version: 1, CreatedAt: now}
				if _, err := tx.NewInsert().Model(p).Exec(ctx); err != nil {
					return err
				}
				if err := audit.Record(ctx, tx, now, audit.Event{Operation: "createPartner", SubjectID: "P", Changes: audit.Change(nil, p)}); err != nil {
					return err
				}
				if fail {
					return errors.New("later step failed")
				}
				return nil
			})
		}
		if err := write("Kept", false); err != nil {
			t.Fatal(err)
		}
		if err := write("Rolled back", true); err == nil {
			t.Fatal("expected the failure")
		}
		var events []store.AuditEvent
		if err := db.NewSelect().Model(&events).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || *events[0].Changes != `{"country":[null,null],"kind":[null,"NGO"],"name":[null,"Kept"]}` && *events[0].Changes != `{"kind":[null,"NGO"],"name":[null,"Kept"]}` {
			t.Fatalf("events: %+v", events)
		}
		if !events[0].At.Equal(now) {
			t.Fatalf("time did not round-trip: %v", events[0].At)
		}
		n, _ := db.NewSelect().Model((*store.Partner)(nil)).Count(ctx)
		if n != 1 {
			t.Fatalf("partners: %d", n)
		}
	})
}

func TestSnapshotLeavesSecretsOut(t *testing.T) {
	t.Parallel()
	u := &store.User{ID: 1, Email: "a@b.org", Name: "A", PasswordHash: "$argon2id$secret", Version: 3}
	got := audit.Change(nil, u)
	if _, ok := got["passwordHash"]; ok || got["email"] != [2]any{nil, "a@b.org"} || len(got) != 2 {
		t.Fatalf("changes: %v", got)
	}
	before := &store.User{Email: "a@b.org", Name: "A"}
	after := &store.User{Email: "a@b.org", Name: "B"}
	if d := audit.Change(before, after); len(d) != 1 || d["name"] != [2]any{"A", "B"} {
		t.Fatalf("diff: %v", d)
	}
}
