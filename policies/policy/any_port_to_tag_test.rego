package tailaudit.policy.any_port_to_tag_test

import data.tailaudit.policy.any_port_to_tag

test_fires_for_acl_star_port if {
	results := any_port_to_tag.deny with input as {"policy": {"acls": [
		{"action": "accept", "src": ["group:ops"], "dst": ["tag:web:443"]},
		{"action": "accept", "src": ["group:contractors"], "dst": ["tag:web:443", "tag:db:*"]},
	]}}
	count(results) == 1
	some result in results
	result.path == ["policy", "acls", 1, "dst", 1]
	result.msg == "acls[1] lets group:contractors reach tag:db on every port"
	result.severity == "high"
}

test_fires_for_grant_star_ip if {
	results := any_port_to_tag.deny with input as {"policy": {"grants": [{"src": ["group:eng"], "dst": ["tag:ci", "10.0.0.1"], "ip": ["*"]}]}}
	count(results) == 1
	some result in results
	result.path == ["policy", "grants", 0, "dst", 0]
	result.severity == "medium"
}

test_silent_for_listed_ports if {
	results := any_port_to_tag.deny with input as {"policy": {
		"acls": [
			{"action": "accept", "src": ["group:ops"], "dst": ["tag:db:5432,6432", "tag:web:8000-8999"]},
			{"action": "accept", "src": ["group:ops"], "dst": ["tag:db:*"], "proto": "icmp"},
			{"action": "accept", "src": ["group:ops"], "dst": ["fd7a:115c:a1e0::/48:*", "autogroup:internet:*"]},
		],
		"grants": [{"src": ["group:ops"], "dst": ["tag:db"], "ip": ["tcp:5432", "icmp:*"]}],
	}}
	count(results) == 0
}
