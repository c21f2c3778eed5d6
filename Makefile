# Ippo — the two commands are `make dev` and `make test`.
.PHONY: dev test build generate bench histories clean-dev

dev: ## run Ippo with PostgreSQL and the Temporal dev server (Ctrl-C stops)
	@scripts/dev.sh

test: ## every test, on the real PostgreSQL and Temporal
	@scripts/test.sh

build:
	go build -o bin/ippo ./cmd/ippo

generate: ## regenerate api/openapi.gen.go from api/openapi.yaml
	go generate ./...

bench: ## benchmarks (they measure; no test asserts a timing)
	@IPPO_BENCH=1 scripts/test.sh -run '^$$' -bench . -benchmem

histories: ## record new workflow histories for the replay tests (after a versioned change)
	@IPPO_RECORD_HISTORIES=1 PKGS=./workflows scripts/test.sh -run TestRecordHistories

clean-dev: ## forget the development data (stops nothing)
	rm -rf .dev
