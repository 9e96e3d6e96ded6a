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

# A group naming every user is as broad as autogroup:member: the raw policy cannot tell, the
# snapshot's devices can (tailscale.route_approvers).
test_fires_for_a_group_of_every_user if {
	results := auto_approver_broad.deny with input as {
		"policy": {
			"groups": {"group:everyone": ["ana@example.com", "bo@example.com"], "group:net": ["ana@example.com"]},
			"autoApprovers": {"routes": {"10.0.0.0/8": ["group:net"]}, "exitNode": ["group:everyone"]},
		},
		"tailnet": {
			"users": [{"loginName": "ana@example.com"}, {"loginName": "bo@example.com"}],
			"devices": [
				{"name": "a.example.ts.net", "user": "ana@example.com", "addresses": ["100.64.0.1"]},
				{"name": "b.example.ts.net", "user": "bo@example.com", "addresses": ["100.64.0.2"]},
			],
		},
	}
	count(results) == 1
	some result in results
	result.path == ["policy", "autoApprovers", "exitNode", 0]
	result.msg == "autoApprovers.exitNode lets group:everyone turn any device into an approved exit node"
}
