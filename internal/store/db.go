// Package store opens the database (PostgreSQL or embedded SQLite), runs the
// migrations and holds the bun models and queries shared by the services.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/migrate"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver

	"github.com/gendertrack/gendertrack/migrations"
)

// DB is the service's database handle.
type DB struct {
	*bun.DB
	// Postgres is true on PostgreSQL, false on SQLite.
	Postgres bool
	// URL is the connection string the handle was opened with.
	URL string

	queries atomic.Int64
	// slow, when set, logs the statements run through Select as the
	// query hook logs bun's (LogSlowQueries).
	slow *slowLog
	// writer, on SQLite, lets one transaction of this process at a time
	// take the database's single write lock; the others wait here, in
	// order, instead of in SQLite's busy handler, which polls with
	// sleeps of up to 100 ms.
	writer chan struct{}
	// w, on SQLite, is the handle Tx runs its transactions on: two
	// connections of its own (see Open), on which alone the statements of
	// transactions are kept prepared (stmts, TxArgs). Kept on the
	// connections that also read, they took SQLite's per-connection
	// fast allocator (its "lookaside" memory) from the reads prepared
	// there, which then cost ~6 % more CPU under the mixed load.
	w *bun.DB
	// stmts are the statements kept prepared on w.
	stmts Prepared
	// hot are the few reads every request runs (HotArgs), kept prepared
	// on the reading connections of SQLite.
	hot Prepared
}

// handles finds the DB of a bun handle (a transaction's included): the
// functions given only a bun.IDB bind their arguments through it (Of).
var handles sync.Map // *sql.DB → *DB

// Of is the DB that idb (the DB's handle or one of its transactions)
// belongs to, or nil.
func Of(idb bun.IDB) *DB {
	var sdb *sql.DB
	switch h := idb.(type) {
	case *DB:
		return h
	case bun.Tx:
		sdb = h.NewSelect().DB().DB
	case *bun.DB:
		sdb = h.DB
	default:
		return nil
	}
	if d, ok := handles.Load(sdb); ok {
		return d.(*DB)
	}
	return nil
}

// Close closes the database and what it keeps prepared.
func (db *DB) Close() error {
	handles.Delete(db.DB.DB)
	db.stmts.close()
	db.hot.close()
	if db.w != nil {
		handles.Delete(db.w.DB)
		_ = db.w.Close()
	}
	return db.DB.Close()
}

// Open connects to dsn: "postgres://…" (or "postgresql://…") or "sqlite:PATH".
// It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var (
		sqldb *sql.DB
		wdb   *sql.DB // SQLite's writer (DB.w)
		bdb   *bun.DB
		pg    bool
		err   error
	)
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		pg = true
		// bun writes each statement's arguments into its text, so every
		// statement is new to the server: the simple protocol sends it in
		// one round trip instead of preparing it first.
		//
		// The statements whose arguments are bound (Args) are prepared once
		// per connection; they look rows up by key, where one plan serves
		// every argument, so PostgreSQL is told to keep a generic plan
		// instead of planning each execution again for its arguments
		// (which it did, finding no generic plan cheaper): 15 % of its CPU
		// on the peer dashboard.
		conn := dsn
		if u, perr := url.Parse(dsn); perr == nil {
			q := u.Query()
			if !q.Has("default_query_exec_mode") {
				q.Set("default_query_exec_mode", "simple_protocol")
			}
			if !q.Has("plan_cache_mode") {
				q.Set("plan_cache_mode", "force_generic_plan")
			}
			u.RawQuery = q.Encode()
			conn = u.String()
		}
		sqldb, err = sql.Open("pgx", conn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// As many idle connections kept as may be open: with fewer, every
		// burst closed the surplus and the next opened new ones, and a new
		// PostgreSQL backend (a process, its catalog caches filled again,
		// the rules' statement prepared again) cost more CPU than the
		// queries it then ran: ~57 connections a second under the mixed
		// load at 200 requests/s.
		sqldb.SetMaxOpenConns(20)
		sqldb.SetMaxIdleConns(20)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		bdb = bun.NewDB(sqldb, pgdialect.New())
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, errors.New("sqlite: a file path is required, e.g. sqlite:gendertrack.db")
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		// The commit that fills the write-ahead log copies it into the
		// database while every queued writer waits. Every 10,000 pages
		// (~40 MB) instead of SQLite's 1,000: a tenth as many such
		// pauses and less copying in all (a page written many times is
		// copied once); record-progress p95 6 ms instead of 9 ms at
		// 1,800 writes/s, the rare pause ~45 ms instead of ~15 ms.
		q.Add("_pragma", "wal_autocheckpoint(10000)")
		q.Set("_txlock", "immediate")
		q.Set("_time_format", "sqlite")
		sqldb, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode())
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		wdb, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode())
		if err != nil {
			_ = sqldb.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// Tx holds one of the writer's connections; a statement kept for
		// the first time (Prepared) is prepared on the other, while the
		// transaction that asks for it holds the first.
		wdb.SetMaxOpenConns(2)
		wdb.SetMaxIdleConns(2)
		// WAL allows many readers and one writer; immediate transactions
		// queue writers on busy_timeout instead of failing on upgrade.
		sqldb.SetMaxOpenConns(8)
		sqldb.SetMaxIdleConns(8)
		bdb = bun.NewDB(sqldb, sqlitedialect.New())
	default:
		return nil, fmt.Errorf("database %q: use postgres://… or sqlite:PATH", redact(dsn))
	}
	db := &DB{Postgres: pg, URL: dsn}
	db.DB = bdb.WithQueryHook(counter{&db.queries})
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, h := range []*sql.DB{sqldb, wdb} {
		if h == nil {
			continue
		}
		if err := h.PingContext(pctx); err != nil {
			_ = sqldb.Close()
			if wdb != nil {
				_ = wdb.Close()
			}
			return nil, fmt.Errorf("connect to %s: %w", redact(dsn), err)
		}
		handles.Store(h, db)
	}
	if wdb != nil {
		db.writer = make(chan struct{}, 1)
		db.w = bun.NewDB(wdb, sqlitedialect.New()).WithQueryHook(counter{&db.queries})
	}
	return db, nil
}

// Queries is the number of SQL statements run through this handle so far.
// Tests use it to show that a request's statement count does not grow with
// the data.
func (db *DB) Queries() int64 { return db.queries.Load() }

// LogSlowQueries logs, at warning level, every statement that takes at
// least threshold (0: every statement; negative: none): the first place to
// look when a request is slow.
func (db *DB) LogSlowQueries(threshold time.Duration, log *slog.Logger) {
	if threshold >= 0 {
		db.slow = &slowLog{threshold, log}
		db.DB = db.DB.WithQueryHook(*db.slow)
		if db.w != nil {
			db.w = db.w.WithQueryHook(*db.slow)
		}
	}
}

type slowLog struct {
	threshold time.Duration
	log       *slog.Logger
}

func (slowLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (s slowLog) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	s.after(ctx, e.StartTime, e.Query, nil)
}

func (s slowLog) after(ctx context.Context, start time.Time, q string, args []any) {
	if d := time.Since(start); d >= s.threshold {
		if len(q) > 2000 {
			q = q[:2000] + "…"
		}
		attrs := []any{"duration_ms", float64(d.Microseconds()) / 1000, "query", q}
		if len(args) > 0 {
			v := fmt.Sprint(args)
			if len(v) > 2000 {
				v = v[:2000] + "…"
			}
			attrs = append(attrs, "args", v)
		}
		s.log.WarnContext(ctx, "slow query", attrs...)
	}
}

type counter struct{ n *atomic.Int64 }

func (c counter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	c.n.Add(1)
	return ctx
}
func (counter) AfterQuery(context.Context, *bun.QueryEvent) {}

// redact hides a password in a connection string before it is logged.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Redacted is the connection string with any password hidden.
func (db *DB) Redacted() string { return redact(db.URL) }

// migrationLockKey is the PostgreSQL advisory lock that serialises migrations
// when several instances start at once.
const migrationLockKey = 727_411_001

// Migrate applies every pending migration. On PostgreSQL concurrent starters
// wait for each other on an advisory lock; on SQLite the immediate
// transactions serialise them.
func (db *DB) Migrate(ctx context.Context) (applied []string, err error) {
	if db.Postgres {
		conn, err := db.DB.DB.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey) //nolint:errcheck
	}
	m := migrate.NewMigrator(db.DB, migrations.All, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("migration tables: %w", err)
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	for _, mg := range group.Migrations {
		applied = append(applied, mg.Name)
	}
	return applied, nil
}

// MigrationState is one migration and whether it has been applied.
type MigrationState struct {
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// MigrationStatus lists every known migration with its state.
func (db *DB) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	m := migrate.NewMigrator(db.DB, migrations.All)
	if err := m.Init(ctx); err != nil {
		return nil, err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationState, len(ms))
	for i, mg := range ms {
		out[i] = MigrationState{Name: mg.Name, Applied: mg.IsApplied(), AppliedAt: mg.MigratedAt}
	}
	return out, nil
}

// Ready reports whether the database answers and every migration is applied.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	var n int
	if err := db.NewSelect().Table("bun_migrations").ColumnExpr("count(*)").Scan(ctx, &n); err != nil {
		return fmt.Errorf("migrations unreadable: %w", err)
	}
	if want := len(migrations.All.Sorted()); n < want {
		return fmt.Errorf("%d of %d migrations applied", n, want)
	}
	return nil
}

// Tx runs fn in one transaction: committed when fn returns nil, rolled back
// otherwise. fn must not start another transaction.
func (db *DB) Tx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	if db.writer != nil {
		select {
		case db.writer <- struct{}{}:
			defer func() { <-db.writer }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	on := db.DB
	if db.w != nil {
		on = db.w
	}
	c := claimFrom(ctx)
	if c == nil {
		return on.RunInTx(ctx, nil, fn)
	}
	// The request carries an idempotency key: its first committed
	// transaction writes the key with the change.
	c.mu.Lock()
	defer c.mu.Unlock()
	wrote := false
	err := on.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		if c.written {
			return nil
		}
		wrote = true
		return c.write(ctx, tx)
	})
	if err == nil && wrote {
		c.written = true
	}
	return err
}

// Versions is the state of the data, institution by institution, as one
// statement reads it: what the response cache compares to tell whether an
// answer is still current (graph/respcache.go).
type Versions struct {
	// General and Answers are the two global revisions (data_revision 1
	// and 2): the data that belongs to no institution.
	General, Answers int64
	// Inst holds each institution's revisions.
	Inst map[int64]InstitutionVersion
}

// InstitutionVersion is one institution's pair: Flag (flag_revision)
// counts its changes but those on the answers side; All (revision) counts
// them all.
type InstitutionVersion struct{ Flag, All int64 }

// Sums are the institutions' sums: the version of an answer that may show
// any institution (DataVersion's pair, less the global revisions).
func (v Versions) Sums() (flag, answers int64) {
	for _, x := range v.Inst {
		flag += x.Flag
		answers += x.All - x.Flag
	}
	return flag, answers
}

// ReadVersions reads Versions in one statement.
func (db *DB) ReadVersions(ctx context.Context) (Versions, error) {
	var rows []struct {
		Kind int   `bun:"kind"`
		ID   int64 `bun:"id"`
		A    int64 `bun:"a"`
		B    int64 `bun:"b"`
	}
	// In id order, so that PostgreSQL reads the institutions through their
	// primary key: a heap grown by updates that no vacuum has cleaned
	// (KeepCountersVacuumed) then costs its 30 rows, not a scan of every
	// page (13 ms at 50 MB, against 0.3).
	err := db.NewRaw(`SELECT * FROM (SELECT 0 AS kind, id, flag_revision AS a, revision AS b FROM institutions ORDER BY id) AS i
		UNION ALL SELECT 1 AS kind, id, revision AS a, 0 AS b FROM data_revision`).Scan(ctx, &rows)
	v := Versions{Inst: make(map[int64]InstitutionVersion, len(rows))}
	for _, r := range rows {
		switch {
		case r.Kind == 0:
			v.Inst[r.ID] = InstitutionVersion{Flag: r.A, All: r.B}
		case r.ID == 1:
			v.General = r.A
		case r.ID == 2:
			v.Answers = r.A
		}
	}
	return v, err
}

// DataVersion names the state of all the data with one cheap read, in two
// parts. answers counts the changes to draft assessments' answers and the
// changes only the audit trail shows, such as sign-ins (audit events
// marked FlagNeutral); general counts every other change. Every
// audited change advances one of them in its own transaction (the
// institutions' revisions, their flag revisions and the global data
// revision are sums that only grow), so the pair read after a change
// commits differs from every pair read before it.
func (db *DB) DataVersion(ctx context.Context) (general, answers int64, err error) {
	v, err := db.ReadVersions(ctx)
	flag, ans := v.Sums()
	return flag + v.General, ans + v.Answers, err
}

// CounterTables are the tables every audited write updates a row of (the
// revision counters the touch triggers keep).
var CounterTables = []string{"institutions", "plan_flag_revisions", "data_revision"}

// VacuumCounters vacuums the revision counter tables on PostgreSQL (a no-op
// on SQLite): it marks the room their dead versions held as free, so that
// the next versions reuse it instead of growing the table.
func (db *DB) VacuumCounters(ctx context.Context) error {
	if !db.Postgres {
		return nil
	}
	_, err := db.ExecContext(ctx, "VACUUM (SKIP_LOCKED) "+strings.Join(CounterTables, ", "))
	return err
}

// KeepCountersVacuumed vacuums the counter tables every period until ctx
// ends, when PostgreSQL's autovacuum is off: every write updates a counter
// row (once per transaction and institution or plan), and without a
// vacuum the versions it leaves are never reused once their page is
// full, so the 30-row institutions table grew to 50 MB in a load test.
// With autovacuum on (PostgreSQL's default) it returns at once:
// autovacuum vacuums such small, busy tables within its naptime.
func (db *DB) KeepCountersVacuumed(ctx context.Context, period time.Duration, log *slog.Logger) {
	if !db.Postgres || period <= 0 {
		return
	}
	var on string
	if err := db.NewRaw("SHOW autovacuum").Scan(ctx, &on); err != nil || on == "on" {
		return
	}
	log.Info("autovacuum is off: the server vacuums its revision counters itself", "every", period.String())
	Every(ctx, period, func() {
		if err := db.VacuumCounters(ctx); err != nil && ctx.Err() == nil {
			log.Warn("vacuum of the revision counters failed", "err", err)
		}
	})
}

// Every calls fn every period until ctx ends.
func Every(ctx context.Context, period time.Duration, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}
