package tailaudit.policy.ssh_recorder_not_enforced_test

import data.tailaudit.policy.ssh_recorder_not_enforced

test_fires_without_enforce if {
	results := ssh_recorder_not_enforced.warn with input as {"policy": {"ssh": [
		{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"], "recorder": ["tag:recorder"]},
	]}}
	count(results) == 1
	some result in results
	result.path == ["policy", "ssh", 0, "recorder"]
	startswith(result.msg, "ssh[0] records sessions to tag:recorder")
}

test_silent_when_enforced_or_unrecorded if {
	results := ssh_recorder_not_enforced.warn with input as {"policy": {"ssh": [
		{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"], "recorder": ["tag:recorder"], "enforceRecorder": true},
		{"action": "check", "src": ["group:ops"], "dst": ["tag:ci"], "users": ["root"]},
	]}}
	count(results) == 0
}
