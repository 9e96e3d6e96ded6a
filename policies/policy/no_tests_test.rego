package tailaudit.policy.no_tests_test

import data.tailaudit.policy.no_tests

test_fires_without_tests if {
	results := no_tests.deny with input as {"policy": {"acls": [], "tests": []}}
	count(results) == 1
	some result in results
	result.path == ["policy"]
	startswith(result.msg, "the policy has no tests or sshTests")
}

test_silent_with_tests if {
	count(no_tests.deny) == 0 with input as {"policy": {"tests": [{"src": "a@example.com", "accept": ["tag:web:443"]}]}}
}

test_silent_with_ssh_tests_only if {
	count(no_tests.deny) == 0 with input as {"policy": {"sshTests": [{"src": "a@example.com", "dst": ["tag:prod"], "accept": ["ubuntu"]}]}}
}
