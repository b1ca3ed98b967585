package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// IdempotencyKey is a caller's key for one mutation request, with the
// answer it got (RULES.md section 2).
type IdempotencyKey struct {
	bun.BaseModel `bun:"table:idempotency_keys"`

	Caller      string    `bun:"caller,pk"`
	Key         string    `bun:"idem_key,pk"`
	RequestHash string    `bun:"request_hash,notnull"`
	Status      *int      `bun:"status"`
	Response    *string   `bun:"response"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
}

// ErrKeyInUse means another request with the same idempotency key wrote
// its change first (or is writing it now): this one changes nothing.
var ErrKeyInUse = errors.New("another request with this Idempotency-Key is being applied; retry shortly to get its answer")

// Claim is a request's idempotency key, carried in its context. The first
// transaction of the request that commits writes the key with it, so a
// change is never committed without its key; a second request with the
// same key then fails its transaction with ErrKeyInUse.
type Claim struct {
	Caller, Key, Hash string
	At                time.Time

	mu      sync.Mutex
	written bool
}

// Written reports whether a transaction of the request committed the key.
func (c *Claim) Written() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.written
}

type claimKey struct{}

// WithClaim returns ctx carrying c.
func WithClaim(ctx context.Context, c *Claim) context.Context {
	return context.WithValue(ctx, claimKey{}, c)
}

func claimFrom(ctx context.Context) *Claim {
	c, _ := ctx.Value(claimKey{}).(*Claim)
	return c
}

// write inserts the key in tx unless a row holds it already.
func (c *Claim) write(ctx context.Context, tx bun.Tx) error {
	row := &IdempotencyKey{Caller: c.Caller, Key: c.Key, RequestHash: c.Hash, CreatedAt: c.At.UTC()}
	res, err := tx.NewInsert().Model(row).On("CONFLICT (caller, idem_key) DO NOTHING").Exec(ctx)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return ErrKeyInUse
	}
	return nil
}

// FindIdempotencyKey reads the caller's key written after since; nil when
// there is none. Older rows of that key are deleted first.
func (db *DB) FindIdempotencyKey(ctx context.Context, caller, key string, since time.Time) (*IdempotencyKey, error) {
	if _, err := db.NewDelete().Model((*IdempotencyKey)(nil)).Where("caller = ? AND idem_key = ? AND created_at <= ?", caller, key, since.UTC()).Exec(ctx); err != nil {
		return nil, err
	}
	var row IdempotencyKey
	err := db.NewSelect().Model(&row).Where("caller = ? AND idem_key = ?", caller, key).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &row, nil
}

// SaveIdempotentAnswer keeps the answer of a request: next to its key when
// the request's change wrote it, else as a new row (an answer that changed
// nothing, such as a userError, is kept too, so a retry sees the same).
func (db *DB) SaveIdempotentAnswer(ctx context.Context, c *Claim, status int, body string) error {
	if c.Written() {
		_, err := db.NewUpdate().Model((*IdempotencyKey)(nil)).Set("status = ?, response = ?", status, body).
			Where("caller = ? AND idem_key = ?", c.Caller, c.Key).Exec(ctx)
		return err
	}
	row := &IdempotencyKey{Caller: c.Caller, Key: c.Key, RequestHash: c.Hash, Status: &status, Response: &body, CreatedAt: c.At.UTC()}
	_, err := db.NewInsert().Model(row).On("CONFLICT (caller, idem_key) DO NOTHING").Exec(ctx)
	return err
}

// DeleteIdempotencyKeys removes every key written before t.
func (db *DB) DeleteIdempotencyKeys(ctx context.Context, before time.Time) error {
	_, err := db.NewDelete().Model((*IdempotencyKey)(nil)).Where("created_at < ?", before.UTC()).Exec(ctx)
	return err
}
