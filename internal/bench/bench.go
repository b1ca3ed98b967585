// Package bench is a load generator for gendertrack: it signs in, fires
// named scenarios at a running server with a fixed number of clients or at
// a constant arrival rate, and reports latency percentiles, throughput,
// errors and the server's peak memory.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config says what to run.
type Config struct {
	URL      string // server base URL, e.g. http://127.0.0.1:8080
	Email    string // a coordinator of the institution under test
	Password string
	Admin    string // an ADMIN account (all-flags); defaults to Email
	Scenario string
	Clients  int           // closed model: this many clients in a loop
	Rate     float64       // open model: requests per second (0: closed model)
	Duration time.Duration // how long to fire
	PID      int           // the server's process id, for its peak resident memory and CPU time
	Seed     uint64
	// Peer is the base URL of a generic GraphQL server over the same
	// database (PostGraphile); with a peer scenario, Rounds rounds of
	// Duration each alternate between this server and the peer.
	Peer    string
	PeerPID int // the peer's process id, for its CPU time
	Rounds  int
}

// Result is one run's report.
type Result struct {
	Scenario   string        `json:"scenario"`
	Mode       string        `json:"mode"`
	Clients    int           `json:"clients,omitempty"`
	Rate       float64       `json:"rate,omitempty"`
	Duration   time.Duration `json:"-"`
	Seconds    float64       `json:"seconds"`
	Requests   int           `json:"requests"`
	Errors     int           `json:"errors"`
	Throughput float64       `json:"throughputPerSecond"`
	P50        float64       `json:"p50Ms"`
	P95        float64       `json:"p95Ms"`
	P99        float64       `json:"p99Ms"`
	Max        float64       `json:"maxMs"`
	PeakRSSMB  float64       `json:"serverPeakRssMB"`
	// Target is "gendertrack" or, for a peer round, "postgraphile".
	Target string `json:"target,omitempty"`
	// CPUPerRequest is the server process's CPU time per request, in
	// milliseconds (with --pid or --peer-pid; 0 when unknown).
	CPUPerRequest float64 `json:"serverCpuMsPerRequest,omitempty"`
	FirstError    string  `json:"firstError,omitempty"`
}

// Scenarios lists the scenario names.
var Scenarios = []string{"dashboard", "plan-page", "institution-flags", "all-flags", "save-responses", "record-progress",
	"record-progress-spread", "mixed", "peer-plan", "peer-dashboard"}

// client speaks GraphQL to the server.
type client struct {
	url   string
	token string
	http  *http.Client
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// do posts one operation and returns its data, or an error when the HTTP
// status, the GraphQL errors or the payload's userErrors say it failed.
func (c *client) do(ctx context.Context, name, query string, vars map[string]any) (json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars, "operationName": name})
	req, err := http.NewRequestWithContext(ctx, "POST", c.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != 200 {
		return nil, fmt.Errorf("%s: HTTP %d: %.200s", name, res.StatusCode, raw)
	}
	// The server writes "errors" before "data": an answer that starts
	// with its data has none. Taking it as it is keeps the tool from
	// spending the cores it shares with the server on decoding answers.
	if data, ok := bytes.CutPrefix(raw, []byte(`{"data":`)); ok && bytes.HasSuffix(data, []byte("}")) {
		data = data[:len(data)-1]
		if bytes.Contains(data, []byte(`"userErrors":[{`)) {
			return nil, fmt.Errorf("%s: user errors: %.300s", name, data)
		}
		return data, nil
	}
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(r.Errors) > 0 {
		return nil, fmt.Errorf("%s: %s", name, r.Errors[0].Message)
	}
	if bytes.Contains(r.Data, []byte(`"userErrors":[{`)) {
		return nil, fmt.Errorf("%s: user errors: %.300s", name, r.Data)
	}
	return r.Data, nil
}

func signIn(ctx context.Context, base *client, email, password string) (*client, error) {
	data, err := base.do(ctx, "Login", `mutation Login($e:String!,$p:String!){ login(input:{email:$e,password:$p}){ token userErrors{ message } } }`,
		map[string]any{"e": email, "p": password})
	if err != nil {
		return nil, err
	}
	var out struct {
		Login struct{ Token string } `json:"login"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.Login.Token == "" {
		return nil, fmt.Errorf("sign-in as %s failed", email)
	}
	return &client{url: base.url, token: out.Login.Token, http: base.http}, nil
}

// Run signs in, discovers the objects the scenario works on, fires it and
// reports: one result, or, for a peer scenario with cfg.Peer set, one for
// this server and one for the peer over cfg.Rounds interleaved rounds.
func Run(ctx context.Context, cfg Config) ([]*Result, error) {
	if cfg.Clients <= 0 {
		cfg.Clients = 1
	}
	ours, theirs, err := prepare(ctx, cfg)
	if err != nil {
		return nil, err
	}
	mem := watchMemory(&client{url: strings.TrimRight(cfg.URL, "/"), http: http.DefaultClient}, cfg.PID)
	if theirs == nil {
		r := runs{target: "gendertrack", pid: cfg.PID}
		r.round(ctx, cfg, ours)
		res := r.result(cfg)
		res.PeakRSSMB = mem()
		return []*Result{res}, nil
	}
	a := runs{target: "gendertrack", pid: cfg.PID}
	b := runs{target: "postgraphile", pid: cfg.PeerPID}
	for range max(cfg.Rounds, 1) {
		a.round(ctx, cfg, ours)
		b.round(ctx, cfg, theirs)
	}
	ra, rb := a.result(cfg), b.result(cfg)
	ra.PeakRSSMB = mem()
	return []*Result{ra, rb}, nil
}

// runs gathers the rounds of one target.
type runs struct {
	target    string
	pid       int
	latencies []time.Duration
	errors    int
	firstErr  string
	seconds   float64
	cpu       float64 // seconds of the target process, -1 when unknown
}

// round fires one round at the target and keeps what it measured.
func (r *runs) round(ctx context.Context, cfg Config, ops op) {
	before := cpuSeconds(r.pid)
	lat, errs, first, elapsed := fire(ctx, cfg, ops)
	if after := cpuSeconds(r.pid); before >= 0 && after >= 0 && r.cpu >= 0 {
		r.cpu += after - before
	} else {
		r.cpu = -1
	}
	r.latencies = append(r.latencies, lat...)
	r.errors += errs
	if r.firstErr == "" {
		r.firstErr = first
	}
	r.seconds += elapsed.Seconds()
}

// result summarises the rounds.
func (r *runs) result(cfg Config) *Result {
	res := &Result{Scenario: cfg.Scenario, Target: r.target, Duration: cfg.Duration, Mode: "closed", Clients: cfg.Clients}
	if cfg.Rate > 0 {
		res.Mode, res.Clients, res.Rate = "constant-rate", 0, cfg.Rate
	}
	res.Seconds, res.Requests, res.Errors, res.FirstError = r.seconds, len(r.latencies), r.errors, r.firstErr
	if r.seconds > 0 {
		res.Throughput = float64(len(r.latencies)) / r.seconds
	}
	if r.cpu > 0 && len(r.latencies) > 0 {
		res.CPUPerRequest = r.cpu * 1000 / float64(len(r.latencies))
	}
	res.P50, res.P95, res.P99, res.Max = Percentile(r.latencies, 50), Percentile(r.latencies, 95), Percentile(r.latencies, 99), Percentile(r.latencies, 100)
	return res
}

// Request is one request of a scenario: rnd picks its variables. It
// returns an error when the request failed in any way.
type Request func(ctx context.Context, rnd *rand.Rand) error

// Prepare signs in, discovers the objects cfg.Scenario works on and returns
// its request, for Run or for a Go benchmark.
func Prepare(ctx context.Context, cfg Config) (Request, error) {
	ours, _, err := prepare(ctx, cfg)
	return Request(ours), err
}

// prepare returns the scenario's request to this server and, for a peer
// scenario with cfg.Peer set, the same question to the peer.
func prepare(ctx context.Context, cfg Config) (ours, theirs op, err error) {
	if !slices.Contains(Scenarios, cfg.Scenario) {
		return nil, nil, fmt.Errorf("unknown scenario %q; one of %s", cfg.Scenario, strings.Join(Scenarios, ", "))
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}, Timeout: 60 * time.Second}
	base := &client{url: strings.TrimRight(cfg.URL, "/"), http: hc}
	user, err := signIn(ctx, base, cfg.Email, cfg.Password)
	if err != nil {
		return nil, nil, err
	}
	w, err := discover(ctx, user)
	if err != nil {
		return nil, nil, fmt.Errorf("discover: %w", err)
	}
	switch {
	case slices.Contains(PeerScenarios, cfg.Scenario):
		ours = w.peerScenario(cfg.Scenario, user, false)
		if cfg.Peer != "" {
			theirs = w.peerScenario(cfg.Scenario, &client{url: strings.TrimRight(cfg.Peer, "/"), http: hc}, true)
		}
		return ours, theirs, nil
	case cfg.Scenario == "record-progress-spread":
		ours, err = spread(ctx, cfg, base)
		return ours, nil, err
	}
	admin := user
	if cfg.Admin != "" && cfg.Admin != cfg.Email {
		if admin, err = signIn(ctx, base, cfg.Admin, cfg.Password); err != nil {
			return nil, nil, err
		}
	}
	return w.scenario(cfg.Scenario, user, admin), nil, nil
}

// spread is record-progress with each client on its own institution:
// client i signs in as the coordinator of institution i+1 (the seed's
// accounts) and records progress on that institution's adopted plan.
func spread(ctx context.Context, cfg Config, base *client) (op, error) {
	var each []op
	for i := range cfg.Clients {
		c, err := signIn(ctx, base, seedCoordinator(i+1), cfg.Password)
		if err != nil && i > 0 {
			break // fewer institutions than clients (seed --scale small has 3): clients share them in turn
		}
		if err != nil {
			return nil, err
		}
		w, err := discover(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("discover for client %d: %w", i, err)
		}
		each = append(each, w.scenario("record-progress", c, c))
	}
	return func(ctx context.Context, rnd *rand.Rand) error {
		i, _ := ctx.Value(clientKey{}).(int)
		return each[i%len(each)](ctx, rnd)
	}, nil
}

// seedCoordinator is demo.SeedCoordinator (the bench cannot import the
// demo package, which imports the services).
func seedCoordinator(i int) string { return fmt.Sprintf("coordinator-%d@bench.gendertrack.org", i) }

// clientKey carries a closed-model client's index in its requests' context.
type clientKey struct{}

// op is one request of a scenario; rnd picks its variables.
type op func(ctx context.Context, rnd *rand.Rand) error

// fire runs the scenario in the closed or the open model.
func fire(ctx context.Context, cfg Config, ops op) (latencies []time.Duration, errs int, firstErr string, elapsed time.Duration) {
	var (
		mu sync.Mutex
	)
	record := func(d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		latencies = append(latencies, d)
		if err != nil {
			errs++
			if firstErr == "" {
				firstErr = err.Error()
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	began := time.Now()
	var wg sync.WaitGroup
	if cfg.Rate > 0 {
		// Open model: requests are due at fixed times whatever the server
		// does, and latency counts from when a request was due, so a slow
		// server cannot hide its queue (no coordinated omission).
		interval := time.Duration(float64(time.Second) / cfg.Rate)
		sem := make(chan struct{}, 2000)
		for i := 0; ; i++ {
			due := began.Add(time.Duration(i) * interval)
			if !due.Before(began.Add(cfg.Duration)) {
				break
			}
			if wait := time.Until(due); wait > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(wait):
				}
			}
			if ctx.Err() != nil {
				break
			}
			sem <- struct{}{}
			wg.Add(1)
			go func(i int, due time.Time) {
				defer wg.Done()
				defer func() { <-sem }()
				rnd := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
				err := ops(context.WithoutCancel(ctx), rnd)
				record(time.Since(due), err)
			}(i, due)
		}
	} else {
		for c := 0; c < cfg.Clients; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				rnd := rand.New(rand.NewPCG(cfg.Seed, uint64(c)))
				for ctx.Err() == nil {
					start := time.Now()
					err := ops(context.WithValue(context.WithoutCancel(ctx), clientKey{}, c), rnd)
					record(time.Since(start), err)
				}
			}(c)
		}
	}
	wg.Wait()
	return latencies, errs, firstErr, time.Since(began)
}

// Percentile is the p-th percentile (nearest rank) of ds in milliseconds.
func Percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = min(max(rank, 1), len(s))
	return float64(s[rank-1].Microseconds()) / 1000
}

// watchMemory samples the server's resident memory until the returned
// function is called, which answers the peak in MB: VmHWM of the process
// when its pid is known, else the highest process_resident_memory_bytes
// seen on /metrics.
func watchMemory(c *client, pid int) func() float64 {
	if pid > 0 {
		return func() float64 { return vmHWM(pid) }
	}
	stop := make(chan struct{})
	var peak float64
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			if v := scrapeRSS(c); v > 0 {
				mu.Lock()
				peak = max(peak, v)
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() float64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak / (1 << 20)
	}
}

func scrapeRSS(c *client) float64 {
	res, err := c.http.Get(c.url + "/metrics")
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_resident_memory_bytes "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

// vmHWM reads the peak resident set of a process from /proc, in MB.
func vmHWM(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// Table formats results as a text table.
func Table(rs []*Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-22s %-12s %-12s %8s %7s %9s %8s %8s %8s %8s %9s %8s\n", "scenario", "server", "load", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "peak MB", "cpu ms")
	for _, r := range rs {
		load := fmt.Sprintf("%d clients", r.Clients)
		if r.Mode == "constant-rate" {
			load = fmt.Sprintf("%.0f req/s", r.Rate)
		}
		fmt.Fprintf(&b, "%-22s %-12s %-12s %8d %7d %9.1f %8.1f %8.1f %8.1f %8.1f %9.1f %8.2f\n", r.Scenario, r.Target, load, r.Requests, r.Errors, r.Throughput, r.P50, r.P95, r.P99, r.Max, r.PeakRSSMB, r.CPUPerRequest)
		if r.FirstError != "" {
			fmt.Fprintf(&b, "  first error: %.300s\n", r.FirstError)
		}
	}
	return b.String()
}

var errNoData = errors.New("the server holds no data for this scenario; load it with `gendertrack seed`")
