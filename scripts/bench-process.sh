#!/usr/bin/env bash
# Whole-process timing of tailaudit check: start to exit, N runs per case, min/median/max in ms.
#
#   scripts/bench-process.sh BINARY
#
# Cases: the demo policy, a generated 10,000-rule policy and, when the binary has --snapshot, a
# generated 50,000-device snapshot. Exit codes 0 and 1 (findings) are both normal; anything else
# stops the script. RUNS (default 10) sets the number of timed runs; one untimed run comes first.
# Uses hyperfine when it is installed, a bash loop with date +%s%N otherwise. Installs nothing.
set -euo pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BINARY" >&2
	exit 2
fi
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if [[ ! -x $bin ]]; then
	echo "$0: $1 is not an executable" >&2
	exit 2
fi
runs=${RUNS:-10}
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "# whole-process timing of $1 check ($runs runs per case; exit 0 and 1 both normal)"
go run ./internal/synth/genpolicy -rules 10000 >"$tmp/big.hujson"
cases=("demo policy|fixtures/demo/policy.hujson -f json" "10,000-rule policy|$tmp/big.hujson -f json")
help=$("$bin" check --help 2>&1 || true)
if [[ $help == *--snapshot* ]]; then
	go run ./internal/synth/genpolicy -devices 50000 -users 5000 -keys 2000 >"$tmp/snap.json"
	cases+=("50,000-device snapshot|--snapshot $tmp/snap.json -f json")
else
	echo "# note: $1 check has no --snapshot flag; the 50,000-device snapshot case is skipped"
fi

# run_once ARGS...: runs the check, output discarded; fails on an exit code other than 0 or 1.
run_once() {
	local rc=0
	"$bin" check "$@" >/dev/null 2>"$tmp/stderr" || rc=$?
	if [[ $rc -ne 0 && $rc -ne 1 ]]; then
		echo "$0: tailaudit check $* exited $rc:" >&2
		cat "$tmp/stderr" >&2
		exit 1
	fi
}

# peak_rss ARGS...: maximum resident set size of one run, in MB, when /usr/bin/time is there.
peak_rss() {
	if [[ ! -x /usr/bin/time ]]; then
		echo "-"
		return
	fi
	/usr/bin/time -f '%M' -o "$tmp/rss" "$bin" check "$@" >/dev/null 2>&1 || true
	tail -n 1 "$tmp/rss" | awk '{ printf "%.0f", $1 / 1024 }' # after a "Command exited ..." line
}

if command -v hyperfine >/dev/null; then
	for c in "${cases[@]}"; do
		name=${c%%|*}
		read -ra args <<<"${c#*|}"
		echo "## $name (peak RSS $(peak_rss "${args[@]}") MB)"
		hyperfine --style basic --warmup 1 --runs "$runs" --ignore-failure \
			"$(printf '%q ' "$bin" check "${args[@]}")"
	done
	exit 0
fi

printf '%-24s %9s %9s %9s %12s\n' case min_ms median_ms max_ms peak_rss_mb
for c in "${cases[@]}"; do
	name=${c%%|*}
	read -ra args <<<"${c#*|}"
	run_once "${args[@]}"
	: >"$tmp/ms"
	for ((i = 0; i < runs; i++)); do
		start=$(date +%s%N)
		run_once "${args[@]}"
		end=$(date +%s%N)
		echo $(((end - start) / 1000)) >>"$tmp/ms"
	done
	read -r min med max < <(sort -n "$tmp/ms" | awk '
		{ v[NR] = $1 }
		END {
			med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.1f %.1f %.1f\n", v[1] / 1000, med / 1000, v[NR] / 1000
		}')
	printf '%-24s %9s %9s %9s %12s\n' "$name" "$min" "$med" "$max" "$(peak_rss "${args[@]}")"
done
