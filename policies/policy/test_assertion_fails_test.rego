package tailaudit.policy.test_assertion_fails_test

import data.tailaudit.policy.test_assertion_fails

policy := {
	"groups": {"group:eng": ["alice@example.com"]},
	"tagOwners": {"tag:prod": ["group:eng"]},
	"acls": [{"action": "accept", "src": ["group:eng"], "dst": ["tag:prod:22"]}],
}

test_wrong_expectation_fires_at_the_assertion if {
	results := test_assertion_fails.deny with input as {"policy": object.union(policy, {"tests": [{
		"src": "alice@example.com",
		"accept": ["tag:prod:22"],
		"deny": ["tag:prod:22"],
	}]})}
	count(results) == 1
	some r in results
	r.path == ["policy", "tests", 0, "deny", 0]
	r.evidence.want == "deny"
	r.evidence.got == "accept"
}

test_passing_tests_are_silent if {
	count(test_assertion_fails.deny) == 0 with input as {"policy": object.union(policy, {"tests": [{
		"src": "alice@example.com",
		"accept": ["tag:prod:22"],
		"deny": ["tag:prod:443"],
	}]})}
}

test_failing_tests_are_reported_in_an_invalid_policy if {
	results := test_assertion_fails.deny with input as {"policy": object.union(policy, {
		"hosts": {"db": "10.0.0.0/33"},
		"tests": [{"src": "alice@example.com", "deny": ["tag:prod:22"]}],
	})}
	count(results) == 1
}
