package tailaudit.policy.auto_approver_broad_test

import data.tailaudit.policy.auto_approver_broad

test_fires_for_routes_and_exit_nodes if {
	results := auto_approver_broad.deny with input as {"policy": {"autoApprovers": {
		"routes": {"10.0.0.0/16": ["tag:router"], "192.168.0.0/24": ["group:net", "autogroup:member"]},
		"exitNode": ["*"],
	}}}
	count(results) == 2
	paths := {result.path | some result in results}
	paths == {["policy", "autoApprovers", "routes", "192.168.0.0/24", 1], ["policy", "autoApprovers", "exitNode", 0]}
	some result in results
	result.msg == "autoApprovers.routes approves 192.168.0.0/24 for autogroup:member without review"
}

test_silent_for_tags if {
	results := auto_approver_broad.deny with input as {"policy": {"autoApprovers": {
		"routes": {"10.0.0.0/16": ["tag:router"]},
		"exitNode": ["tag:exit"],
		"services": {"svc:web": ["tag:web"]},
	}}}
	count(results) == 0
}
