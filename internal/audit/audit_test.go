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

// Every change advances the data version in its own transaction: an
// institution's change its revision (and its flag revision unless the
// change cannot alter a flag), any other change the global revision; the
// version's answers part moves with draft answers alone, its general part
// with everything else. (The test packs the pair as general×10⁶+answers.)
func TestChangesAdvanceTheRevisions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		ctx := auth.WithActor(context.Background(), &auth.Actor{Name: "system", System: true})
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		inst := &store.Institution{Name: "Revisions", Sector: "POLICE", Country: "ml", Version: 1, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(inst).Returning("id").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		record := func(e audit.Event) {
			t.Helper()
			if err := db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error { return audit.Record(ctx, tx, now, e) }); err != nil {
				t.Fatal(err)
			}
		}
		state := func() (rev, flagRev, global, version int64) {
			t.Helper()
			if err := db.NewRaw(`SELECT revision, flag_revision FROM institutions WHERE id = ?`, inst.ID).Scan(ctx, &rev, &flagRev); err != nil {
				t.Fatal(err)
			}
			if err := db.NewRaw(`SELECT revision FROM data_revision WHERE id = 1`).Scan(ctx, &global); err != nil {
				t.Fatal(err)
			}
			general, answers, err := db.DataVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return rev, flagRev, global, general*1_000_000 + answers
		}
		r0, f0, g0, v0 := state()
		record(audit.Event{Operation: "updateAction", InstitutionID: &inst.ID})
		r1, f1, g1, v1 := state()
		if r1 != r0+1 || f1 != f0+1 || g1 != g0 || v1 != v0+1_000_000 {
			t.Fatalf("institution change: revision %d→%d, flags %d→%d, global %d→%d, version %d→%d", r0, r1, f0, f1, g0, g1, v0, v1)
		}
		record(audit.Event{Operation: "saveResponses", InstitutionID: &inst.ID, FlagNeutral: true})
		r2, f2, g2, v2 := state()
		if r2 != r1+1 || f2 != f1 || g2 != g1 || v2 != v1+1 {
			t.Fatalf("flag-neutral change: revision %d→%d, flags %d→%d, global %d→%d, version %d→%d", r1, r2, f1, f2, g1, g2, v1, v2)
		}
		record(audit.Event{Operation: "createPartner"})
		r3, f3, g3, v3 := state()
		if r3 != r2 || f3 != f2 || g3 != g2+1 || v3 != v2+1_000_000 {
			t.Fatalf("global change: revision %d→%d, flags %d→%d, global %d→%d, version %d→%d", r2, r3, f2, f3, g2, g3, v2, v3)
		}
		record(audit.Event{Operation: "login", FlagNeutral: true})
		r4, f4, g4, v4 := state()
		if r4 != r3 || f4 != f3 || g4 != g3 || v4 != v3+1 {
			t.Fatalf("global flag-neutral change: revision %d→%d, flags %d→%d, global %d→%d, version %d→%d", r3, r4, f3, f4, g3, g4, v3, v4)
		}
	})
}
