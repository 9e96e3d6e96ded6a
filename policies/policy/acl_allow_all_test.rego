package tailaudit.policy.acl_allow_all_test

import data.tailaudit.policy.acl_allow_all

test_fires_on_star_to_star if {
	results := acl_allow_all.deny with input as {"policy": {"acls": [
		{"action": "accept", "src": ["group:eng"], "dst": ["tag:web:443"]},
		{"action": "accept", "src": ["*"], "dst": ["*:*"]},
	]}}
	count(results) == 1
	some result in results
	result.path == ["policy", "acls", 1]
	startswith(result.msg, `acls[1] lets "*" reach "*:*"`)
}

test_silent_for_narrow_rules if {
	results := acl_allow_all.deny with input as {"policy": {"acls": [
		{"action": "accept", "src": ["*"], "dst": ["tag:web:443"]},
		{"action": "accept", "src": ["group:ops"], "dst": ["*:*"]},
	]}}
	count(results) == 0
}
