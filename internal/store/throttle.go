package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// SignInThrottle is the stored count of failed sign-ins of one throttling
// key (a client address, or a client address with an email; see
// auth.AddrKey and auth.PairKey). Every instance on the database reads and
// writes the same rows.
type SignInThrottle struct {
	bun.BaseModel `bun:"table:sign_in_throttle"`

	Key         string    `bun:"key,pk"`
	Failures    int       `bun:"failures,notnull"`
	WindowStart time.Time `bun:"window_start,nullzero"`
	LockedUntil time.Time `bun:"locked_until,nullzero"`
	// ExpiresAt is when the row stops carrying information; from then on
	// it may be deleted.
	ExpiresAt time.Time `bun:"expires_at,notnull"`
}

// ThrottleRows reads the rows of keys, by key, without locking them; a key
// without a row is missing from the map.
func ThrottleRows(ctx context.Context, db bun.IDB, keys ...string) (map[string]SignInThrottle, error) {
	var rows []SignInThrottle
	if len(keys) == 0 {
		return map[string]SignInThrottle{}, nil
	}
	if err := db.NewSelect().Model(&rows).Where(`"key" IN (?)`, bun.List(keys)).Scan(ctx); err != nil {
		return nil, err
	}
	return byKey(rows), nil
}

// LockThrottle reads the rows of keys, by key, and holds them until tx
// ends, so that concurrent writers of a key (on any instance) take turns
// and lose no count. It is one upsert, INSERT … ON CONFLICT ("key") DO
// UPDATE … RETURNING, on both databases: a key without a row gets an empty
// one (no failures, expiring at now) for tx to fill in. Lock keys in the
// same order everywhere. On SQLite, tx (immediate) already holds the
// database's only write lock.
func LockThrottle(ctx context.Context, tx bun.Tx, now time.Time, keys ...string) (map[string]SignInThrottle, error) {
	if len(keys) == 0 {
		return map[string]SignInThrottle{}, nil
	}
	empty := make([]SignInThrottle, len(keys))
	for i, k := range keys {
		empty[i] = SignInThrottle{Key: k, ExpiresAt: now.UTC()}
	}
	var rows []SignInThrottle
	err := tx.NewInsert().Model(&empty).
		On(`CONFLICT ("key") DO UPDATE`).
		Set("failures = sign_in_throttle.failures").
		Returning("*").
		Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	return byKey(rows), nil
}

func byKey(rows []SignInThrottle) map[string]SignInThrottle {
	out := make(map[string]SignInThrottle, len(rows))
	for _, r := range rows {
		out[r.Key] = r
	}
	return out
}

// PutThrottle stores row, inserting it or replacing the row of its key (an
// upsert, INSERT … ON CONFLICT ("key") DO UPDATE, on both databases).
func PutThrottle(ctx context.Context, db bun.IDB, row *SignInThrottle) error {
	_, err := db.NewInsert().Model(row).
		On(`CONFLICT ("key") DO UPDATE`).
		Returning("NULL").
		Exec(ctx)
	return err
}

// DeleteThrottle deletes the rows of keys.
func DeleteThrottle(ctx context.Context, db bun.IDB, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := db.NewDelete().Model((*SignInThrottle)(nil)).Where(`"key" IN (?)`, bun.List(keys)).Exec(ctx)
	return err
}

// DeleteExpiredThrottle deletes the rows expired at now and returns how
// many it deleted. On PostgreSQL it passes over rows that another
// transaction holds (FOR UPDATE SKIP LOCKED): it never waits, so it cannot
// deadlock with writers of live rows; a later call deletes what it left.
// SQLite has one writer at a time, so nothing is held there.
func DeleteExpiredThrottle(ctx context.Context, db bun.IDB, now time.Time) (int64, error) {
	q := db.NewDelete().Model((*SignInThrottle)(nil))
	if db.Dialect().Name() == dialect.PG {
		q = q.Where(`"key" IN (SELECT "key" FROM sign_in_throttle WHERE expires_at <= ? FOR UPDATE SKIP LOCKED)`, now.UTC())
	} else {
		q = q.Where("expires_at <= ?", now.UTC())
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
