package tailaudit.policy.ssh_tests_missing_test

import data.tailaudit.policy.ssh_tests_missing

ssh_rule := {"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"]}

net_test := {"src": "a@example.com", "accept": ["tag:web:443"]}

test_fires_without_ssh_tests if {
	results := ssh_tests_missing.deny with input as {"policy": {"ssh": [ssh_rule], "tests": [net_test]}}
	count(results) == 1
	some result in results
	result.path == ["policy", "ssh"]
	startswith(result.msg, "the policy has ssh rules but no sshTests")
}

test_silent_with_ssh_tests if {
	results := ssh_tests_missing.deny with input as {"policy": {
		"ssh": [ssh_rule],
		"tests": [net_test],
		"sshTests": [{"src": "a@example.com", "dst": ["tag:prod"], "accept": ["root"]}],
	}}
	count(results) == 0
}

test_silent_without_ssh_rules if {
	count(ssh_tests_missing.deny) == 0 with input as {"policy": {"tests": [net_test]}}
}
