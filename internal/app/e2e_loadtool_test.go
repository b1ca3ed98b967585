package app_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/bench"
	"github.com/gendertrack/gendertrack/internal/demo"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// TestLoadToolRunsEveryScenario fires every scenario of the load tool
// (cmd/gendertrack-bench) for a moment at a server on the small seeded
// data, in both load models, as scripts/bench-smoke.sh does in CI: every
// request must succeed and the report must add up. It asserts no timing.
func TestLoadToolRunsEveryScenario(t *testing.T) {
	t.Parallel()
	dsn := storetest.NewURL(t, "sqlite")
	if err := app.Run(context.Background(), []string{"seed", "--scale", "small", "--db", dsn}, func(string) string { return "" }, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	cfg := app.Defaults()
	cfg.DB = dsn
	e := serve(t, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	run := bench.Config{URL: e.URL + "/", Email: demo.SeedCoordinator(1), Admin: demo.SeedAdmin, Password: demo.SeedPassword,
		Duration: 300 * time.Millisecond, Seed: 1}

	var results []*bench.Result
	for _, sc := range bench.Scenarios {
		c := run
		c.Scenario = sc
		switch sc {
		case "mixed":
			c.Rate = 40 // the open model: requests due at a fixed rate
		case "dashboard":
			c.PID = os.Getpid() // the server runs in this process: its peak from /proc
		default:
			c.Clients = 2 // the closed model; the peak sampled from /metrics
		}
		rs, err := bench.Run(ctx, c)
		if err != nil {
			t.Fatalf("%s: %v", sc, err)
		}
		if len(rs) != 1 || rs[0].Target != "gendertrack" {
			t.Fatalf("%s: %d results without a peer: %+v", sc, len(rs), rs)
		}
		r := rs[0]
		if r.Errors != 0 || r.FirstError != "" {
			t.Fatalf("%s: %d of %d requests failed, the first: %s", sc, r.Errors, r.Requests, r.FirstError)
		}
		if r.Scenario != sc || r.Requests < 1 || r.Throughput <= 0 || r.Seconds <= 0 {
			t.Fatalf("%s: the report does not add up: %+v", sc, r)
		}
		// Closed clients loop until the time is up; at 40 requests a
		// second, 300 ms hold at most 12 due times (0, 25, … 275 ms).
		if c.Rate == 0 && r.Seconds < c.Duration.Seconds() || c.Rate > 0 && r.Requests > 12 {
			t.Fatalf("%s: %d requests in %.3f s: %+v", sc, r.Requests, r.Seconds, r)
		}
		if !(0 < r.Max && r.P50 <= r.P95 && r.P95 <= r.P99 && r.P99 <= r.Max) {
			t.Fatalf("%s: percentiles out of order: p50 %v p95 %v p99 %v max %v", sc, r.P50, r.P95, r.P99, r.Max)
		}
		if r.PeakRSSMB <= 0 {
			t.Fatalf("%s: no peak memory of the server: %+v", sc, r)
		}
		wantMode, clients := "closed", max(c.Clients, 1)
		if c.Rate > 0 {
			wantMode, clients = "constant-rate", 0
		}
		if r.Mode != wantMode || r.Clients != clients {
			t.Fatalf("%s: mode %q with %d clients, want %q with %d", sc, r.Mode, r.Clients, wantMode, clients)
		}
		results = append(results, r)
	}
	table := bench.Table(results)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != len(bench.Scenarios)+1 || !strings.HasPrefix(lines[0], "scenario") || strings.Contains(table, "first error") {
		t.Fatalf("the table:\n%s", table)
	}
	for i, sc := range bench.Scenarios {
		if !strings.HasPrefix(lines[i+1], sc+" ") {
			t.Fatalf("line %d of the table is not %s's:\n%s", i+1, sc, table)
		}
	}
	mixed := slices.Index(bench.Scenarios, "mixed")
	if !strings.Contains(lines[mixed+1], "40 req/s") || !strings.Contains(lines[2], "2 clients") {
		t.Fatalf("the table does not say the load:\n%s", table)
	}
	// With the server's pid, its CPU time per request.
	if results[0].CPUPerRequest <= 0 {
		t.Fatalf("no CPU time per request with the server's pid: %+v", results[0])
	}
	// A failed request is counted and its error reported.
	failed := bench.Table([]*bench.Result{{Scenario: "dashboard", Mode: "closed", Clients: 1, Requests: 3, Errors: 1, FirstError: "dashboard: HTTP 503"}})
	if !strings.Contains(failed, "first error: dashboard: HTTP 503") {
		t.Fatalf("a failure is not reported:\n%s", failed)
	}

	// What cannot run says why.
	bad := run
	bad.Scenario = "everything"
	if _, err := bench.Run(ctx, bad); err == nil || !strings.Contains(err.Error(), `unknown scenario "everything"`) {
		t.Fatalf("an unknown scenario: %v", err)
	}
	bad = run
	bad.Scenario, bad.Password = "dashboard", "not-the-password"
	if _, err := bench.Run(ctx, bad); err == nil || !strings.Contains(err.Error(), "The email or password is wrong.") {
		t.Fatalf("a wrong password: %v", err)
	}
	bad = run
	bad.Scenario, bad.Admin, bad.Password = "all-flags", "nobody@example.org", demo.SeedPassword
	if _, err := bench.Run(ctx, bad); err == nil || !strings.Contains(err.Error(), "The email or password is wrong.") {
		t.Fatalf("an unknown admin for all-flags: %v", err)
	}
}

// Percentile is the nearest rank: the smallest latency at or above p % of
// them.
func TestLoadToolPercentiles(t *testing.T) {
	t.Parallel()
	ms := func(n ...int) []time.Duration {
		var ds []time.Duration
		for _, v := range n {
			ds = append(ds, time.Duration(v)*time.Millisecond)
		}
		return ds
	}
	ds := ms(9, 1, 5, 3, 7, 2, 8, 4, 10, 6)
	for _, c := range []struct {
		p    float64
		want float64
	}{{50, 5}, {95, 10}, {10, 1}, {11, 2}, {100, 10}, {0, 1}} {
		if got := bench.Percentile(ds, c.p); got != c.want {
			t.Errorf("p%v of 1..10 ms = %v, want %v", c.p, got, c.want)
		}
	}
	if got := bench.Percentile(nil, 50); got != 0 {
		t.Errorf("p50 of nothing = %v", got)
	}
	if ds[0] != 9*time.Millisecond {
		t.Error("Percentile sorted its argument in place")
	}
}
