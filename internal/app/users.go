package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/gendertrack/gendertrack/internal/account"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/demo"
	"github.com/gendertrack/gendertrack/internal/gaps"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/store"
)

// userCmd is `gendertrack user add|set-password`: operator commands that
// read the password from standard input so it never shows in a process
// list or shell history.
// cfg is a pointer: fs writes --db into it when it parses the arguments.
func userCmd(ctx context.Context, cfg *Config, fs *flag.FlagSet, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "set-password") {
		return errors.New("usage: gendertrack user add|set-password --email E [--name N --role ROLE --institution ID] (password on stdin)")
	}
	sub := args[0]
	email := fs.String("email", "", "the user's email")
	name := fs.String("name", "", "the user's name (add)")
	role := fs.String("role", "", "a role to grant (add): ADMIN, COORDINATOR, …")
	inst := fs.String("institution", "", "the institution's ID for the role (add)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("--email is required")
	}
	pw, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from stdin: %w", err)
	}
	pw = strings.TrimRight(pw, "\r\n")
	db, _, svc, err := openForCommand(ctx, *cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if sub == "set-password" {
		if err := svc.SetPassword(ctx, *email, pw); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password changed for %s; their open sessions were ended\n", *email)
		return nil
	}
	var instID int64
	if *inst != "" {
		typ, id, ok := gid.Decode(*inst)
		if !ok || typ != gid.Institution {
			return fmt.Errorf("--institution %q is not an institution ID", *inst)
		}
		instID = id
	}
	u, err := svc.AddUser(ctx, *email, *name, pw, *role, instID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created user %s (%s)\n", u.Email, gid.Encode(gid.User, u.ID))
	return nil
}

// seedCmd loads a generated data set into an empty database.
func seedCmd(ctx context.Context, cfg Config, scale string, stdout io.Writer) error {
	sc, ok := demo.Scales[scale]
	if !ok {
		return fmt.Errorf("--scale %q: use small, large or xlarge", scale)
	}
	db, guard, svc, err := openForCommand(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	began := time.Now()
	flags := &gaps.Service{DB: db, Guard: guard, Now: cfg.Now, Config: cfg.Gaps}
	st, err := demo.Seed(ctx, db, svc, flags, sc, cfg.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %s in %s: %+v\n", sc.Name, time.Since(began).Round(time.Millisecond), st)
	return nil
}

// openForCommand opens and migrates the database for an operator command
// and makes the account service it works through.
func openForCommand(ctx context.Context, cfg Config) (*store.DB, *authz.Guard, *account.Service, error) {
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	guard, err := authz.NewGuard()
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return db, guard, newAccounts(db, guard, cfg, slog.Default()), nil
}

// newAccounts is the account service of a process.
func newAccounts(db *store.DB, guard *authz.Guard, cfg Config, log *slog.Logger) *account.Service {
	return &account.Service{DB: db, Guard: guard, TokenTTL: cfg.TokenTTL, Now: cfg.Now, Log: log,
		Throttle: auth.DefaultThrottle()}
}
