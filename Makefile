# The whole suite: SQLite always; PostgreSQL too when it is reachable at
# GENDERTRACK_TEST_PG (default postgres://postgres@127.0.0.1:5432/postgres),
# and always under CI=true, where an unreachable PostgreSQL fails the run.
.PHONY: test cover check build bench

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

bench:
	go test -run '^$$' -bench . -benchmem ./...
