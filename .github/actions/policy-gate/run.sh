#!/usr/bin/env bash
# The shell logic of the tailaudit action (action.yml at the repository root; cmd/tailaudit/action_test.go
# runs it): checks the policy
# file against the pull request's base, writes annotations to the log, a SARIF file, the job
# summary and the step outputs, and exits as tailaudit check does (0 passed, 1 failed, 2 could not
# run). Reads the INPUT_* variables action.yml sets, and GitHub's GITHUB_STEP_SUMMARY, GITHUB_OUTPUT
# and GITHUB_EVENT_NAME. Runs in the checked-out repository.
set -euo pipefail

bin=${TAILAUDIT:?TAILAUDIT must name the tailaudit binary}
policy=${INPUT_POLICY_FILE:-policy.hujson}
base=${INPUT_BASE_REF:-}
fail_on=${INPUT_FAIL_ON:-high}
sarif=${INPUT_SARIF_FILE:-tailaudit.sarif}
new_only=${INPUT_NEW_ONLY:-}
if [[ -z $new_only ]]; then
	case ${GITHUB_EVENT_NAME:-} in
	pull_request | pull_request_target) new_only=true ;;
	*) new_only=false ;;
	esac
fi
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
output=${GITHUB_OUTPUT:-/dev/null}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ ! -f $policy ]]; then
	echo "::error title=tailaudit::policy file $policy not found (set the policy-file input)"
	exit 2
fi

args=(check "$policy" --fail-on "$fail_on")
if [[ -n $base ]]; then
	# A shallow checkout may not have the base commit; fetch it alone, without tags.
	if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
		git fetch --no-tags --depth=1 origin "$base" >/dev/null 2>&1 || true
	fi
	args+=(--base "$base")
	if [[ $new_only == true ]]; then
		args+=(--new-only)
	fi
fi
set -f # split the rules input on white space, without expanding wildcards
for dir in ${INPUT_RULES:-}; do
	args+=(--rules "$dir")
done
for bundle in ${INPUT_RULES_BUNDLE:-}; do
	args+=(--bundle "$bundle")
done
set +f
if [[ -n ${INPUT_RULES_BUNDLE:-} ]]; then
	key=${INPUT_RULES_BUNDLE_KEY:-}
	if [[ -z $key ]]; then
		echo "::error title=tailaudit::rules-bundle needs rules-bundle-key, the public key the bundles are signed for"
		exit 2
	fi
	if [[ $key == -----BEGIN* ]]; then
		printf '%s\n' "$key" >"$tmp/bundle-key.pem"
		key=$tmp/bundle-key.pem
	fi
	args+=(--bundle-key "$key")
fi
if [[ -n ${INPUT_CONFIG:-} ]]; then
	args+=(--config "$INPUT_CONFIG")
fi

# What the change does to access, when there is a base to compare with.
added=0 removed=0
if [[ -n $base ]] && "$bin" diff --help >/dev/null 2>&1; then
	if "$bin" diff --base "$base" "$policy" -f json >"$tmp/diff.json" 2>"$tmp/diff.err"; then
		added=$(jq '.access.added | length' "$tmp/diff.json")
		removed=$(jq '.access.removed | length' "$tmp/diff.json")
		"$bin" diff --base "$base" "$policy" -f markdown >"$tmp/diff.md" 2>/dev/null || : >"$tmp/diff.md"
	else
		cat "$tmp/diff.err" >&2
	fi
fi

# The findings: annotations on stdout, and the report, SARIF and summary as files.
code=0
"$bin" "${args[@]}" -f github -f "json=$tmp/check.json" -f "sarif=$sarif" -f "github-summary=$tmp/check.md" || code=$?

new=0 verdict="could not run (exit code $code)"
if [[ -s $tmp/check.json ]]; then
	new=$(jq '.baseline.counts.new // 0' "$tmp/check.json")
	gate=$(jq -r '.summary.gate' "$tmp/check.json")
	verdict="$gate at $fail_on"
	if [[ -n $base && $new_only == true ]]; then
		verdict+=" on new findings"
	fi
fi

{
	echo "# tailaudit: $verdict"
	echo
	if [[ -n $base ]]; then
		echo "Compared \`$policy\` with \`$base\`: $new new findings; access $added added, $removed removed."
	else
		echo "No base to compare with: \`$policy\` was checked on its own."
	fi
	echo
	if [[ -s $tmp/diff.md ]]; then
		cat "$tmp/diff.md"
		echo
	fi
	if [[ -s $tmp/check.md ]]; then
		cat "$tmp/check.md"
	fi
} >>"$summary"

{
	echo "new-findings=$new"
	echo "access-added=$added"
	echo "access-removed=$removed"
	echo "sarif-file=$sarif"
} >>"$output"
exit "$code"
