package tailaudit.change.exit_node_broad_test

import data.tailaudit.change.exit_node_broad

before := {"grants": [{"src": ["group:ops"], "dst": ["autogroup:internet"], "ip": ["*"]}]}

test_fires_for_everyone_on_exit_nodes if {
	after := {"grants": [{"src": ["group:ops"], "dst": ["autogroup:internet"], "ip": ["*"]}], "acls": [{"action": "accept", "src": ["*"], "dst": ["autogroup:internet:*"]}]}
	results := exit_node_broad.deny with input as {"change": {"before": before, "after": after}}
	count(results) == 1
	some result in results
	result.msg == `acls[0] newly lets "*" use exit nodes (autogroup:internet)`
	result.path == ["change", "after", "acls", 0]
}

test_silent_for_a_small_group if {
	after := {"grants": [{"src": ["group:ops", "group:finance"], "dst": ["autogroup:internet"], "ip": ["*"]}]}
	count(exit_node_broad.deny) == 0 with input as {"change": {"before": before, "after": after}}
}
