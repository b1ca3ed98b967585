package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/store"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// conflict fails the test unless err is one CONFLICT at
// input.expectedVersion whose message holds every one of want.
func conflict(t *testing.T, err error, want ...string) {
	t.Helper()
	u, ok := errs.AsUser(err)
	if !ok || len(u) != 1 || u[0].Code != errs.Conflict || strings.Join(u[0].Field, ".") != "input.expectedVersion" {
		t.Fatalf("want one CONFLICT at input.expectedVersion, got %v", err)
	}
	for _, w := range want {
		if !strings.Contains(u[0].Text("en"), w) {
			t.Fatalf("the CONFLICT message %q does not say %q", u[0].Text("en"), w)
		}
	}
}

// A versioned update with a version that is not the stored one changes
// nothing and answers CONFLICT naming the stored version and the one the
// client sent; on PostgreSQL also when the other writer commits while the
// update waits for the row.
func TestUpdateVersionedNamesTheStoredVersion(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		ctx := context.Background()
		now := time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)
		inst := &store.Institution{Name: "National Police", Sector: "POLICE", Country: "ML", Version: 1, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(inst).Returning("id").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		rename := func(ctx context.Context, tx bun.IDB, name string, expected int) error {
			row := &store.Institution{ID: inst.ID, Name: name, UpdatedAt: now}
			return store.UpdateVersioned(ctx, tx, row, inst.ID, expected, &row.Version, "name", "updated_at")
		}
		stored := func() (string, int) {
			t.Helper()
			var got store.Institution
			if err := db.NewSelect().Model(&got).Where("id = ?", inst.ID).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			return got.Name, got.Version
		}

		if err := db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error { return rename(ctx, tx, "Police nationale", 1) }); err != nil {
			t.Fatalf("update at the stored version: %v", err)
		}
		if name, v := stored(); name != "Police nationale" || v != 2 {
			t.Fatalf("after the update: %q at version %d, want \"Police nationale\" at 2", name, v)
		}
		err := db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error { return rename(ctx, tx, "Stale", 1) })
		conflict(t, err, "now at version 2", "you sent version 1")
		err = db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error { return rename(ctx, tx, "Ahead", 7) })
		conflict(t, err, "now at version 2", "you sent version 7")
		if name, v := stored(); name != "Police nationale" || v != 2 {
			t.Fatalf("the refused updates wrote: %q at version %d", name, v)
		}
		err = db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			row := &store.Institution{ID: inst.ID + 1000, Name: "Gone"}
			return store.UpdateVersioned(ctx, tx, row, row.ID, 1, &row.Version, "name")
		})
		conflict(t, err, "deleted", "version 1")

		if storetest.Kind(dsn) != "postgres" {
			return // SQLite runs one writer at a time: the update cannot wait for another's row
		}
		// Two writers read version 2; the second's update waits for the
		// first's row lock, then finds version 3.
		first, err := db.BeginTx(ctx, &sql.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer first.Rollback() //nolint:errcheck
		if err := rename(ctx, first, "First", 2); err != nil {
			t.Fatalf("first writer: %v", err)
		}
		second := make(chan error, 1)
		go func() {
			second <- db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error { return rename(ctx, tx, "Second", 2) })
		}()
		select {
		case err := <-second:
			t.Fatalf("the second writer did not wait for the first one's row: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
		if err := first.Commit(); err != nil {
			t.Fatal(err)
		}
		conflict(t, <-second, "now at version 3", "you sent version 2")
		if name, v := stored(); name != "First" || v != 3 {
			t.Fatalf("after the race: %q at version %d, want \"First\" at 3", name, v)
		}
	})
}
