# tailaudit's developer tasks. Everything runs through the go command; nothing is downloaded but Go
# modules.
GO  ?= go
OPA := $(GO) tool opa
BENCH_PKGS := ./engine ./internal/access ./engine/tailnet
# The default set finishes in a few minutes; BENCH=. adds the naive 50,000-device run (several more).
BENCH ?= Parse|Ratio|Compile|RunTests|Snapshot/devices=50000/engine|Decode
BENCHTIME ?= 3x

.PHONY: build test lint bench bench-process demo fuzz clean

build:
	$(GO) build -o bin/tailaudit ./cmd/tailaudit

test:
	$(GO) test ./...

# gofmt, go vet, and on every Rego file OPA's strict compile (with tailaudit's tailscale.* built-ins,
# which the opa command does not know) and OPA's formatter.
lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt -w needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -run 'TestRegoStrict|TestRuleMetadata' ./policies
	$(OPA) fmt --list --fail policies

# Benchmarks on generated inputs of realistic size; figures are recorded in BENCHMARKS.md.
bench: build
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) -timeout 60m $(BENCH_PKGS) | tee bench.out
	./scripts/bench-process.sh bin/tailaudit | tee -a bench.out

# The main job on the bundled demo. Exit code 1 means findings at or above --fail-on, as designed.
demo:
	$(GO) run ./cmd/tailaudit check --snapshot fixtures/demo/snapshot.json fixtures/demo/policy.hujson || [ $$? -eq 1 ]

# Short fuzzing of every parser of untrusted input.
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./engine/policyfile

clean:
	rm -rf bin bench.out
