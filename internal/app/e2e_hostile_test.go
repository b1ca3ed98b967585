package app_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// attacks are small documents that cost a server without bounds minutes
// of CPU and gigabytes of memory, each with the code that refuses it.
func attacks() []struct{ name, query, code string } {
	var bomb strings.Builder // 41 fragments, each spreading the one before twice
	bomb.WriteString("query{...F40} fragment F0 on Query{__typename}")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&bomb, " fragment F%d on Query{...F%d ...F%d}", i, i-1, i-1)
	}
	var deepBomb strings.Builder // each fragment nests the one before twice, one level deeper
	deepBomb.WriteString("query{ institutions(first:2){ edges{ node{ ...D4 } } } } fragment D0 on Institution{ name }")
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(&deepBomb, " fragment D%d on Institution{ a: units(first:100){ edges{ node{ institution{ ...D%d } } } } b: units(first:100){ edges{ node{ institution{ ...D%d } } } } }", i, i-1, i-1)
	}
	var aliases strings.Builder // 6 selection sets of 100 aliases: 600 aliases
	aliases.WriteString("{")
	for i := range 6 {
		fmt.Fprintf(&aliases, " s%d: institutions(first:1){", i)
		for j := range 100 {
			fmt.Fprintf(&aliases, " a%d: __typename", j)
		}
		aliases.WriteString(" }")
	}
	aliases.WriteString(" }")
	return []struct{ name, query, code string }{
		{"fragment bomb", bomb.String(), "SELECTION_LIMIT_EXCEEDED"},
		{"nested fragment bomb", deepBomb.String(), "COMPLEXITY_LIMIT_EXCEEDED"},
		{"8,000 repeated fields", "{" + strings.Repeat(" __typename", 8000) + " }", "SELECTION_LIMIT_EXCEEDED"},
		{"40,000 repeated fields", "{" + strings.Repeat(" __typename", 40000) + " }", "TOKEN_LIMIT_EXCEEDED"},
		{"5,000 aliases of one field", "{" + aliasesOf(5000) + " }", "TOKEN_LIMIT_EXCEEDED"},
		{"600 aliases", aliases.String(), "ALIAS_LIMIT_EXCEEDED"},
		{"40,000 unknown directives", "{ __typename" + strings.Repeat(" @x", 40000) + " }", "TOKEN_LIMIT_EXCEEDED"},
		{"fields repeated in inline fragments", "{" + strings.Repeat(" ... on Query {"+strings.Repeat(" __typename", 400)+" }", 20) + " }", "SELECTION_LIMIT_EXCEEDED"},
		{"deep nesting", "{ institutions(first:1) { edges { node " + strings.Repeat("{ units(first:1) { edges { node ", 12) + "{ name }" + strings.Repeat(" } } }", 12) + " } } }", "DEPTH_LIMIT_EXCEEDED"},
	}
}

func aliasesOf(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " a%d: __typename", i)
	}
	return b.String()
}

// TestHostileDocumentsAreRefusedBeforeTheyRun sends each attack and checks
// that it is refused with its code, as a request error (no data), while a
// second client's small query is answered.
func TestHostileDocumentsAreRefusedBeforeTheyRun(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		tok := e.admin()
		for _, a := range attacks() {
			t.Run(strings.ReplaceAll(a.name, " ", "_"), func(t *testing.T) {
				var wg sync.WaitGroup
				var small *resp
				wg.Add(1)
				go func() {
					defer wg.Done()
					small = e.gql(tok, `{ institutions { totalCount } }`, nil)
				}()
				r := e.gql(tok, a.query, nil)
				wg.Wait()
				if r.Status != http.StatusOK || r.Code() != a.code || r.Data != nil || strings.Contains(string(r.Raw), `"data"`) {
					t.Fatalf("%s: HTTP %d, want code %s and no data: %.400s", a.name, r.Status, a.code, r.Raw)
				}
				if small.Status != 200 || len(small.Errors) > 0 {
					t.Fatalf("the second client was not answered: %s", small.Raw)
				}
			})
		}
	}, withAdmin)
}

// TestErrorsPerResponseAreBounded: a document with thousands of problems
// gets the first 50 and one error saying how many more there were.
func TestErrorsPerResponseAreBounded(t *testing.T) {
	t.Parallel()
	e := start(t, storetest.NewURL(t, "sqlite"))
	r := e.gql("", "{ __typename"+strings.Repeat(" @x", 2000)+" }", nil)
	if r.Status != 200 || len(r.Errors) != 51 || r.Errors[50].Extensions["code"] != "TOO_MANY_ERRORS" ||
		!strings.Contains(r.Errors[50].Message, "more errors") || len(r.Raw) > 64<<10 {
		t.Fatalf("HTTP %d, %d errors, %d bytes: %.300s", r.Status, len(r.Errors), len(r.Raw), r.Raw)
	}
}

// TestLimitsAreConfigurable lowers each bound by its variable.
func TestLimitsAreConfigurable(t *testing.T) {
	t.Parallel()
	getenv := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := app.ConfigFromEnv(getenv(map[string]string{"GENDERTRACK_MAX_TOKENS": "50", "GENDERTRACK_MAX_SELECTION_FIELDS": "3",
		"GENDERTRACK_MAX_ALIASES": "1", "GENDERTRACK_MAX_ERRORS": "2", "GENDERTRACK_MAX_DEPTH": "2", "GENDERTRACK_MAX_COMPLEXITY": "10"}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DB = storetest.NewURL(t, "sqlite")
	e := serve(t, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for q, code := range map[string]string{
		"{" + strings.Repeat(" __typename", 60) + " }":                 "TOKEN_LIMIT_EXCEEDED",
		"{ __typename __typename __typename __typename }":              "SELECTION_LIMIT_EXCEEDED",
		"{ a: __typename b: __typename }":                              "ALIAS_LIMIT_EXCEEDED",
		"{ institutions { edges { node { units { totalCount } } } } }": "DEPTH_LIMIT_EXCEEDED",
		"{ institutions(first: 20) { totalCount } }":                   "COMPLEXITY_LIMIT_EXCEEDED",
	} {
		if r := e.gql("", q, nil); r.Code() != code {
			t.Errorf("%s: want %s, got %s", q, code, r.Raw)
		}
	}
	if r := e.gql("", "{ __typename @x @y @z }", nil); len(r.Errors) != 3 || r.Errors[2].Extensions["code"] != "TOO_MANY_ERRORS" {
		t.Errorf("errors not capped at 2: %s", r.Raw)
	}
	if _, err := app.ConfigFromEnv(getenv(map[string]string{"GENDERTRACK_MAX_TOKENS": "many"})); err == nil || !strings.Contains(err.Error(), "GENDERTRACK_MAX_TOKENS") {
		t.Errorf("a bad limit is not refused by name: %v", err)
	}
	// The slow-query log: off by default, 0 logs every statement, a
	// negative threshold or a zero timeout is refused by name.
	if d := app.Defaults().SlowQuery; d >= 0 {
		t.Errorf("the slow-query log is on by default: %v", d)
	}
	if c, err := app.ConfigFromEnv(getenv(map[string]string{"GENDERTRACK_SLOW_QUERY": "0ms"})); err != nil || c.SlowQuery != 0 {
		t.Errorf("GENDERTRACK_SLOW_QUERY=0ms: %v, %v", c.SlowQuery, err)
	}
	for k, v := range map[string]string{"GENDERTRACK_SLOW_QUERY": "-1s", "GENDERTRACK_REQUEST_TIMEOUT": "0s"} {
		if _, err := app.ConfigFromEnv(getenv(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s is not refused by name: %v", k, v, err)
		}
	}
}

// TestSlowBodiesAreCutOff: clients that send their body a byte at a time
// hold no connection past the request deadline, and others are served
// meanwhile.
func TestSlowBodiesAreCutOff(t *testing.T) {
	t.Parallel()
	e := start(t, storetest.NewURL(t, "sqlite"), func(c *app.Config) { c.Timeout = 2 * time.Second })
	host := strings.TrimPrefix(e.URL, "http://")
	const clients = 20
	results := make(chan string, clients)
	stop := make(chan struct{})
	defer close(stop)
	for range clients {
		go func() {
			c, err := net.Dial("tcp", host)
			if err != nil {
				results <- "dial: " + err.Error()
				return
			}
			defer c.Close()
			fmt.Fprintf(c, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
			go func() {
				tick := time.NewTicker(200 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						if _, err := c.Write([]byte(" ")); err != nil {
							return
						}
					}
				}
			}()
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				results <- "closed: " + err.Error()
				return
			}
			results <- res.Status
		}()
	}
	if r := e.gql("", `{ __typename }`, nil); r.Status != 200 || r.Get("__typename") != "Query" {
		t.Fatalf("a small query was not answered while slow clients were connected: %s", r.Raw)
	}
	for range clients {
		if got := <-results; !strings.HasPrefix(got, "408") {
			t.Fatalf("a slow body was not cut off with 408: %s", got)
		}
	}
}

// TestDatabaseDownAnswers503: while PostgreSQL cannot be reached, requests
// answer 503 with Retry-After and SERVICE_UNAVAILABLE, not 500; signed-in
// requests too; once it is back, they are answered again.
func TestDatabaseDownAnswers503(t *testing.T) {
	t.Parallel()
	dsn := storetest.NewURL(t, "postgres")
	u, _ := url.Parse(dsn)
	p := newProxy(t, u.Host)
	u.Host = p.addr
	e := start(t, u.String(), withAdmin)
	tok := e.admin()
	e.gql(tok, `{ institutions { totalCount } }`, nil).OK()
	p.cut()
	for _, token := range []string{"", tok} {
		r := e.gql(token, `{ institutions { totalCount } viewer { email } }`, nil)
		if r.Status != http.StatusServiceUnavailable || r.Code() != "SERVICE_UNAVAILABLE" {
			t.Fatalf("signed in %v while the database is down: HTTP %d %s", token != "", r.Status, r.Raw)
		}
	}
	req, _ := http.NewRequest("POST", e.URL+"/graphql", strings.NewReader(`{"query":"{ institutions { totalCount } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("no Retry-After on 503: %d %v", res.StatusCode, res.Header)
	}
	p.resume()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := e.gql(tok, `{ institutions { totalCount } }`, nil)
		if r.Status == 200 && len(r.Errors) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not answered after the database came back: %s", r.Raw)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestLockedSQLiteAnswers503: an SQLite file held by another process past
// the busy timeout (a backup, a maintenance script) makes writes answer
// 503 with SERVICE_UNAVAILABLE, and nothing is written.
func TestLockedSQLiteAnswers503(t *testing.T) {
	t.Parallel()
	dsn := storetest.NewURL(t, "sqlite")
	e := start(t, dsn, withAdmin)
	tok := e.admin()
	other, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:")+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	r := e.gql(tok, `mutation{ createInstitution(input:{name:"Locked out", sector:POLICE, country:"ml"}){ institution{ id } userErrors{ code } } }`, nil)
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if r.Status != http.StatusServiceUnavailable || !hasCode(r, "SERVICE_UNAVAILABLE") {
		t.Fatalf("write while the file is locked: HTTP %d %s", r.Status, r.Raw)
	}
	if n := e.gql(tok, `{ institutions { totalCount } }`, nil).OK().Num("institutions.totalCount"); n != 0 {
		t.Fatalf("the refused write left %v institutions", n)
	}
}

func hasCode(r *resp, code string) bool {
	for _, e := range r.Errors {
		if e.Extensions["code"] == code {
			return true
		}
	}
	return false
}

// TestShutdownCutsOffLongRequests: after SIGTERM (the serve context's
// cancellation), a request that would run for ten minutes — its database
// never answers — is cut off once the grace period is over, and Serve
// returns.
func TestShutdownCutsOffLongRequests(t *testing.T) {
	t.Parallel()
	dsn := storetest.NewURL(t, "postgres")
	u, _ := url.Parse(dsn)
	p := newProxy(t, u.Host)
	u.Host = p.addr
	cfg := app.Defaults()
	cfg.DB, cfg.ShutdownGrace, cfg.Timeout = u.String(), 500*time.Millisecond, 10*time.Minute
	cfg.AdminEmail, cfg.AdminPassword = adminEmail, adminPassword
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := app.NewServer(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	e := &env{t: t, URL: "http://" + ln.Addr().String(), srv: srv}
	tok := e.admin()
	p.stall() // from now on the database takes connections and never answers
	finished := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("POST", e.URL+"/graphql", strings.NewReader(`{"query":"{ institutions { totalCount } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		finished <- err
	}()
	time.Sleep(300 * time.Millisecond) // let the request reach the database
	cancel()
	liveness := time.After(60 * time.Second)
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-liveness:
		t.Fatal("Serve did not return after the grace period while a request was running")
	}
	select {
	case <-finished:
	case <-liveness:
		t.Fatal("the running request was not cut off")
	}
}
