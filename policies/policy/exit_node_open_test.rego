package tailaudit.policy.exit_node_open_test

import data.tailaudit.policy.exit_node_open

test_fires_for_members if {
	results := exit_node_open.deny with input as {"policy": {
		"acls": [{"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:internet:*"]}],
		"grants": [{"src": ["*"], "dst": ["autogroup:internet"], "ip": ["*"]}],
	}}
	count(results) == 2
	paths := {result.path | some result in results}
	paths == {["policy", "acls", 0, "dst", 0], ["policy", "grants", 0, "dst", 0]}
	some result in results
	result.msg == "acls[0] lets autogroup:member use any exit node to reach the internet"
}

test_silent_for_named_group if {
	results := exit_node_open.deny with input as {"policy": {
		"acls": [{"action": "accept", "src": ["group:travel"], "dst": ["autogroup:internet:*"]}],
		"grants": [{"src": ["autogroup:member"], "dst": ["tag:web"], "ip": ["443"]}],
	}}
	count(results) == 0
}
