// Package storetest gives tests fresh databases: an SQLite file always, and
// a PostgreSQL database when a server is reachable. With CI=true an
// unreachable PostgreSQL fails the test instead of skipping it.
//
// Migrating a database costs far more than copying one, so each test
// process migrates one template of each kind, the first time a test asks
// for it, and gives every test a copy: on PostgreSQL a database created
// with CREATE DATABASE … TEMPLATE, on SQLite a copy of the file. A package
// whose tests use this one must run them through Main (see there), which
// removes the templates when the tests are done.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/gendertrack/gendertrack/internal/store"
)

// DefaultPG is the PostgreSQL server tried when GENDERTRACK_TEST_PG is unset.
const DefaultPG = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// templatePrefix names the template databases; the rest of the name is
// the Unix time of its creation and a random suffix, so that every test
// process (go test ./... runs packages in parallel processes) has its own
// and a template left behind by a killed process can be recognised as
// stale.
const templatePrefix = "gt_tpl_"

// staleAfter is the age past which a template is taken for one left by a
// process that was killed before it could drop it.
const staleAfter = 24 * time.Hour

var (
	// inMain is set by Main: without it the templates would outlive the
	// test process, so NewURL refuses to run.
	inMain atomic.Bool

	pgOnce sync.Once
	pgErr  error
	admin  *sql.DB // the maintenance connection pool, for CREATE and DROP DATABASE

	pgTplOnce sync.Once
	pgTpl     string // name of this process's PostgreSQL template
	pgTplErr  error

	liteTplOnce sync.Once
	liteTplDir  string // holds this process's SQLite template, template.db
	liteTplErr  error
)

// Main runs a package's tests and then drops the PostgreSQL template and
// removes the SQLite template this process made. Every package whose
// tests call NewURL, NewEmptyURL or Each runs them through it:
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
//
// The exit status is m.Run's: TestMain returning lets the testing package
// exit with it.
func Main(m *testing.M) {
	inMain.Store(true)
	m.Run()
	cleanup()
}

func cleanup() {
	if pgTpl != "" && admin != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pgTpl+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "storetest: drop template database %s: %v\n", pgTpl, err)
		}
	}
	if admin != nil {
		admin.Close()
	}
	if liteTplDir != "" {
		os.RemoveAll(liteTplDir)
	}
}

func adminURL() string {
	if v := os.Getenv("GENDERTRACK_TEST_PG"); v != "" {
		return v
	}
	return DefaultPG
}

// pgAvailable reports whether the PostgreSQL server answers, and opens
// the maintenance pool when it does.
func pgAvailable() error {
	pgOnce.Do(func() {
		db, err := sql.Open("pgx", adminURL())
		if err != nil {
			pgErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if pgErr = db.PingContext(ctx); pgErr != nil {
			db.Close()
			return
		}
		admin = db
	})
	return pgErr
}

// Each runs fn as a subtest once per database kind ("sqlite", "postgres"),
// each with a fresh database URL, migrated.
func Each(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	each(t, NewURL, fn)
}

// EachEmpty is Each with empty databases, not migrated: for the tests of
// migrating itself.
func EachEmpty(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	each(t, NewEmptyURL, fn)
}

func each(t *testing.T, newURL func(testing.TB, string) string, fn func(t *testing.T, dsn string)) {
	t.Helper()
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			fn(t, newURL(t, kind))
		})
	}
}

// NewURL creates a fresh database of the given kind with every migration
// applied, a copy of this process's template, and returns its URL; it is
// removed when the test ends.
func NewURL(t testing.TB, kind string) string {
	t.Helper()
	requireMain(t)
	if kind == "sqlite" {
		dir, err := liteTemplate()
		if err != nil {
			t.Fatalf("SQLite template: %v", err)
		}
		path := filepath.Join(t.TempDir(), "test.db")
		if err := copyFile(filepath.Join(dir, "template.db"), path); err != nil {
			t.Fatalf("copy the SQLite template: %v", err)
		}
		return "sqlite:" + path
	}
	requirePG(t)
	tpl, err := pgTemplate()
	if err != nil {
		t.Fatalf("PostgreSQL template: %v", err)
	}
	return newPG(t, tpl)
}

// NewEmptyURL creates a fresh empty database of the given kind, with no
// migration applied, and returns its URL; it is removed when the test ends.
func NewEmptyURL(t testing.TB, kind string) string {
	t.Helper()
	requireMain(t)
	if kind == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	}
	requirePG(t)
	return newPG(t, "")
}

func requireMain(t testing.TB) {
	t.Helper()
	if !inMain.Load() {
		t.Fatal("storetest: run this package's tests through storetest.Main (func TestMain(m *testing.M) { storetest.Main(m) }), which removes the template databases")
	}
}

// requirePG skips the test, or fails it under CI=true, when PostgreSQL
// does not answer.
func requirePG(t testing.TB) {
	t.Helper()
	if err := pgAvailable(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true but unreachable at %s: %v", adminURL(), err)
		}
		t.Skipf("PostgreSQL unreachable (%v); set GENDERTRACK_TEST_PG or start it to run the PostgreSQL suite", err)
	}
}

// newPG creates a database, a copy of template when it is not "", and
// drops it when the test ends.
func newPG(t testing.TB, template string) string {
	t.Helper()
	name := "gt_test_" + randomHex()
	if err := createDB(name, template); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return pgURL(name)
}

// createDB runs CREATE DATABASE, from template when it is not "".
// PostgreSQL refuses to copy a database another session is connected to,
// and waits only five seconds for such sessions to end; the template's
// own migrating connections may still be closing, so the refusal is
// retried for a while.
func createDB(name, template string) error {
	q := "CREATE DATABASE " + name
	if template != "" {
		q += " TEMPLATE " + template
	}
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		if _, err = admin.Exec(q); err == nil {
			return nil
		}
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || pg.Code != "55006" { // object_in_use
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
	return err
}

func pgURL(name string) string {
	u, _ := url.Parse(adminURL())
	u.Path = "/" + name
	return u.String()
}

// pgTemplate creates and migrates this process's PostgreSQL template
// once, after dropping the templates of processes killed long ago.
func pgTemplate() (string, error) {
	pgTplOnce.Do(func() {
		dropStaleTemplates()
		name := templatePrefix + strconv.FormatInt(time.Now().Unix(), 10) + "_" + randomHex()
		if pgTplErr = createDB(name, ""); pgTplErr != nil {
			return
		}
		// Set now, so that Main drops it even when migrating fails.
		pgTpl = name
		if pgTplErr = migrate(pgURL(name)); pgTplErr != nil {
			return
		}
		// Nobody connects to the template from now on: a session on it
		// would make every CREATE DATABASE … TEMPLATE fail.
		_, pgTplErr = admin.Exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false")
	})
	return pgTpl, pgTplErr
}

// dropStaleTemplates drops the templates created more than staleAfter
// ago: left by a test process killed before Main could drop them (a
// timeout, an interrupt). Templates of running processes are younger.
func dropStaleTemplates() {
	rows, err := admin.Query("SELECT datname FROM pg_database WHERE datname LIKE '" + templatePrefix + "%'")
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		created, _, _ := strings.Cut(strings.TrimPrefix(name, templatePrefix), "_")
		if sec, err := strconv.ParseInt(created, 10, 64); err == nil && time.Since(time.Unix(sec, 0)) > staleAfter {
			stale = append(stale, name)
		}
	}
	rows.Close()
	for _, name := range stale {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") //nolint:errcheck // another process may drop it first
	}
}

// liteTemplate migrates this process's SQLite template once.
func liteTemplate() (string, error) {
	liteTplOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gendertrack-storetest-")
		if err != nil {
			liteTplErr = err
			return
		}
		liteTplDir = dir
		path := filepath.Join(dir, "template.db")
		if liteTplErr = migrate("sqlite:" + path); liteTplErr != nil {
			return
		}
		// Closing the last connection folds the write-ahead log into the
		// file; a log left behind would be missing from the copies.
		if _, err := os.Stat(path + "-wal"); err == nil {
			liteTplErr = errors.New("the template's write-ahead log outlived its connections")
		}
	})
	return liteTplDir, liteTplErr
}

// migrate applies every migration to the database at dsn, then closes it.
func migrate(dsn string) error {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return err
	}
	return db.Close()
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

func randomHex() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Open opens a database at dsn and applies any migration it lacks (none,
// for a database from NewURL); it is closed when the test ends.
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
