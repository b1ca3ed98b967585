package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/money"
	"github.com/gendertrack/gendertrack/internal/store"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// A burst that uses every connection the pool may open must leave them
// all idle for the next burst, not close the surplus: each new PostgreSQL
// connection is a new server process whose start cost more CPU than the
// queries it then ran.
func TestConnectionsOfABurstAreKeptForTheNext(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		ctx := context.Background()
		max := db.DB.DB.Stats().MaxOpenConnections
		if max == 0 {
			t.Fatal("the pool has no bound on open connections")
		}
		for range 2 {
			conns := make([]interface{ Close() error }, 0, max)
			for range max {
				c, err := db.DB.DB.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var one int
				if err := c.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
			}
			for _, c := range conns {
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
			}
		}
		st := db.DB.DB.Stats()
		if st.MaxIdleClosed != 0 || st.Idle != max {
			t.Fatalf("after two bursts of %d connections: %d closed as surplus, %d idle; want 0 closed, %d idle", max, st.MaxIdleClosed, st.Idle, max)
		}
	})
}

// Connection strings reach logs and error messages with their password
// hidden: an unreachable server, a scheme the service does not know, and
// the handle's Redacted form.
func TestConnectionStringPasswordsAreRedacted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const secret = "s3cret-Pa55"
	for _, dsn := range []string{
		"postgres://gendertrack:" + secret + "@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=2",
		"mysql://root:" + secret + "@127.0.0.1/gendertrack",
	} {
		_, err := store.Open(ctx, dsn)
		if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "xxxxx") {
			t.Fatalf("opening %s: %v", strings.SplitN(dsn, ":", 2)[0], err)
		}
	}
	storetest.Each(t, func(t *testing.T, dsn string) {
		if storetest.Kind(dsn) == "sqlite" {
			db := storetest.Open(t, dsn)
			if db.Redacted() != dsn {
				t.Fatalf("an SQLite URL has no password to hide: %q became %q", dsn, db.Redacted())
			}
			return
		}
		// The test server trusts local connections: any password opens.
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(u.User.Username(), secret)
		db := storetest.Open(t, u.String())
		if r := db.Redacted(); strings.Contains(r, secret) || !strings.Contains(r, "xxxxx@") || !strings.HasPrefix(r, "postgres://") {
			t.Fatalf("Redacted() = %q", r)
		}
	})
}

// With a threshold, every statement slower than it is logged at warning
// level with its duration and text, cut at 2000 characters; without one,
// nothing is.
func TestSlowQueriesAreLogged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, nil))

		quiet := storetest.Open(t, dsn)
		quiet.LogSlowQueries(-1, log)
		if _, err := quiet.ExecContext(ctx, "SELECT 1"); err != nil {
			t.Fatal(err)
		}
		if buf.Len() != 0 {
			t.Fatalf("logged without a threshold: %s", buf.String())
		}

		db := storetest.Open(t, dsn)
		db.LogSlowQueries(0, log) // 0: every statement
		var n int
		if err := db.NewSelect().ColumnExpr("count(*)").Table("institutions").Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		line := buf.String()
		if !strings.Contains(line, "level=WARN") || !strings.Contains(line, `msg="slow query"`) || !strings.Contains(line, "duration_ms=") ||
			!strings.Contains(line, "count(*)") || !strings.Contains(line, "institutions") {
			t.Fatalf("the slow statement's log line: %s", line)
		}
		buf.Reset()
		long := "SELECT '" + strings.Repeat("x", 3000) + "'"
		if _, err := db.ExecContext(ctx, long); err != nil {
			t.Fatal(err)
		}
		if line := buf.String(); !strings.Contains(line, strings.Repeat("x", 1000)) || strings.Contains(line, strings.Repeat("x", 2000)) || !strings.Contains(line, "…") {
			t.Fatalf("a 3000-character statement was not cut to 2000 characters: %d bytes logged", len(line))
		}
		if db.Queries() < 2 {
			t.Fatalf("the handle counted %d statements", db.Queries())
		}
	})
}

type boundRow struct {
	bun.BaseModel `bun:"table:bound_rows"`
	ID            int64  `bun:"id,pk"`
	Name          string `bun:"name"`
}

// Statements built with store.Args read the same rows as bun's own on
// both databases, count and log like them, and on PostgreSQL keep their
// text whatever the ids asked (the arguments travel apart, $1, $2), so
// that PostgreSQL parses and plans each once per connection.
func TestBoundArguments(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var buf bytes.Buffer
		db := storetest.Open(t, dsn)
		db.LogSlowQueries(0, slog.New(slog.NewTextHandler(&buf, nil)))
		if _, err := db.NewCreateTable().Model((*boundRow)(nil)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		rows := []boundRow{{ID: 1, Name: "one"}, {ID: 2, Name: "two"}, {ID: 3, Name: "three"}}
		if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
			t.Fatal(err)
		}

		var texts []string
		for _, ids := range [][]int64{{1, 3}, {2}, {4}} {
			buf.Reset()
			before := db.Queries()
			got, err := store.ByIDs(ctx, db, ids, func(r *boundRow) int64 { return r.ID })
			if err != nil {
				t.Fatal(err)
			}
			if n := db.Queries() - before; n != 1 {
				t.Fatalf("ByIDs(%v) counted %d statements, want 1", ids, n)
			}
			want := 0
			for _, id := range ids {
				if id <= 3 {
					want++
					if got[id] == nil || got[id].Name != rows[id-1].Name {
						t.Fatalf("ByIDs(%v)[%d] = %+v", ids, id, got[id])
					}
				}
			}
			if len(got) != want {
				t.Fatalf("ByIDs(%v) = %d rows, want %d", ids, len(got), want)
			}
			line := buf.String()
			q := line[strings.Index(line, "query="):]
			if i := strings.Index(q, " args="); i >= 0 {
				q = q[:i]
			}
			texts = append(texts, q)
			if db.Postgres && (!strings.Contains(line, "= ANY($1)") || !strings.Contains(line, "args=")) {
				t.Fatalf("on PostgreSQL the ids are not an argument: %s", line)
			}
		}
		if db.Postgres && (texts[0] != texts[1] || texts[1] != texts[2]) {
			t.Fatalf("the statement's text changed with its ids:\n%s\n%s\n%s", texts[0], texts[1], texts[2])
		}
		if !db.Postgres && (!strings.Contains(texts[0], "IN (1, 3)") || texts[0] == texts[1]) {
			t.Fatalf("on SQLite the ids are written into the text: %s", texts[0])
		}

		// One row: scanned, or sql.ErrNoRows when there is none.
		for _, c := range []struct {
			id   int64
			want string
			err  error
		}{{2, "two", nil}, {9, "", sql.ErrNoRows}} {
			a := db.Args()
			var r boundRow
			err := db.Select(ctx, db.NewSelect().Model(&r).Where("id = ?", a.Value(c.id)), a, &r)
			if !errors.Is(err, c.err) || r.Name != c.want {
				t.Fatalf("row %d: %+v, %v; want %q, %v", c.id, r, err, c.want, c.err)
			}
		}

		// A page and its count, arguments on both.
		items, more, total, err := store.List[boundRow](ctx, db, func(q *bun.SelectQuery, a *store.Args) *bun.SelectQuery {
			return q.Where("name <> ?", a.Value("two"))
		}, "id", store.Page{First: 1})
		if err != nil || len(items) != 1 || items[0].ID != 1 || !more || total != 2 {
			t.Fatalf("List: %+v more %v total %d err %v; want [1] more true total 2", items, more, total, err)
		}
		items, more, _, err = store.List[boundRow](ctx, db, func(q *bun.SelectQuery, a *store.Args) *bun.SelectQuery {
			return q.Where("name <> ?", a.Value("two"))
		}, "id", store.Page{First: 1, After: 1})
		if err != nil || len(items) != 1 || items[0].ID != 3 || more {
			t.Fatalf("List after 1: %+v more %v err %v; want [3], no more", items, more, err)
		}
	})
}

type plainRow struct {
	bun.BaseModel `bun:"table:plain_rows"`
	ID            int64          `bun:"id,pk"`
	Name          string         `bun:"name,notnull"`
	Count         int            `bun:"count,notnull"`
	Share         *float64       `bun:"share"`
	Note          *string        `bun:"note"`
	Parent        *int64         `bun:"parent"`
	Done          bool           `bun:"done,notnull"`
	At            time.Time      `bun:"at,notnull"`
	Closed        *time.Time     `bun:"closed"`
	Amount        *money.Decimal `bun:"amount"`
}

// Rows of a type whose every field pgx scans itself are read through
// pgx's own interface on PostgreSQL (store.Select); they must come out as
// bun reads them, NULLs, times and amounts included.
func TestPlainRowsReadAsBunReadsThem(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := storetest.Open(t, dsn)
		// Amounts are NUMERIC on PostgreSQL and TEXT on SQLite, as in the
		// service's tables.
		ts, dec := "TEXT", "TEXT"
		if db.Postgres {
			ts, dec = "TIMESTAMPTZ", "NUMERIC"
		}
		if _, err := db.ExecContext(ctx, `CREATE TABLE plain_rows (id BIGINT PRIMARY KEY, name TEXT NOT NULL, count INTEGER NOT NULL,
			share DOUBLE PRECISION, note TEXT, parent BIGINT, done BOOLEAN NOT NULL, at `+ts+` NOT NULL, closed `+ts+`, amount `+dec+`)`); err != nil {
			t.Fatal(err)
		}
		share, note, parent := 0.25, "a note", int64(7)
		at := time.Date(2026, 11, 30, 8, 15, 0, 123000000, time.UTC)
		closed := at.Add(36 * time.Hour)
		amount, err := money.ParseAmount("12345678901234.5678")
		if err != nil {
			t.Fatal(err)
		}
		rows := []plainRow{
			{ID: 1, Name: "full", Count: 3, Share: &share, Note: &note, Parent: &parent, Done: true, At: at, Closed: &closed, Amount: &amount},
			{ID: 2, Name: "empty", At: at},
		}
		if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		var byBun []plainRow
		if err := db.NewSelect().Model(&byBun).Order("id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := store.ByIDs(ctx, db, []int64{1, 2}, func(r *plainRow) int64 { return r.ID })
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range byBun {
			g := got[want.ID]
			if g == nil {
				t.Fatalf("row %d missing", want.ID)
			}
			if g.Name != want.Name || g.Count != want.Count || !reflect.DeepEqual(g.Share, want.Share) || !reflect.DeepEqual(g.Note, want.Note) ||
				!reflect.DeepEqual(g.Parent, want.Parent) || g.Done != want.Done || !g.At.Equal(want.At) ||
				(g.Closed == nil) != (want.Closed == nil) || (g.Closed != nil && !g.Closed.Equal(*want.Closed)) ||
				(g.Amount == nil) != (want.Amount == nil) || (g.Amount != nil && g.Amount.String() != want.Amount.String()) {
				t.Fatalf("row %d: read %+v, bun read %+v", want.ID, *g, want)
			}
		}
		if a := got[1].Amount; a == nil || a.String() != "12345678901234.5678" || !got[1].At.Equal(at) {
			t.Fatalf("row 1 amount %v at %v", a, got[1].At)
		}
	})
}

// On PostgreSQL the bound statements keep one generic plan per connection
// unless the connection string asks otherwise (SQLite has no plan cache
// to set).
func TestGenericPlansUnlessTheURLSaysOtherwise(t *testing.T) {
	t.Parallel()
	dsn := storetest.NewURL(t, "postgres")
	ctx := context.Background()
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	for _, c := range []struct{ suffix, want string }{{"", "force_generic_plan"}, {sep + "plan_cache_mode=auto", "auto"}} {
		db, err := store.Open(ctx, dsn+c.suffix)
		if err != nil {
			t.Fatal(err)
		}
		var mode string
		err = db.QueryRowContext(ctx, "SHOW plan_cache_mode").Scan(&mode)
		db.Close()
		if err != nil || mode != c.want {
			t.Fatalf("%q: plan_cache_mode %q, %v; want %q", c.suffix, mode, err, c.want)
		}
	}
}

type writtenRow struct {
	bun.BaseModel `bun:"table:written_rows"`
	ID            int64      `bun:"id,pk,autoincrement"`
	Name          string     `bun:"name,notnull"`
	Count         int        `bun:"count,notnull"`
	Share         *float64   `bun:"share"`
	Note          *string    `bun:"note"`
	Done          bool       `bun:"done,notnull"`
	At            time.Time  `bun:"at,notnull"`
	Closed        *time.Time `bun:"closed"`
	Tags          []string   `bun:"tags,type:text"`
	Kind          string     `bun:"kind,nullzero,notnull,default:'plain'"`
	Version       int        `bun:"version,notnull"`
}

// Rows written by store.Insert and store.UpdateVersioned, whose values are
// bound on SQLite, hold exactly what bun's own statements store: the same
// text for times, quotes, JSON and NULLs, the column default where bun
// leaves one. On SQLite each statement is prepared once whatever its
// values.
func TestBoundWritesStoreWhatBunStores(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := storetest.Open(t, dsn)
		ddl := `CREATE TABLE written_rows (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, count INTEGER NOT NULL,
			share DOUBLE PRECISION, note TEXT, done BOOLEAN NOT NULL, at TEXT NOT NULL, closed TEXT, tags TEXT,
			kind TEXT NOT NULL DEFAULT 'plain', version INTEGER NOT NULL)`
		if db.Postgres {
			ddl = strings.NewReplacer("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY", " TEXT NOT NULL, closed TEXT", " TIMESTAMPTZ NOT NULL, closed TIMESTAMPTZ").Replace(ddl)
		}
		if _, err := db.ExecContext(ctx, ddl); err != nil {
			t.Fatal(err)
		}
		share, tiny, note := 0.1, 1e-7, "it's \"quoted\"\n''twice''"
		at := time.Date(2026, 11, 30, 8, 15, 0, 123456789, time.UTC)
		closed := at.Add(36 * time.Hour).In(time.FixedZone("WAT", 3600))
		rows := []writtenRow{
			{Name: "O'Brien", Count: 3, Share: &share, Note: &note, Done: true, At: at, Closed: &closed, Tags: []string{"l'été", `a"b`}, Kind: "special"},
			{Name: "empty", Share: &tiny, At: at},
			{Name: "", Count: -5, At: at, Tags: []string{}},
		}
		stored := func(id int64) []sql.NullString {
			t.Helper()
			cols := []string{"name", "count", "share", "note", "done", "at", "closed", "tags", "kind", "version"}
			out := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i, c := range cols {
				cols[i] = "CAST(" + c + " AS TEXT)"
				ptrs[i] = &out[i]
			}
			if err := db.QueryRowContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM written_rows WHERE id = "+strconv.FormatInt(id, 10)).Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			return out
		}
		for i, r := range rows {
			byBun, bound := r, r
			if _, err := db.NewInsert().Model(&byBun).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error { return store.Insert(ctx, tx, &bound) }); err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
			if bound.ID == 0 || bound.ID == byBun.ID {
				t.Fatalf("row %d: id %d (bun's %d)", i, bound.ID, byBun.ID)
			}
			if got, want := stored(bound.ID), stored(byBun.ID); !reflect.DeepEqual(got, want) {
				t.Fatalf("row %d inserted:\n bound %v\n bun   %v", i, got, want)
			}
			// The same change both ways.
			later := at.Add(time.Hour)
			for _, m := range []*writtenRow{&byBun, &bound} {
				m.Name, m.Note, m.Closed, m.Tags, m.Done = m.Name+"'s", nil, &later, append(m.Tags, "x'y"), !m.Done
			}
			cols := []string{"name", "note", "closed", "tags", "done"}
			if _, err := db.NewUpdate().Model(&byBun).Column(cols...).Set("version = version + 1").WherePK().Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
				return store.UpdateVersioned(ctx, tx, &bound, bound.ID, 0, &bound.Version, cols...)
			}); err != nil || bound.Version != 1 {
				t.Fatalf("row %d: update: %v, version %d", i, err, bound.Version)
			}
			if got, want := stored(bound.ID), stored(byBun.ID); !reflect.DeepEqual(got, want) {
				t.Fatalf("row %d updated:\n bound %v\n bun   %v", i, got, want)
			}
		}
		// A bound time compares with the stored ones as bun's literal does,
		// and a transaction's bound reads see its own writes.
		err := db.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			r := writtenRow{Name: "in tx", At: at}
			if err := store.Insert(ctx, tx, &r); err != nil {
				return err
			}
			a := db.TxArgs(tx)
			var ids []int64
			if err := db.Select(ctx, tx.NewSelect().Model((*writtenRow)(nil)).Column("id").Where("at = ?", a.Value(at)).Order("id"), a, &ids); err != nil {
				return err
			}
			if len(ids) != 2*len(rows)+1 || ids[len(ids)-1] != r.ID {
				t.Errorf("rows at %v: %v, want %d ending with %d", at, ids, 2*len(rows)+1, r.ID)
			}
			return errors.New("roll back")
		})
		if err == nil || err.Error() != "roll back" {
			t.Fatal(err)
		}
		// A hot read outside a transaction compares a bound time the same
		// way, and on SQLite is kept on the reading connections alone.
		for range 3 {
			a := db.HotArgs()
			var n int
			if err := db.Select(ctx, db.NewSelect().Model((*writtenRow)(nil)).ColumnExpr("count(*)").Where("at = ?", a.Value(at)).Where("closed > ?", a.Value(at.Add(time.Minute))), a, &n); err != nil {
				t.Fatal(err)
			}
			if n != 2*len(rows) {
				t.Fatalf("hot read: %d rows closed after %v, want %d", n, at.Add(time.Minute), 2*len(rows))
			}
		}
		if !db.Postgres {
			// Two insert texts (kind left to its default or not), one
			// update, one select.
			if n := store.PreparedTexts(db); n != 4 {
				t.Fatalf("%d statements kept prepared, want 4", n)
			}
			if n := store.HotTexts(db); n != 1 {
				t.Fatalf("%d hot reads kept prepared, want 1", n)
			}
		}
	})
}
