package app_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"testing"

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
		for _, sc := range []string{"dashboard", "plan-page", "institution-flags", "all-flags"} {
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
