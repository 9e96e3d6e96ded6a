package tailaudit.policy.tag_undefined_test

import data.tailaudit.policy.tag_undefined

test_fires_for_unowned_tags if {
	results := tag_undefined.deny with input as {"policy": {
		"tagOwners": {"tag:prod": ["group:ops"]},
		"acls": [{"action": "accept", "src": ["group:ops"], "dst": ["tag:prod:22", "tag:monitor:9100"]}],
		"nodeAttrs": [{"target": ["tag:edge"], "attr": ["funnel"]}],
		"autoApprovers": {"routes": {"10.0.0.0/24": ["tag:router"]}},
	}}
	count(results) == 3
	paths := {result.path | some result in results}
	paths == {
		["policy", "acls", 0, "dst", 1],
		["policy", "nodeAttrs", 0, "target", 0],
		["policy", "autoApprovers", "routes", "10.0.0.0/24", 0],
	}
	some result in results
	result.msg == "acls[0].dst[1] uses tag:monitor, which has no tagOwners entry"
}

test_fires_without_tag_owners if {
	results := tag_undefined.deny with input as {"policy": {"grants": [{"src": ["group:ops"], "dst": ["tag:prod"], "ip": ["22"]}]}}
	count(results) == 1
}

test_silent_when_all_owned if {
	results := tag_undefined.deny with input as {"policy": {
		"tagOwners": {"tag:prod": ["group:ops"], "tag:ci": ["tag:prod"]},
		"acls": [{"action": "accept", "src": ["tag:ci"], "dst": ["tag:prod:443"]}],
		"ssh": [{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"]}],
		"tests": [{"src": "tag:ci", "accept": ["tag:prod:443"], "deny": ["tag:prod:22"]}],
	}}
	count(results) == 0
}

test_undefined_recorder_tag_is_caught if {
	results := tag_undefined.deny with input as {"policy": {
		"tagOwners": {"tag:prod": []},
		"ssh": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:prod"], "users": ["root"], "recorder": ["tag:nowhere"]}],
	}}
	count(results) == 1
	some r in results
	r.path == ["policy", "ssh", 0, "recorder", 0]
}

# Tailscale trims the space around a selector, so " tag:ghost " names tag:ghost, which has no owner.
test_padded_undefined_tag_is_caught if {
	results := tag_undefined.deny with input as {"policy": {
		"tagOwners": {"tag:web": []},
		"nodeAttrs": [{"target": [" tag:ghost "], "attr": ["funnel"]}],
		"autoApprovers": {"exitNode": ["tag:web"]},
	}}
	count(results) == 1
	some result in results
	result.path == ["policy", "nodeAttrs", 0, "target", 0]
	result.evidence == {"tag": "tag:ghost"}
}
