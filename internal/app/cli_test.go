package app_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := app.Run(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

// The operator commands: migrations, accounts with the password read from
// standard input, and the benchmark seed.
func TestCommandLine(t *testing.T) {
	t.Parallel()
	storetest.EachEmpty(t, func(t *testing.T, dsn string) {
		out, err := runCLI(t, "", "migrate", "up", "--db", dsn)
		if err != nil || !strings.Contains(out, "applied") {
			t.Fatalf("migrate up: %v %s", err, out)
		}
		out, err = runCLI(t, "", "migrate", "status", "--db", dsn)
		if err != nil || strings.Contains(out, "pending") || !strings.Contains(out, "applied 20") {
			t.Fatalf("migrate status: %v %s", err, out)
		}
		if out, err := runCLI(t, "short\n", "user", "add", "--db", dsn, "--email", "ops@example.org", "--name", "Ops", "--role", "ADMIN"); err == nil {
			t.Fatalf("a short password was accepted: %s", out)
		}
		out, err = runCLI(t, "operator-password-1\n", "user", "add", "--db", dsn, "--email", "ops@example.org", "--name", "Ops", "--role", "ADMIN")
		if err != nil || !strings.Contains(out, "created user ops@example.org") {
			t.Fatalf("user add: %v %s", err, out)
		}
		out, err = runCLI(t, "operator-password-2\n", "user", "set-password", "--db", dsn, "--email", "ops@example.org")
		if err != nil || !strings.Contains(out, "password changed") {
			t.Fatalf("set-password: %v %s", err, out)
		}
		out, err = runCLI(t, "", "seed", "--scale", "small", "--db", dsn)
		if err != nil || !strings.Contains(out, "seeded small") {
			t.Fatalf("seed: %v %s", err, out)
		}
		if _, err := runCLI(t, "", "seed", "--scale", "small", "--db", dsn); err == nil {
			t.Fatal("seeding a database that holds data must be refused")
		}
		e := start(t, dsn)
		tok := e.login("ops@example.org", "operator-password-2")
		if r := e.gql(tok, `{ institutions { totalCount } viewer { roles { role } } }`, nil).OK(); r.Num("institutions.totalCount") != 3 || r.Str("viewer.roles.0.role") != "ADMIN" {
			t.Fatalf("after the commands: %s", r.Raw)
		}
		if _, err := runCLI(t, "", "frobnicate"); err == nil {
			t.Fatal("an unknown command must fail")
		}
	})
}

// A bad setting stops the service before it starts, naming the variable.
func TestBadSettingsAreRefused(t *testing.T) {
	t.Parallel()
	for name, value := range map[string]string{
		"GENDERTRACK_RESPONSE_CACHE_MB": "-1",
		"GENDERTRACK_MAX_INFLIGHT":      "many",
		"GENDERTRACK_MAX_TOKENS":        "0",
		"GENDERTRACK_SHUTDOWN_GRACE":    "soon",
		"GENDERTRACK_NARROW_READS":      "maybe",
	} {
		env := func(k string) string {
			if k == name {
				return value
			}
			return ""
		}
		var out bytes.Buffer
		err := app.Run(context.Background(), []string{"migrate", "status", "--db", "sqlite:" + t.TempDir() + "/x.db"}, env, strings.NewReader(""), &out, &out)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Fatalf("%s=%s: %v", name, value, err)
		}
	}
}
