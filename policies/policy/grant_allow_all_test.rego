package tailaudit.policy.grant_allow_all_test

import data.tailaudit.policy.grant_allow_all

test_fires_on_star_grant if {
	results := grant_allow_all.deny with input as {"policy": {"grants": [{"src": ["*"], "dst": ["*"], "ip": ["*"]}]}}
	count(results) == 1
	some result in results
	result.path == ["policy", "grants", 0]
	startswith(result.msg, `grants[0] lets "*" reach "*"`)
}

test_silent_when_ports_are_limited if {
	results := grant_allow_all.deny with input as {"policy": {"grants": [
		{"src": ["*"], "dst": ["*"], "ip": ["icmp:*"]},
		{"src": ["*"], "dst": ["tag:web"], "ip": ["*"]},
		{"src": ["*"], "dst": ["*"], "app": {"example.com/cap/x": [{}]}},
	]}}
	count(results) == 0
}
