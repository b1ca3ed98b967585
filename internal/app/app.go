// Package app wires the service together: configuration, database,
// services and the HTTP server; and runs the command line.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only on GENDERTRACK_DEBUG_ADDR
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gendertrack/gendertrack/graph"
	"github.com/gendertrack/gendertrack/internal/account"
	"github.com/gendertrack/gendertrack/internal/assessment"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/demo"
	"github.com/gendertrack/gendertrack/internal/evidence"
	"github.com/gendertrack/gendertrack/internal/gaps"
	"github.com/gendertrack/gendertrack/internal/httpserver"
	"github.com/gendertrack/gendertrack/internal/org"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/reqinfo"
	"github.com/gendertrack/gendertrack/internal/store"
	"github.com/gendertrack/gendertrack/internal/web"
)

// Config is the service configuration: flags override environment
// variables, which override the defaults.
type Config struct {
	DB      string
	Addr    string
	Demo    bool
	MaxBody int64
	Timeout time.Duration
	// Bounds limit every GraphQL document before it runs (tokens, fields
	// per selection set, aliases, depth, cost, errors per response).
	Bounds        graph.Bounds
	Introspection bool
	// ReadTimeout and WriteTimeout bound reading a whole request and
	// writing its answer; ShutdownGrace is how long requests in flight
	// may finish after SIGTERM before they are cut off.
	ReadTimeout   time.Duration
	WriteTimeout  time.Duration
	ShutdownGrace time.Duration
	LogFormat     string
	TokenTTL      time.Duration
	RolePoll      time.Duration
	AdminEmail    string
	AdminPassword string
	// MaxInFlight GraphQL requests execute at once; MaxQueued more wait.
	MaxInFlight int
	MaxQueued   int
	// SlowQuery logs SQL statements that take at least this long: 0 logs
	// every statement, a negative duration (the default) none.
	SlowQuery time.Duration
	// ResponseCacheMB bounds the cache of read answers (graph.ResponseCache);
	// 0 turns it off.
	ResponseCacheMB int
	// NarrowReads: a query reads of actions, resource requirements, units
	// and indicators only the columns its fields show, and an indicator's
	// latest measurement from its row when only what the row keeps is
	// asked (graph/columns.go; GENDERTRACK_NARROW_READS, default true). Off
	// reads every column and every latest measurement from its table, for
	// comparison.
	NarrowReads bool
	// DebugAddr, when set, serves net/http/pprof there (keep it on loopback).
	DebugAddr string
	// CORSOrigins are the origins whose pages may call /graphql and the
	// exports (GENDERTRACK_CORS_ORIGINS, comma-separated); none by default.
	CORSOrigins []string
	// Gaps holds the periods of the gap rules ACTION_STALE and
	// INDICATOR_NOT_MEASURED (GENDERTRACK_STALE_DAYS,
	// GENDERTRACK_UNMEASURED_DAYS).
	Gaps gaps.Config
	// MaxFileMB bounds one evidence file, in MB of 2^20 bytes
	// (GENDERTRACK_MAX_FILE_MB, default 10); MaxUploadFiles bounds the
	// files of one multipart request (GENDERTRACK_MAX_UPLOAD_FILES,
	// default 5).
	MaxFileMB      int
	MaxUploadFiles int
	// Now is the clock; tests set it to fix "today".
	Now func() time.Time
}

// Defaults returns the documented defaults.
func Defaults() Config {
	return Config{
		DB: "sqlite:gendertrack.db", Addr: "127.0.0.1:8080",
		MaxBody: 1 << 20, Timeout: 30 * time.Second,
		Bounds: graph.DefaultBounds(), Introspection: true, LogFormat: "text",
		ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute, ShutdownGrace: 20 * time.Second,
		TokenTTL: 12 * time.Hour, RolePoll: time.Second,
		MaxInFlight: 4 * runtime.GOMAXPROCS(0), MaxQueued: 256,
		ResponseCacheMB: 32,
		NarrowReads:     true,
		SlowQuery:       -1,
		Gaps:            gaps.DefaultConfig(),
		MaxFileMB:       evidence.DefaultMaxFileBytes >> 20,
		MaxUploadFiles:  graph.DefaultMaxFiles,
		Now:             time.Now,
	}
}

// ConfigFromEnv is Defaults with the GENDERTRACK_* variables of getenv
// applied, as `gendertrack serve` reads them.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Defaults()
	err := c.fromEnv(getenv)
	return c, err
}

// fromEnv applies the GENDERTRACK_* variables.
func (c *Config) fromEnv(getenv func(string) string) error {
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	integer := func(name string, dst *int) error {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return fmt.Errorf("%s: %q is not a positive whole number", name, v)
			}
			*dst = n
		}
		return nil
	}
	str("GENDERTRACK_DB", &c.DB)
	str("GENDERTRACK_ADDR", &c.Addr)
	str("GENDERTRACK_LOG_FORMAT", &c.LogFormat)
	for name, dst := range map[string]*int{
		"GENDERTRACK_MAX_COMPLEXITY": &c.Bounds.Complexity, "GENDERTRACK_MAX_DEPTH": &c.Bounds.Depth,
		"GENDERTRACK_MAX_TOKENS": &c.Bounds.Tokens, "GENDERTRACK_MAX_SELECTION_FIELDS": &c.Bounds.SelectionFields,
		"GENDERTRACK_MAX_ALIASES": &c.Bounds.Aliases, "GENDERTRACK_MAX_ERRORS": &c.Bounds.Errors,
	} {
		if err := integer(name, dst); err != nil {
			return err
		}
	}
	if err := integer("GENDERTRACK_MAX_INFLIGHT", &c.MaxInFlight); err != nil {
		return err
	}
	if err := integer("GENDERTRACK_MAX_QUEUED", &c.MaxQueued); err != nil {
		return err
	}
	if err := integer("GENDERTRACK_MAX_FILE_MB", &c.MaxFileMB); err != nil {
		return err
	}
	if err := integer("GENDERTRACK_MAX_UPLOAD_FILES", &c.MaxUploadFiles); err != nil {
		return err
	}
	if v := getenv("GENDERTRACK_RESPONSE_CACHE_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("GENDERTRACK_RESPONSE_CACHE_MB: %q is not a whole number of megabytes (0 turns the cache off)", v)
		}
		c.ResponseCacheMB = n
	}
	if err := integer("GENDERTRACK_STALE_DAYS", &c.Gaps.StaleDays); err != nil {
		return err
	}
	if err := integer("GENDERTRACK_UNMEASURED_DAYS", &c.Gaps.UnmeasuredDays); err != nil {
		return err
	}
	for name, dst := range map[string]*time.Duration{"GENDERTRACK_REQUEST_TIMEOUT": &c.Timeout, "GENDERTRACK_TOKEN_TTL": &c.TokenTTL, "GENDERTRACK_SLOW_QUERY": &c.SlowQuery,
		"GENDERTRACK_READ_TIMEOUT": &c.ReadTimeout, "GENDERTRACK_WRITE_TIMEOUT": &c.WriteTimeout, "GENDERTRACK_SHUTDOWN_GRACE": &c.ShutdownGrace} {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			// 0 is a threshold every statement meets: the slow-query log
			// then shows them all.
			if err != nil || d < 0 || d == 0 && name != "GENDERTRACK_SLOW_QUERY" {
				return fmt.Errorf("%s: %q is not a duration such as 30s or 12h", name, v)
			}
			*dst = d
		}
	}
	str("GENDERTRACK_ADMIN_EMAIL", &c.AdminEmail)
	str("GENDERTRACK_DEBUG_ADDR", &c.DebugAddr)
	str("GENDERTRACK_ADMIN_PASSWORD", &c.AdminPassword)
	if v := getenv("GENDERTRACK_CORS_ORIGINS"); v != "" {
		origins, err := httpserver.ParseCORSOrigins(v)
		if err != nil {
			return fmt.Errorf("GENDERTRACK_CORS_ORIGINS: %w", err)
		}
		c.CORSOrigins = origins
	}
	if v := getenv("GENDERTRACK_NARROW_READS"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("GENDERTRACK_NARROW_READS: %q is not true or false", v)
		}
		c.NarrowReads = b
	}
	if v := getenv("GENDERTRACK_INTROSPECTION"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("GENDERTRACK_INTROSPECTION: %q is not true or false", v)
		}
		c.Introspection = b
	}
	return nil
}

// Server is a running service's parts, for tests and the CLI.
type Server struct {
	Config  Config
	DB      *store.DB
	Handler http.Handler
	Log     *slog.Logger
	Account *account.Service

	stop context.CancelFunc
}

// NewServer opens and migrates the database, loads the demo data when asked,
// and builds the HTTP handler.
func NewServer(ctx context.Context, cfg Config, log *slog.Logger) (*Server, error) {
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	db.LogSlowQueries(cfg.SlowQuery, log)
	if len(applied) > 0 {
		log.Info("migrations applied", "count", len(applied), "last", applied[len(applied)-1])
	}
	guard, err := authz.NewGuard()
	if err != nil {
		db.Close()
		return nil, err
	}
	accounts := newAccounts(db, guard, cfg, log)
	if err := accounts.Reload(ctx); err != nil {
		db.Close()
		return nil, err
	}
	assessments := &assessment.Service{DB: db, Guard: guard, Now: cfg.Now}
	if imported, err := assessments.ImportBundled(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("bundled questionnaires: %w", err)
	} else if len(imported) > 0 {
		log.Info("bundled questionnaires imported", "files", strings.Join(imported, ", "))
	}
	if cfg.AdminEmail != "" && cfg.AdminPassword != "" {
		created, err := accounts.EnsureAdmin(ctx, cfg.AdminEmail, cfg.AdminPassword)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("first admin from GENDERTRACK_ADMIN_EMAIL: %w", err)
		}
		if created {
			log.Info("first admin created", "email", cfg.AdminEmail)
		}
	}
	orgs := &org.Service{DB: db, Guard: guard, Now: cfg.Now}
	plans := &plan.Service{DB: db, Guard: guard, Now: cfg.Now}
	flags := &gaps.Service{DB: db, Guard: guard, Now: cfg.Now, Config: cfg.Gaps}
	files := &evidence.Service{DB: db, Guard: guard, Now: cfg.Now, MaxFileBytes: int64(cfg.MaxFileMB) << 20}
	if cfg.Demo {
		loaded, err := demo.Load(authz.System(ctx), demo.Services{Org: orgs, Account: accounts, DB: db, Assessment: assessments, Plans: plans, Gaps: flags, Evidence: files})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("demo data: %w", err)
		}
		if loaded {
			log.Info("demo data loaded")
		} else {
			log.Info("demo data skipped: the database already holds institutions")
		}
	}
	uploads := graph.Uploads{MaxFileBytes: files.MaxFile(), MaxFiles: cfg.MaxUploadFiles, MaxFieldBytes: cfg.MaxBody}
	res := &graph.Resolver{Org: orgs, Account: accounts, AssessmentService: assessments, Plans: plans, Gaps: flags, Evidence: files, Guard: guard, Now: cfg.Now, NarrowReads: cfg.NarrowReads}
	cache := &graph.ResponseCache{
		Version:  db.ReadVersions,
		Context:  func() (int64, string) { return guard.Version(), plans.Today() },
		MaxBytes: cfg.ResponseCacheMB << 20,
	}
	gql := graph.NewHandler(res, graph.Limits{Bounds: cfg.Bounds, Introspection: cfg.Introspection, Log: log, Cache: cache, DB: db, Now: cfg.Now, Uploads: uploads})
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gendertrack_response_cache_hits_total",
			Help: "Read operations answered from the response cache or by an identical request running at the same time."},
			func() float64 { h, _ := cache.Stats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gendertrack_response_cache_misses_total",
			Help: "Cacheable read operations that were executed."},
			func() float64 { _, m := cache.Stats(); return float64(m) }),
	)
	h := httpserver.New(httpserver.Deps{
		DB: db, GraphQL: gql, Log: log, MaxBody: cfg.MaxBody, Timeout: cfg.Timeout, MaxUploadBody: uploads.MaxBody(),
		Files: files.Handler(func(r *http.Request) (context.Context, error) {
			ctx := r.Context()
			if h := r.Header.Get("Authorization"); h != "" {
				actor, err := bearer(ctx, accounts, h)
				if err != nil {
					return nil, err
				}
				return auth.WithActor(ctx, actor), nil
			}
			// The web workspace's session (RULES.md section 11): an
			// expired or revoked one is no sign-in, as on the pages.
			if c, err := r.Cookie(web.SessionCookie); err == nil && c.Value != "" {
				actor, err := accounts.Authenticate(ctx, c.Value)
				if err == nil {
					return auth.WithActor(ctx, actor), nil
				}
				if !errors.Is(err, account.ErrBadCredential) {
					return nil, err
				}
			}
			return ctx, nil
		}, log),
		MaxInFlight: cfg.MaxInFlight, MaxQueued: cfg.MaxQueued,
		Registry: reg, CORSOrigins: cfg.CORSOrigins,
		Web: web.New(web.Deps{Orgs: orgs, Accounts: accounts, Assessments: assessments, Plans: plans, Flags: flags, Evidence: files,
			Guard: guard, DB: db, Now: cfg.Now, Log: log, MaxBody: cfg.MaxBody, Timeout: cfg.Timeout}),
		Prepare: func(r *http.Request) (*http.Request, error) {
			ctx := reqinfo.WithAcceptLanguage(r.Context(), r.Header.Get("Accept-Language"))
			if h := r.Header.Get("Authorization"); h != "" {
				actor, err := bearer(ctx, accounts, h)
				if err != nil {
					return nil, err
				}
				ctx = auth.WithActor(ctx, actor)
			}
			return r.WithContext(graph.WithLoaders(ctx, res.NewLoaders())), nil
		},
	})
	wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	go accounts.WatchRoles(wctx, cfg.RolePoll)
	go db.KeepCountersVacuumed(wctx, 30*time.Second, log)
	return &Server{Config: cfg, DB: db, Handler: h, Log: log, Account: accounts, stop: stop}, nil
}

// bearer authenticates an Authorization header: a Bearer token from login
// or an API-key secret.
func bearer(ctx context.Context, accounts *account.Service, h string) (*auth.Actor, error) {
	scheme, cred, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(cred) == "" {
		return nil, account.ErrBadCredential
	}
	return accounts.Authenticate(ctx, strings.TrimSpace(cred))
}

// Serve answers on ln until ctx is cancelled, then shuts down gracefully:
// requests in flight may finish for ShutdownGrace; then their contexts
// are cancelled and their connections closed, so that a costly request
// cannot hold the process.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	base, cut := context.WithCancel(context.WithoutCancel(ctx))
	defer cut()
	hs := &http.Server{
		Handler: s.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ReadTimeout: s.Config.ReadTimeout, WriteTimeout: s.Config.WriteTimeout,
		BaseContext: func(net.Listener) context.Context { return base },
		ErrorLog:    slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Log.Info("shutting down: waiting for requests in flight", "grace", s.Config.ShutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), s.Config.ShutdownGrace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.Log.Warn("shutting down: grace period over, cutting off the requests still running")
		cut()
		err = hs.Close()
	}
	if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// Close releases the database.
func (s *Server) Close() error {
	s.stop()
	return s.DB.Close()
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// Run is the command line: gendertrack serve | migrate status|up.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 1 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cfg := Defaults()
	if err := cfg.fromEnv(getenv); err != nil {
		return err
	}
	fs := flag.NewFlagSet("gendertrack "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DB, "db", cfg.DB, "database: postgres://… or sqlite:PATH (env GENDERTRACK_DB)")
	switch args[0] {
	case "serve":
		fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (env GENDERTRACK_ADDR)")
		fs.BoolVar(&cfg.Demo, "demo", false, "load the demo data set into an empty database")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return serve(ctx, cfg, stderr)
	case "migrate":
		sub, rest := subcommand(args[1:])
		if err := fs.Parse(rest); err != nil {
			return err
		}
		return migrateCmd(ctx, cfg, append(sub, fs.Args()...), stdout)
	case "seed":
		scale := fs.String("scale", "small", "data set size: small, large or xlarge")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return seedCmd(ctx, cfg, *scale, stdout)
	case "user":
		sub, rest := subcommand(args[1:])
		return userCmd(ctx, &cfg, fs, append(sub, rest...), stdin, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

const usage = `gendertrack: gender self-assessments and action plans for security institutions

Commands:
  gendertrack serve [--db URL] [--addr HOST:PORT] [--demo]
  gendertrack migrate status|up [--db URL]
  gendertrack seed --scale small|large|xlarge [--db URL]   (a generated benchmark data set; accounts in docs/PERFORMANCE.md)
  gendertrack user add --email E --name N [--role ROLE --institution ID] [--db URL]   (password on stdin)
  gendertrack user set-password --email E [--db URL]                                  (password on stdin)

The database is postgres://… or sqlite:PATH (default sqlite:gendertrack.db).
`

func serve(ctx context.Context, cfg Config, stderr io.Writer) error {
	log := newLogger(cfg.LogFormat, stderr)
	slog.SetDefault(log)
	srv, err := NewServer(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("gendertrack listening", "addr", "http://"+ln.Addr().String(), "db", srv.DB.Redacted())
	if cfg.DebugAddr != "" {
		go func() {
			log.Info("profiling endpoints listening", "addr", "http://"+cfg.DebugAddr+"/debug/pprof/")
			if err := http.ListenAndServe(cfg.DebugAddr, http.DefaultServeMux); err != nil {
				log.Error("profiling endpoints stopped", "err", err)
			}
		}()
	}
	return srv.Serve(ctx, ln)
}

func migrateCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) != 1 || (args[0] != "status" && args[0] != "up") {
		return errors.New("usage: gendertrack migrate status|up [--db URL]")
	}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "up" {
		applied, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d migration(s)%s\n", len(applied), list(applied))
		return nil
	}
	states, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	for _, s := range states {
		state := "pending"
		if s.Applied {
			state = "applied " + s.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "%-40s %s\n", s.Name, state)
	}
	return nil
}

// subcommand splits "up --db X" into ["up"] and the flags.
func subcommand(args []string) ([]string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[:1], args[1:]
	}
	return nil, args
}

func list(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return ": " + strings.Join(names, ", ")
}
