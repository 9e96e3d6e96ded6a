package tailaudit.policy.tests_without_deny_test

import data.tailaudit.policy.tests_without_deny

test_fires_when_only_accepts if {
	results := tests_without_deny.deny with input as {"policy": {"tests": [
		{"src": "a@example.com", "accept": ["tag:web:443"]},
		{"src": "b@example.com", "accept": ["tag:web:443"], "deny": []},
	]}}
	count(results) == 1
	some result in results
	result.path == ["policy", "tests"]
	startswith(result.msg, "no entry in tests asserts a deny")
	result.evidence.tests == 2
}

test_silent_with_a_deny if {
	results := tests_without_deny.deny with input as {"policy": {"tests": [
		{"src": "a@example.com", "accept": ["tag:web:443"]},
		{"src": "b@example.com", "deny": ["tag:db:5432"]},
	]}}
	count(results) == 0
}

test_silent_without_tests if {
	count(tests_without_deny.deny) == 0 with input as {"policy": {}}
}
