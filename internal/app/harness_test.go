package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// env is a real gendertrack server on a real database, spoken to over HTTP.
type env struct {
	t     testing.TB
	URL   string
	srv   *app.Server
	clock *clock
	// client sends the requests; http.DefaultClient when nil (see from).
	client *http.Client
}

// clock is a settable "now" for date rules.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// start runs the server on dsn until the test ends.
func start(t testing.TB, dsn string, opts ...func(*app.Config)) *env {
	t.Helper()
	clk := &clock{now: time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)}
	cfg := app.Defaults()
	cfg.DB = dsn
	cfg.Now = clk.Now
	for _, o := range opts {
		o(&cfg)
	}
	e := serve(t, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.clock = clk
	return e
}

// serve runs a server with exactly cfg, logging to log, until the test ends.
func serve(t testing.TB, cfg app.Config, log *slog.Logger) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := app.NewServer(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	return &env{t: t, URL: "http://" + ln.Addr().String(), srv: srv}
}

// twoServers starts two instances on one database, as a deployment with
// several instances runs, and signs the ADMIN in through the first; opts
// apply to both.
func twoServers(t *testing.T, dsn string, opts ...func(*app.Config)) (one, two *env, admin string) {
	t.Helper()
	one, two = start(t, dsn, append(opts, withAdmin)...), start(t, dsn, opts...)
	return one, two, one.admin()
}

// each runs fn against a fresh server on SQLite and on PostgreSQL.
func each(t *testing.T, fn func(t *testing.T, e *env), opts ...func(*app.Config)) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		fn(t, start(t, dsn, opts...))
	})
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// resp is one GraphQL answer.
type resp struct {
	t      testing.TB
	Status int
	Data   map[string]any
	Errors []gqlError
	Raw    []byte
	header http.Header
}

// Header is a header of the HTTP answer.
func (r *resp) Header(name string) string { return r.header.Get(name) }

// Code is the extensions.code of the first error, "" when there is none.
func (r *resp) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// OK fails the test when the answer has errors.
func (r *resp) OK() *resp {
	r.t.Helper()
	if r.Status != 200 || len(r.Errors) > 0 {
		r.t.Fatalf("unexpected errors (HTTP %d): %s", r.Status, r.Raw)
	}
	return r
}

// Get walks a dotted path ("a.b.0.c") through the data.
func (r *resp) Get(path string) any {
	var cur any = r.Data
	for _, p := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// Str is Get for a string (empty when absent).
func (r *resp) Str(path string) string {
	s, _ := r.Get(path).(string)
	return s
}

// Num is Get for a number (-1 when absent).
func (r *resp) Num(path string) float64 {
	if f, ok := r.Get(path).(float64); ok {
		return f
	}
	return -1
}

// Len is the length of a list at path (-1 when absent).
func (r *resp) Len(path string) int {
	if l, ok := r.Get(path).([]any); ok {
		return len(l)
	}
	return -1
}

// UserErrors returns the userErrors list of a payload as code@field strings.
func (r *resp) UserErrors(payload string) []string {
	var out []string
	l, _ := r.Get(payload + ".userErrors").([]any)
	for _, e := range l {
		m := e.(map[string]any)
		var f []string
		if fl, ok := m["field"].([]any); ok {
			for _, x := range fl {
				f = append(f, x.(string))
			}
		}
		out = append(out, m["code"].(string)+"@"+strings.Join(f, "."))
	}
	return out
}

// gql posts a GraphQL request with an optional bearer token.
func (e *env) gql(token, query string, vars map[string]any) *resp {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return e.post(token, body)
}

func (e *env) post(token string, body []byte) *resp {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

func (e *env) do(req *http.Request) *resp {
	e.t.Helper()
	c := e.client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := &resp{t: e.t, Status: res.StatusCode, Raw: raw, header: res.Header}
	var out struct {
		Data   map[string]any `json:"data"`
		Errors []gqlError     `json:"errors"`
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("bad JSON answer: %v: %s", err, raw)
		}
	}
	r.Data, r.Errors = out.Data, out.Errors
	return r
}

// get fetches a plain HTTP path.
func (e *env) get(path string) (int, string) {
	e.t.Helper()
	res, err := http.Get(e.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func init() {
	// Cheap password hashes keep the suite fast; the parameters of real
	// hashes are tested in internal/auth.
	auth.PasswordParams.Memory = 64
	auth.PasswordParams.Time = 1
}

func jsonBody(s string) io.Reader { return strings.NewReader(s) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
