# tailaudit's developer tasks. Everything runs through the go command; nothing is downloaded but Go
# modules.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO  ?= go
OPA := $(GO) tool opa
BENCH_PKGS := ./engine ./internal/access ./engine/tailnet ./internal/sink
# The default set finishes in a few minutes; BENCH=. adds the naive 50,000-device run (several more).
BENCH ?= Parse|Ratio|Compile|RunTests|Diff|Snapshot/devices=50000/engine|Decode|BundleLoad|RulesLint|SinkBulk
BENCHTIME ?= 3x
# Timed runs per input of the whole-process benchmark.
PROCESS_RUNS ?= 10
# Paired rounds of the peer benchmark (tailaudit and OPA wired by hand, same rules, same input).
PEER_RUNS ?= 5
# Timed runs per size of the rule-count sweep (1,000 to 16,000 rules, both synth shapes).
SWEEP_RUNS ?= 3
# Timed runs per framework of the evidence pack benchmark (each writes a pack of hundreds of MB).
REPORT_RUNS ?= 3

# Release builds: static (no cgo), no file system paths (-trimpath), the commit and its date from
# the VCS when built in a git checkout (-buildvcs=auto, whatever GOFLAGS says), no symbol tables.
# Nothing in them depends on the time or the machine of the build. VERSION=v1.2.3 overrides the
# version the build info gives, for trees without git metadata.
RELEASE_PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
VERSION ?=
RELEASE_ENV := CGO_ENABLED=0 GOAMD64=v1 GOARM64=v8.0
RELEASE_FLAGS = -trimpath -buildvcs=auto -ldflags '-s -w$(if $(VERSION), -X main.ldVersion=$(VERSION))'

.PHONY: build test test-large race lint bench demo demo-report fuzz harden release release-check clean

build:
	$(GO) build -o bin/tailaudit ./cmd/tailaudit

test:
	$(GO) test ./...

# The tests that generate inputs of hundreds of megabytes (a 200 MB snapshot, say), which make test
# leaves out.
test-large:
	TAILAUDIT_LARGE_TESTS=1 $(GO) test -count=1 -run Large ./...

# The engine's and the internal packages' tests under the race detector: events are decoded on a
# goroutine of their own, documents are compiled and rule shards evaluated on both cores, alerts
# are staged while outputs are written. cmd/tailaudit runs the binary, so it is left out.
race:
	$(GO) test -race -count=1 ./engine/... ./internal/...

# gofmt, go vet, and on every Rego file OPA's strict compile (with tailaudit's tailscale.* built-ins,
# which the opa command does not know) and OPA's formatter, then tailaudit's own rules lint of the
# built-in rules (the rule contract, tests with a firing and a silent case, input paths).
lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt -w needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -run 'TestRegoStrict|TestRuleMetadata' ./policies
	$(OPA) fmt --list --fail policies
	$(GO) run ./cmd/tailaudit rules lint

# Benchmarks on generated inputs of realistic size, then BenchmarkProcess: the built binary's check
# from start to exit, PROCESS_RUNS times per input; then BenchmarkPeers: tailaudit against OPA's
# opa eval with the tailscale.* built-ins registered, same rules and input, PEER_RUNS paired rounds;
# and BenchmarkSweep: check on 1,000-16,000 rules of both synth shapes, with the CPU time growth per
# doubling; BenchmarkAlerts (1,000,000 generated audit and flow entries through every alert rule, with
# the naive way in the same run) and BenchmarkAlertsPeakRSS (the binary on 1,000,000 entries and on
# 1 GB), once each. Figures are recorded in BENCHMARKS.md.
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) -timeout 60m $(BENCH_PKGS) | tee bench.out
	$(GO) test -run '^$$' -bench Process -benchtime $(PROCESS_RUNS)x -timeout 60m ./cmd/tailaudit | tee -a bench.out
	$(GO) test -run '^$$' -bench Peers -benchtime $(PEER_RUNS)x -timeout 60m ./cmd/tailaudit | tee -a bench.out
	$(GO) test -run '^$$' -bench Report -benchtime $(REPORT_RUNS)x -timeout 60m ./cmd/tailaudit | tee -a bench.out
	$(GO) test -run '^$$' -bench Outbox -benchtime 1x -timeout 60m ./internal/alertstate | tee -a bench.out
	$(GO) test -run '^$$' -bench AlertsCron -benchtime $(PROCESS_RUNS)x -timeout 60m ./cmd/tailaudit | tee -a bench.out
	$(GO) test -run '^$$' -bench Sweep -benchtime $(SWEEP_RUNS)x -timeout 60m ./cmd/tailaudit | tee -a bench.out
	$(GO) test -run '^$$' -bench '^BenchmarkAlerts$$' -benchtime 1x -timeout 60m ./engine | tee -a bench.out
	$(GO) test -run '^$$' -bench AlertsPeakRSS -benchtime 1x -timeout 60m ./cmd/tailaudit | tee -a bench.out

# The main job on the bundled demo. Exit code 1 means findings at or above --fail-on, as designed.
demo:
	$(GO) run ./cmd/tailaudit check --snapshot fixtures/demo/snapshot.json fixtures/demo/policy.hujson || [ $$? -eq 1 ]

# The hostile-input suites: a hostile API server (planted and echoed secrets, redirects, hangs,
# giant bodies), hostile rule directories (every sandbox case) and the malformed-input corpus for
# policy, config and snapshot files. Prints "N cases, N survived" per suite; fails unless all survived.
harden:
	GO=$(GO) ./.ci/harden

# A SOC 2 evidence pack for the demo tailnet, written to demo-pack/ (replaced when there), then
# verified. Open demo-pack/report.html in a browser.
DEMO_PACK ?= demo-pack
demo-report:
	$(GO) run ./cmd/tailaudit report --framework soc2 --snapshot fixtures/demo/snapshot.json fixtures/demo/policy.hujson \
		--events fixtures/demo/audit.jsonl --period 2026-11-17..2026-11-23 -o $(DEMO_PACK) --force
	$(GO) run ./cmd/tailaudit verify $(DEMO_PACK)

# tailaudit alerts on the demo week (incidents planted among a week of ordinary changes, in the audit
# log and the flow logs, with the demo config naming who may reach sensitive machines), then the
# drift between the demo's snapshots a week apart. Exit code 1 means alerts at or above --fail-on.
demo-alerts:
	$(GO) run ./cmd/tailaudit alerts --events fixtures/demo/audit.jsonl --events fixtures/demo/flows.jsonl --snapshot fixtures/demo/snapshot.json --config fixtures/demo/tailaudit.hujson || [ $$? -eq 1 ]
	$(GO) run ./cmd/tailaudit alerts --before fixtures/demo/snapshot-before.json --after fixtures/demo/snapshot.json || [ $$? -eq 1 ]

# Fuzzing of every parser of untrusted input: each func Fuzz* in the tree for FUZZTIME. go test
# fuzzes one target per run, hence the loop; the first failure stops it.
FUZZTIME ?= 30s
# The property harness (internal/access/property_test.go) runs 40 random policies in make test and
# PROP_N of them here.
PROP_N ?= 2000
fuzz:
	@targets=$$(grep -rE --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]*' --exclude-dir=testdata . | sed 's/:func /:/' | sort); \
	if [ -z "$$targets" ]; then echo "no fuzz targets found"; exit 1; fi; \
	for t in $$targets; do \
		pkg=$$(dirname "$${t%%:*}"); name=$${t#*:}; \
		echo "--- fuzz $$name in $$pkg for $(FUZZTIME)"; \
		log=$$(mktemp); \
		if ! $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg" 2>&1 | tee "$$log"; then \
			if grep -q 'context deadline exceeded' "$$log" && ! grep -q 'Failing input written' "$$log"; then \
				echo "--- $$name: go test stopped at the fuzz deadline with no failing input (a go fuzzing flake); once more"; \
				$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg" || exit 1; \
			else rm -f "$$log"; exit 1; fi; \
		fi; \
		rm -f "$$log"; \
	done
	@echo "--- property harness of internal/access with $(PROP_N) random policies"
	$(GO) test -count=1 -run '^TestProperties$$' ./internal/access -prop.n=$(PROP_N)

# Static binaries for every platform in dist/, with SHA256SUMS.
release:
	rm -rf dist
	mkdir -p dist
	for p in $(RELEASE_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; out=dist/tailaudit-$$os-$$arch; \
		if [ "$$os" = windows ]; then out=$$out.exe; fi; \
		echo "$$out"; \
		env $(RELEASE_ENV) GOOS=$$os GOARCH=$$arch $(GO) build $(RELEASE_FLAGS) -o $$out ./cmd/tailaudit; \
	done
	cd dist && sha256sum tailaudit-* > SHA256SUMS
	cat dist/SHA256SUMS

# Builds the release binary for this machine twice, the second time with an empty build cache so that
# nothing is reused, and fails unless both are byte for byte the same, static, and report VERSION
# when one is given.
release-check:
	@tmp=$$(mktemp -d); trap 'chmod -R u+w "$$tmp"; rm -rf "$$tmp"' EXIT; \
	target="GOOS=$$($(GO) env GOHOSTOS) GOARCH=$$($(GO) env GOHOSTARCH)"; \
	echo "building $$target twice"; \
	env $(RELEASE_ENV) $$target $(GO) build $(RELEASE_FLAGS) -o "$$tmp/first" ./cmd/tailaudit; \
	env $(RELEASE_ENV) $$target GOCACHE="$$tmp/cache" $(GO) build $(RELEASE_FLAGS) -o "$$tmp/second" ./cmd/tailaudit; \
	first=$$(sha256sum < "$$tmp/first"); second=$$(sha256sum < "$$tmp/second"); \
	if [ "$$first" != "$$second" ]; then echo "not reproducible: $$first and $$second"; exit 1; fi; \
	$(GO) version -m "$$tmp/first" | grep -q 'CGO_ENABLED=0' || { echo "not a static build"; exit 1; }; \
	if [ -n "$(VERSION)" ]; then "$$tmp/first" version | grep -qx 'tailaudit $(VERSION)' || { echo "version does not report $(VERSION)"; exit 1; }; fi; \
	"$$tmp/first" version; \
	echo "reproducible: sha256 $${first%% *}"

clean:
	rm -rf bin dist bench.out $(DEMO_PACK)
