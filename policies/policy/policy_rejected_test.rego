package tailaudit.policy.policy_rejected_test

import data.tailaudit.policy.policy_rejected

test_undefined_group_is_rejected_at_its_value if {
	results := policy_rejected.deny with input as {"policy": {"acls": [{
		"action": "accept",
		"src": ["group:nobody"],
		"dst": ["*:*"],
	}]}}
	count(results) == 1
	some r in results
	r.path == ["policy", "acls", 0, "src", 0]
	contains(r.msg, "group:nobody")
}

test_bad_port_is_rejected if {
	results := policy_rejected.deny with input as {"policy": {"acls": [{
		"action": "accept",
		"src": ["*"],
		"dst": ["*:70000"],
	}]}}
	count(results) >= 1
}

test_valid_policy_is_silent if {
	count(policy_rejected.deny) == 0 with input as {"policy": {
		"groups": {"group:eng": ["alice@example.com"]},
		"tagOwners": {"tag:prod": ["group:eng"]},
		"acls": [{"action": "accept", "src": ["group:eng"], "dst": ["tag:prod:22,443"]}],
	}}
}
