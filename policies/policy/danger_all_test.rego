package tailaudit.policy.danger_all_test

import data.tailaudit.policy.danger_all

test_fires_wherever_it_appears if {
	results := danger_all.deny with input as {"policy": {
		"acls": [{"action": "accept", "src": ["group:eng", "autogroup:danger-all"], "dst": ["tag:web:443"]}],
		"grants": [{"src": ["autogroup:danger-all"], "dst": ["tag:web"], "ip": ["443"]}],
	}}
	count(results) == 2
	paths := {result.path | some result in results}
	paths == {["policy", "acls", 0, "src", 1], ["policy", "grants", 0, "src", 0]}
	some result in results
	startswith(result.msg, "acls[0].src[1] uses autogroup:danger-all")
}

test_silent_for_members if {
	results := danger_all.deny with input as {"policy": {"acls": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:web:443"]}]}}
	count(results) == 0
}
