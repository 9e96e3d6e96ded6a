package tailaudit.policy.legacy_syntax_test

import data.tailaudit.policy.legacy_syntax

test_fires_for_each_legacy_spelling if {
	results := legacy_syntax.warn with input as {
		"policy": {"acls": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:web:443"]}]},
		"policy_meta": {"legacy": [
			{"path": ["policy", "acls", 0, "users"], "was": "users", "now": "src"},
			{"path": ["policy", "acls", 0, "action"], "was": "allow", "now": "accept"},
			{"path": ["policy", "acls", 0, "src", 0], "was": "autogroup:members", "now": "autogroup:member"},
		]},
	}
	count(results) == 3
	some key in results
	key.path == ["policy", "acls", 0, "users"]
	key.msg == `acls[0] uses the legacy spelling "users" where Tailscale now writes "src"`
	some value in results
	value.path == ["policy", "acls", 0, "action"]
	value.msg == `acls[0].action uses the legacy spelling "allow" where Tailscale now writes "accept"`
}

test_silent_for_current_syntax if {
	count(legacy_syntax.warn) == 0 with input as {"policy": {"acls": []}, "policy_meta": {"legacy": []}}
}

test_silent_without_meta if {
	count(legacy_syntax.warn) == 0 with input as {"policy": {"acls": []}}
}
