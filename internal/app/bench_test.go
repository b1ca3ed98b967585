package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/app"
	"github.com/gendertrack/gendertrack/internal/bench"
	"github.com/gendertrack/gendertrack/internal/demo"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// BenchmarkScenarios runs each read scenario of the load tool, one request
// at a time, against a real server, with the response cache off (every
// request executed, as right after a change) and on (repeated requests
// answered from it): ns/op is the latency of one request with nothing else
// running, allocs/op and B/op what the server and the client allocate for
// it (both run in this process). The data is `small`, seeded into a fresh
// SQLite database, or whatever GENDERTRACK_BENCH_DB points at (a database
// seeded with `gendertrack seed --scale large`, say).
//
//	go test ./internal/app -run '^$' -bench Scenarios -benchmem
//	GENDERTRACK_BENCH_DB='postgres://postgres@127.0.0.1:5432/gt_large?sslmode=disable' go test ./internal/app -run '^$' -bench Scenarios -benchmem
func BenchmarkScenarios(b *testing.B) {
	dsn := os.Getenv("GENDERTRACK_BENCH_DB")
	if dsn == "" {
		dsn = storetest.NewURL(b, "sqlite")
		if err := app.Run(context.Background(), []string{"seed", "--scale", "small", "--db", dsn}, func(string) string { return "" }, nil, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	for _, cache := range []struct {
		name string
		mb   int
	}{{"cache-off", 0}, {"cached", 32}} {
		cfg := app.Defaults()
		cfg.DB, cfg.ResponseCacheMB = dsn, cache.mb
		e := serve(b, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		for _, sc := range []string{"dashboard", "plan-page", "institution-flags", "all-flags", "peer-plan", "peer-dashboard"} {
			b.Run(cache.name+"/"+sc, func(b *testing.B) {
				ctx := context.Background()
				req, err := bench.Prepare(ctx, bench.Config{URL: e.URL, Email: demo.SeedCoordinator(1), Admin: demo.SeedAdmin, Password: demo.SeedPassword, Scenario: sc})
				if err != nil {
					b.Fatal(err)
				}
				rnd := rand.New(rand.NewPCG(1, 2))
				if err := req(ctx, rnd); err != nil { // warm the caches
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := req(ctx, rnd); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkAttacks sends each document of the attack corpus (the hostile
// documents of e2e_hostile_test.go) to a real server's handler, in this
// process, and reports per request the CPU time the process spent
// (cpu-ms/op) and how much its resident memory grew over the run
// (rss-growth-MB). Every one must be answered or refused within 100 ms of
// CPU and 20 MB (docs/PERFORMANCE.md records the figures).
//
//	go test ./internal/app -run '^$' -bench Attacks
func BenchmarkAttacks(b *testing.B) {
	cfg := app.Defaults()
	cfg.DB = storetest.NewURL(b, "sqlite")
	srv, err := app.NewServer(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	for _, a := range attacks() {
		body, _ := json.Marshal(map[string]any{"query": a.query})
		b.Run(strings.ReplaceAll(a.name, " ", "_"), func(b *testing.B) {
			runtime.GC()
			rss0 := residentBytes()
			cpu0 := cpuTime()
			n := 0
			for b.Loop() {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				srv.Handler.ServeHTTP(rec, req)
				if !strings.Contains(rec.Body.String(), a.code) {
					b.Fatalf("not refused with %s: %.300s", a.code, rec.Body.String())
				}
				n++
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(n), "cpu-ms/op")
			b.ReportMetric(float64(max(residentBytes()-rss0, 0))/(1<<20), "rss-growth-MB")
		})
	}
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// residentBytes is this process's resident memory, from /proc.
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
