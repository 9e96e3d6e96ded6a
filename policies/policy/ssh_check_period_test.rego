package tailaudit.policy.ssh_check_period_test

import data.tailaudit.policy.ssh_check_period

test_fires_above_default_threshold if {
	results := ssh_check_period.deny with input as {"policy": {"ssh": [
		{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"], "checkPeriod": "24h"},
		{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"], "checkPeriod": "200h"},
	]}}
	count(results) == 2
	some day in results
	day.path == ["policy", "ssh", 0, "checkPeriod"]
	day.msg == "ssh[0] re-checks only every 24h, longer than the 12h maximum"
	some long in results
	long.path == ["policy", "ssh", 1, "checkPeriod"]
	contains(long.msg, "168h limit")
}

test_fires_for_implicit_default_with_lower_param if {
	results := ssh_check_period.deny with input as {
		"policy": {"ssh": [{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"]}]},
		"params": {"maxCheckPeriod": "1h"},
	}
	count(results) == 1
	some result in results
	result.path == ["policy", "ssh", 0]
	contains(result.msg, "has no checkPeriod")
}

test_silent_within_threshold if {
	results := ssh_check_period.deny with input as {"policy": {"ssh": [
		{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"], "checkPeriod": "30m"},
		{"action": "check", "src": ["group:ops"], "dst": ["tag:db"], "users": ["root"], "checkPeriod": "always"},
		{"action": "check", "src": ["group:ops"], "dst": ["tag:ci"], "users": ["root"]},
		{"action": "check", "src": ["group:ops"], "dst": ["tag:ci"], "users": ["root"], "checkPeriod": "1h30m"},
		{"action": "accept", "src": ["group:ops"], "dst": ["tag:ci"], "users": ["ci"], "checkPeriod": "72h"},
		{"action": "check", "src": ["group:ops"], "dst": ["tag:ci"], "users": ["ci"], "checkPeriod": "7d"},
	]}}
	count(results) == 0
}
