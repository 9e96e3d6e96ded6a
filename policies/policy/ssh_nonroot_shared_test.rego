package tailaudit.policy.ssh_nonroot_shared_test

import data.tailaudit.policy.ssh_nonroot_shared

test_fires_for_tagged_destination if {
	results := ssh_nonroot_shared.deny with input as {"policy": {"ssh": [
		{"action": "check", "src": ["group:eng"], "dst": ["autogroup:self", "tag:ci"], "users": ["autogroup:nonroot"]},
	]}}
	count(results) == 1
	some result in results
	result.path == ["policy", "ssh", 0, "users", 0]
	result.msg == "ssh[0] lets group:eng log in as any non-root account on tag:ci"
}

test_silent_for_self if {
	results := ssh_nonroot_shared.deny with input as {"policy": {"ssh": [
		{"action": "check", "src": ["autogroup:member"], "dst": ["autogroup:self"], "users": ["autogroup:nonroot", "root"]},
		{"action": "accept", "src": ["group:eng"], "dst": ["tag:ci"], "users": ["ci"]},
	]}}
	count(results) == 0
}
