package tailaudit.policy.ssh_broad_source_test

import data.tailaudit.policy.ssh_broad_source

test_fires_for_members_on_servers if {
	results := ssh_broad_source.deny with input as {"policy": {"ssh": [
		{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:prod"], "users": ["ubuntu"]},
		{"action": "check", "src": ["group:eng", "autogroup:member"], "dst": ["tag:ci"], "users": ["ubuntu"]},
	]}}
	count(results) == 2
	some accept in results
	accept.path == ["policy", "ssh", 0, "src", 0]
	accept.msg == "ssh[0] lets autogroup:member open SSH sessions on tag:prod"
	accept.severity == "high"
	some check in results
	check.path == ["policy", "ssh", 1, "src", 1]
	check.severity == "medium"
}

test_silent_for_default_self_rule if {
	results := ssh_broad_source.deny with input as {"policy": {"ssh": [
		{"action": "check", "src": ["autogroup:member"], "dst": ["autogroup:self"], "users": ["autogroup:nonroot", "root"]},
		{"action": "accept", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["ubuntu"]},
	]}}
	count(results) == 0
}
