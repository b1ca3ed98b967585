# The whole suite: SQLite always; PostgreSQL too when it is reachable at
# GENDERTRACK_TEST_PG (default postgres://postgres@127.0.0.1:5432/postgres),
# and always under CI=true, where an unreachable PostgreSQL fails the run.
.PHONY: test cover check build bench screenshots bench-pages generate

test:
	./scripts/test.sh

# The suite with coverage counted across packages (the end-to-end tests
# count for the packages they exercise), generated code excluded; writes
# coverage.out and prints the total.
cover:
	./scripts/cover.sh

check:
	test -z "$$(gofmt -l .)" || (gofmt -l .; exit 1)
	go vet ./...
	go tool staticcheck ./...

build:
	CGO_ENABLED=0 go build -o gendertrack ./cmd/gendertrack

# The GraphQL executor from graph/schema, then its leaf fields rewritten to
# resolve without a field context and the lists below a plan's actions to
# marshal without a goroutine per element when nothing below them needs one
# (internal/tools/leaves: a test fails when this second step was skipped).
generate:
	go tool gqlgen generate
	go run ./internal/tools/leaves graph/generated

bench:
	go test -run '^$$' -bench . -benchmem ./...

# Screenshots of the web workspace's main pages, in English and French, on a
# desktop and a phone-sized screen, taken in Chromium by the browser tests
# and written to docs/screenshots/.
screenshots:
	GENDERTRACK_SCREENSHOTS=1 go test -count=1 -run '^TestScreenshots$$' ./internal/browsertest/

# The web workspace's pages on an emulated 3G link (400 kbit/s, 400 ms round
# trip) in Chromium: bytes transferred on a first and a later visit, time to
# render. The table in docs/PERFORMANCE.md comes from it.
bench-pages:
	go test -count=1 -run '^$$' -bench '^BenchmarkPages$$' -benchtime 1x ./internal/browsertest/
