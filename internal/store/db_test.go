package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"

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
