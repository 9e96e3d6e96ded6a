package tailaudit.policy.ssh_root_accept_test

import data.tailaudit.policy.ssh_root_accept

test_fires_on_root_accept if {
	results := ssh_root_accept.deny with input as {"policy": {"ssh": [
		{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"]},
		{"action": "accept", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["ubuntu", "root"]},
	]}}
	count(results) == 1
	some result in results
	result.path == ["policy", "ssh", 1, "users", 1]
	result.msg == "ssh[1] accepts root from group:ops on tag:prod without check"
}

test_silent_for_check_or_non_root if {
	results := ssh_root_accept.deny with input as {"policy": {"ssh": [
		{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"]},
		{"action": "accept", "src": ["group:eng"], "dst": ["tag:ci"], "users": ["ubuntu"]},
	]}}
	count(results) == 0
}
