package account

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/reqinfo"
	"github.com/gendertrack/gendertrack/internal/store"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

func TestMain(m *testing.M) {
	auth.PasswordParams = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	storetest.Main(m)
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func from(addr string) context.Context {
	return reqinfo.With(context.Background(), &reqinfo.Info{ClientAddr: addr})
}

// message is the message of the userError a login answered ("" for a
// sign-in), failing the test unless it is one INVALID at "input".
func message(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	u, ok := errs.AsUser(err)
	if !ok || len(u) != 1 || u[0].Code != errs.Invalid || strings.Join(u[0].Field, ".") != "input" {
		t.Fatalf("not one INVALID at input: %v", err)
	}
	return u[0].Text("en")
}

// Login as the service runs it, against the stored counts on both
// databases: which attempts go through, what a refusal costs, and the
// IPv6 /64 rule.
func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		clk := &testClock{now: time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)}
		s := &Service{DB: db, TokenTTL: time.Hour, Now: clk.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if _, err := s.insertUser(context.Background(), "createUser", CreateUserInput{Email: "ana@example.org", Name: "Ana", Password: "ana-password-1"}); err != nil {
			t.Fatal(err)
		}
		login := func(addr, email, pw string) string {
			t.Helper()
			_, _, _, err := s.Login(from(addr), email, pw)
			return message(t, err)
		}
		const wrong, locked = "The email or password is wrong.", "Too many failed sign-ins from this address; try again in 15 minute(s)."

		// A wrong email and a wrong password answer the same, and both count.
		if a, b := login("192.0.2.1", "nobody@example.org", "x"), login("192.0.2.1", "ana@example.org", "x"); a != wrong || b != wrong {
			t.Fatalf("answers %q / %q", a, b)
		}
		for range 4 {
			login("192.0.2.1", "ANA@example.org ", "x")
		}
		// Refused: one read of the counts, no user lookup (so no password
		// hash), no write.
		before := db.Queries()
		if got := login("192.0.2.1", "ana@example.org", "ana-password-1"); got != locked {
			t.Fatalf("locked pair answers %q", got)
		}
		if n := db.Queries() - before; n != 1 {
			t.Fatalf("a refused attempt ran %d statements, want 1", n)
		}
		if got := login("198.51.100.7", "ana@example.org", "ana-password-1"); got != "" {
			t.Fatalf("a correct sign-in from another address answers %q", got)
		}
		rows, err := store.ThrottleRows(context.Background(), db, auth.AddrKey("192.0.2.1"))
		if err != nil || rows[auth.AddrKey("192.0.2.1")].Failures != 6 {
			t.Fatalf("the address counts %+v (%v), want 6 failures", rows, err)
		}

		// The lock ends after 15 minutes; a sign-in then deletes the pair's row.
		clk.Add(15 * time.Minute)
		if got := login("192.0.2.1", "ana@example.org", "ana-password-1"); got != "" {
			t.Fatalf("after the lock: %q", got)
		}
		if rows, err := store.ThrottleRows(context.Background(), db, auth.PairKey("192.0.2.1", "ana@example.org")); err != nil || len(rows) != 0 {
			t.Fatalf("the pair's row outlived a sign-in: %+v %v", rows, err)
		}

		// An IPv6 host counts by its /64 prefix.
		for i := range 5 {
			login(fmt.Sprintf("2001:db8:7:7::%x", i+1), "ana@example.org", "x")
		}
		if got := login("2001:db8:7:7:ffff::9", "ana@example.org", "ana-password-1"); got != locked {
			t.Fatalf("another address of the /64 answers %q", got)
		}
		if got := login("2001:db8:7:8::1", "ana@example.org", "ana-password-1"); got != "" {
			t.Fatalf("the next /64 answers %q", got)
		}

		// Failures write the expired rows away: only the live ones remain.
		clk.Add(time.Hour)
		login("203.0.113.5", "ana@example.org", "x")
		var n int
		if err := db.NewSelect().Table("sign_in_throttle").ColumnExpr("count(*)").Scan(context.Background(), &n); err != nil || n != 2 {
			t.Fatalf("%d rows after the expired ones went, want 2 (%v)", n, err)
		}
	})
}
