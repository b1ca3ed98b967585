// Package storetest gives tests fresh databases: an SQLite file always, and
// a PostgreSQL database when a server is reachable. With CI=true an
// unreachable PostgreSQL fails the test instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/gendertrack/gendertrack/internal/store"
)

// DefaultPG is the PostgreSQL server tried when GENDERTRACK_TEST_PG is unset.
const DefaultPG = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	pgOnce sync.Once
	pgErr  error
)

func adminURL() string {
	if v := os.Getenv("GENDERTRACK_TEST_PG"); v != "" {
		return v
	}
	return DefaultPG
}

// pgAvailable reports whether the PostgreSQL server answers.
func pgAvailable() error {
	pgOnce.Do(func() {
		db, err := sql.Open("pgx", adminURL())
		if err != nil {
			pgErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		pgErr = db.PingContext(ctx)
	})
	return pgErr
}

// Each runs fn as a subtest once per database kind ("sqlite", "postgres"),
// each with a fresh, empty database URL.
func Each(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			fn(t, NewURL(t, kind))
		})
	}
}

// NewURL creates a fresh empty database of the given kind and returns its
// URL; it is removed when the test ends.
func NewURL(t testing.TB, kind string) string {
	t.Helper()
	if kind == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	}
	if err := pgAvailable(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true but unreachable at %s: %v", adminURL(), err)
		}
		t.Skipf("PostgreSQL unreachable (%v); set GENDERTRACK_TEST_PG or start it to run the PostgreSQL suite", err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "gt_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", adminURL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u, _ := url.Parse(adminURL())
	u.Path = "/" + name
	return u.String()
}

// Open opens and migrates a database at dsn, closed when the test ends.
func Open(t testing.TB, dsn string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// Kind names the database kind of a URL.
func Kind(dsn string) string {
	if strings.HasPrefix(dsn, "sqlite:") {
		return "sqlite"
	}
	return "postgres"
}
