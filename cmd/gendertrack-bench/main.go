// Command gendertrack-bench fires named scenarios at a running gendertrack
// server and reports latency percentiles, throughput, errors and the
// server's peak memory, as a table and as JSON.
//
//	gendertrack-bench --url http://127.0.0.1:8080 --scenario dashboard --clients 8 --duration 30s
//	gendertrack-bench --scenario mixed --rate 200 --duration 60s --json results.json
//	gendertrack-bench --scenario all   (every scenario with the clients of docs/PERFORMANCE.md)
//	gendertrack-bench --scenario peer-plan --peer http://127.0.0.1:5000 --rounds 3 --duration 20s
//	    (the same question to PostGraphile on the same database, in interleaved rounds)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/gendertrack/gendertrack/internal/bench"
	"github.com/gendertrack/gendertrack/internal/demo"
)

// plan is the standard run: each scenario with the load its target names.
var plan = []bench.Config{
	{Scenario: "dashboard", Clients: 8},
	{Scenario: "plan-page", Clients: 8},
	{Scenario: "institution-flags", Clients: 8},
	{Scenario: "all-flags", Clients: 4},
	{Scenario: "save-responses", Clients: 4},
	{Scenario: "record-progress", Clients: 8},
	{Scenario: "mixed", Rate: 200},
	// After mixed, which must find the history record-progress left and
	// no more: the spread writes to the same institution too.
	{Scenario: "record-progress-spread", Clients: 8},
	{Scenario: "peer-plan", Clients: 8},
	{Scenario: "peer-dashboard", Clients: 8},
}

func main() {
	cfg := bench.Config{}
	flag.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "server base URL")
	flag.StringVar(&cfg.Email, "email", demo.SeedCoordinator(1), "account to sign in with (a coordinator of the institution under test)")
	flag.StringVar(&cfg.Admin, "admin", demo.SeedAdmin, "ADMIN account for all-flags")
	flag.StringVar(&cfg.Password, "password", demo.SeedPassword, "password of both accounts")
	flag.StringVar(&cfg.Scenario, "scenario", "all", "one of "+strings.Join(bench.Scenarios, ", ")+", or all")
	flag.IntVar(&cfg.Clients, "clients", 8, "closed model: concurrent clients")
	flag.Float64Var(&cfg.Rate, "rate", 0, "open model: requests per second (overrides --clients)")
	flag.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long each scenario runs")
	flag.IntVar(&cfg.PID, "pid", 0, "server process id, to report its peak resident memory (VmHWM) instead of sampling /metrics")
	flag.StringVar(&cfg.Peer, "peer", "", "base URL of PostGraphile on the same database: peer-plan and peer-dashboard then alternate between the two servers")
	flag.IntVar(&cfg.PeerPID, "peer-pid", 0, "the peer's process id, for its CPU time per request")
	flag.IntVar(&cfg.Rounds, "rounds", 3, "with --peer: interleaved rounds of --duration each against each server")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "random seed of the request mix")
	jsonOut := flag.String("json", "", "also write the results as JSON to this file")
	mixedFor := flag.Duration("mixed-duration", 60*time.Second, "with --scenario all: how long the mixed scenario runs")
	mixedRate := flag.Float64("mixed-rate", 200, "with --scenario all: the arrival rate of the mixed scenario")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	runs := []bench.Config{cfg}
	if cfg.Scenario == "all" {
		runs = nil
		for _, p := range plan {
			c := cfg
			c.Scenario, c.Clients, c.Rate = p.Scenario, p.Clients, p.Rate
			if p.Scenario == "mixed" {
				c.Duration, c.Rate = *mixedFor, *mixedRate
			}
			runs = append(runs, c)
		}
	}
	var results []*bench.Result
	failed := false
	for _, c := range runs {
		rs, err := bench.Run(ctx, c)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gendertrack-bench: %s: %v\n", c.Scenario, err)
			failed = true
			continue
		}
		for _, r := range rs {
			results = append(results, r)
			failed = failed || r.Errors > 0
		}
	}
	fmt.Print(bench.Table(results))
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(map[string]any{"at": time.Now().UTC().Format(time.RFC3339), "results": results}, "", "  ")
		if err := os.WriteFile(*jsonOut, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gendertrack-bench:", err)
			os.Exit(1)
		}
	}
	if failed {
		os.Exit(1)
	}
}
