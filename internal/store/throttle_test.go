package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/store"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// The throttling rows: upserts, reads by key, and the deletion of expired
// rows, on both databases.
func TestSignInThrottleRows(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		ctx := context.Background()
		now := time.Date(2026, 6, 15, 9, 0, 0, 123456000, time.UTC)
		const addr, pair = "addr:192.0.2.1", "pair:x"

		got, err := store.ThrottleRows(ctx, db, addr, pair)
		if err != nil || len(got) != 0 {
			t.Fatalf("empty table: %v %v", got, err)
		}
		// Locking keys without rows gives empty ones, expiring at once.
		err = db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			rows, err := store.LockThrottle(ctx, tx, now, pair, addr)
			if err != nil {
				return err
			}
			for _, k := range []string{pair, addr} {
				if r := rows[k]; r.Key != k || r.Failures != 0 || !r.WindowStart.IsZero() || !r.LockedUntil.IsZero() || !r.ExpiresAt.Equal(now) {
					t.Errorf("new row %q locked as %+v", k, r)
				}
			}
			if len(rows) != 2 {
				t.Errorf("locked %d rows, want 2", len(rows))
			}
			return store.PutThrottle(ctx, tx, &store.SignInThrottle{Key: pair, Failures: 3, WindowStart: now, ExpiresAt: now.Add(time.Minute)})
		})
		if err != nil {
			t.Fatal(err)
		}
		lock := now.Add(15 * time.Minute)
		if err := store.PutThrottle(ctx, db, &store.SignInThrottle{Key: addr, LockedUntil: lock, ExpiresAt: lock}); err != nil {
			t.Fatal(err)
		}
		// Locking existing rows reads them unchanged.
		err = db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			rows, err := store.LockThrottle(ctx, tx, now, pair, addr)
			if err != nil {
				return err
			}
			got = rows
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		read, err := store.ThrottleRows(ctx, db, addr, pair, "pair:none")
		if err != nil || len(read) != 2 || len(got) != 2 {
			t.Fatalf("read %v, locked %v: %v", read, got, err)
		}
		for _, m := range []map[string]store.SignInThrottle{got, read} {
			a, p := m[addr], m[pair]
			if a.Failures != 0 || !a.WindowStart.IsZero() || !a.LockedUntil.Equal(lock) || !a.ExpiresAt.Equal(lock) {
				t.Fatalf("address row read back as %+v", a)
			}
			if p.Failures != 3 || !p.WindowStart.Equal(now) || !p.LockedUntil.IsZero() || !p.ExpiresAt.Equal(now.Add(time.Minute)) {
				t.Fatalf("pair row read back as %+v", p)
			}
		}

		// Expired rows go, to the instant; live ones stay.
		if n, err := store.DeleteExpiredThrottle(ctx, db, now.Add(time.Minute-time.Microsecond)); n != 0 || err != nil {
			t.Fatalf("deleted %d live rows: %v", n, err)
		}
		if n, err := store.DeleteExpiredThrottle(ctx, db, now.Add(time.Minute)); n != 1 || err != nil {
			t.Fatalf("deleted %d rows at the pair's expiry, want 1: %v", n, err)
		}
		if err := store.DeleteThrottle(ctx, db, addr); err != nil {
			t.Fatal(err)
		}
		if got, err := store.ThrottleRows(ctx, db, addr, pair); err != nil || len(got) != 0 {
			t.Fatalf("after the deletions: %v %v", got, err)
		}
	})
}

// Two instances (two handles on one database), each with several writers,
// add failures to the same two keys at once, each writer deleting expired
// rows as it goes: the locking upsert makes them take turns, so no count
// is lost and nothing fails.
func TestSignInThrottleConcurrentWriters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		dbs := []*store.DB{storetest.Open(t, dsn), storetest.Open(t, dsn)}
		ctx := context.Background()
		now := time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)
		// Rows that expired long ago, for the writers to delete at once.
		for _, k := range []string{"addr:old1", "addr:old2", "addr:old3"} {
			if err := store.PutThrottle(ctx, dbs[0], &store.SignInThrottle{Key: k, Failures: 1, WindowStart: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		const writers, each = 6, 10
		var wg sync.WaitGroup
		errc := make(chan error, len(dbs)*writers)
		for _, db := range dbs {
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						err := db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
							rows, err := store.LockThrottle(ctx, tx, now, "pair:k", "addr:k")
							if err != nil {
								return err
							}
							for _, k := range []string{"pair:k", "addr:k"} {
								r := rows[k]
								r.Failures++
								r.WindowStart, r.ExpiresAt = now, now.Add(time.Hour)
								if err := store.PutThrottle(ctx, tx, &r); err != nil {
									return err
								}
							}
							_, err = store.DeleteExpiredThrottle(ctx, tx, now)
							return err
						})
						if err != nil {
							errc <- err
							return
						}
					}
				}()
			}
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		rows, err := store.ThrottleRows(ctx, dbs[0], "pair:k", "addr:k", "addr:old1", "addr:old2", "addr:old3")
		if err != nil {
			t.Fatal(err)
		}
		want := len(dbs) * writers * each
		if len(rows) != 2 || rows["pair:k"].Failures != want || rows["addr:k"].Failures != want {
			t.Fatalf("after %d failures the rows are %+v", want, rows)
		}
	})
}
