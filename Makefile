# tailaudit's developer tasks. Everything runs through the go command; nothing is downloaded but Go
# modules.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO  ?= go
OPA := $(GO) tool opa
BENCH_PKGS := ./engine ./internal/access ./engine/tailnet
# The default set finishes in a few minutes; BENCH=. adds the naive 50,000-device run (several more).
BENCH ?= Parse|Ratio|Compile|RunTests|Snapshot/devices=50000/engine|Decode
BENCHTIME ?= 3x
# Timed runs per input of the whole-process benchmark.
PROCESS_RUNS ?= 10

.PHONY: build test test-large lint bench demo fuzz clean

build:
	$(GO) build -o bin/tailaudit ./cmd/tailaudit

test:
	$(GO) test ./...

# The tests that generate inputs of hundreds of megabytes (a 200 MB snapshot, say), which make test
# leaves out.
test-large:
	TAILAUDIT_LARGE_TESTS=1 $(GO) test -count=1 -run Large ./...

# gofmt, go vet, and on every Rego file OPA's strict compile (with tailaudit's tailscale.* built-ins,
# which the opa command does not know) and OPA's formatter.
lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt -w needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -run 'TestRegoStrict|TestRuleMetadata' ./policies
	$(OPA) fmt --list --fail policies

# Benchmarks on generated inputs of realistic size, then BenchmarkProcess: the built binary's check
# from start to exit, PROCESS_RUNS times per input. Figures are recorded in BENCHMARKS.md.
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) -timeout 60m $(BENCH_PKGS) | tee bench.out
	$(GO) test -run '^$$' -bench Process -benchtime $(PROCESS_RUNS)x -timeout 60m ./cmd/tailaudit | tee -a bench.out

# The main job on the bundled demo. Exit code 1 means findings at or above --fail-on, as designed.
demo:
	$(GO) run ./cmd/tailaudit check --snapshot fixtures/demo/snapshot.json fixtures/demo/policy.hujson || [ $$? -eq 1 ]

# Fuzzing of every parser of untrusted input: each func Fuzz* in the tree for FUZZTIME. go test
# fuzzes one target per run, hence the loop; the first failure stops it.
FUZZTIME ?= 30s
fuzz:
	@targets=$$(grep -rE --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]*' --exclude-dir=testdata . | sed 's/:func /:/' | sort); \
	if [ -z "$$targets" ]; then echo "no fuzz targets found"; exit 1; fi; \
	for t in $$targets; do \
		pkg=$$(dirname "$${t%%:*}"); name=$${t#*:}; \
		echo "--- fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg" || exit 1; \
	done

clean:
	rm -rf bin bench.out
