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

# "*" as a destination includes the internet: Tailscale sends every node the exit routes of every
# exit node under "*" to "*:*". The old reading of the raw policy, which looked for
# autogroup:internet only, was silent here.
test_fires_for_wildcard_destination if {
	results := exit_node_open.deny with input as {"policy": {
		"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}],
		"grants": [{"src": ["group:travel"], "dst": ["*"], "ip": ["*"]}],
		"groups": {"group:travel": []},
	}}
	count(results) == 1
	some result in results
	result.path == ["policy", "acls", 0, "dst", 0]
	result.msg == `acls[0] lets "*" use any exit node to reach the internet`
	result.evidence == {"src": ["*"], "dst": "*:*"}
}

test_fires_for_sources_naming_every_user if {
	results := exit_node_open.deny with input as {
		"policy": {
			"groups": {"group:everyone": ["ana@example.com", "bo@example.com"]},
			"grants": [{"src": ["group:everyone"], "dst": ["autogroup:internet"], "ip": ["*"]}],
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
	result.msg == "grants[0] lets group:everyone use any exit node to reach the internet"
	result.evidence == {"src": ["group:everyone"], "dst": "autogroup:internet", "ip": ["*"]}
}
