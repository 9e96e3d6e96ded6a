package tailaudit.policy.funnel_broad_test

import data.tailaudit.policy.funnel_broad

test_fires_for_members if {
	results := funnel_broad.deny with input as {"policy": {"nodeAttrs": [
		{"target": ["tag:web"], "attr": ["funnel"]},
		{"target": ["group:eng", "autogroup:member"], "attr": ["funnel", "drive:share"]},
	]}}
	count(results) == 1
	some result in results
	result.path == ["policy", "nodeAttrs", 1, "target", 1]
	result.msg == "nodeAttrs[1] lets autogroup:member expose services to the public internet with Funnel"
}

test_silent_for_tags_and_other_attrs if {
	results := funnel_broad.deny with input as {"policy": {"nodeAttrs": [
		{"target": ["tag:web"], "attr": ["funnel"]},
		{"target": ["*"], "attr": ["nextdns:abc123"]},
		{"target": ["autogroup:member"], "app": {"tailscale.com/app-connectors": []}},
	]}}
	count(results) == 0
}

# The old reading of the raw policy missed this: Tailscale trims the space around a target, so
# " * " is "*".
test_fires_for_a_padded_target if {
	results := funnel_broad.deny with input as {"policy": {"nodeAttrs": [
		{"target": [" * "], "attr": ["funnel"]},
	]}}
	count(results) == 1
	some result in results
	result.path == ["policy", "nodeAttrs", 0, "target", 0]
	result.msg == "nodeAttrs[0] lets \"*\" expose services to the public internet with Funnel"
	result.evidence == {"target": [" * "], "attr": ["funnel"]}
}

# With a snapshot, a group that holds every user reaches every user's device: as broad as
# autogroup:member, though no broad selector is written.
test_fires_for_a_target_naming_every_member if {
	results := funnel_broad.deny with input as {
		"policy": {
			"groups": {"group:all": ["ana@example.com", "bo@example.com"]},
			"nodeAttrs": [{"target": ["group:all"], "attr": ["funnel"]}],
		},
		"tailnet": {
			"users": [{"loginName": "ana@example.com"}, {"loginName": "bo@example.com"}],
			"devices": [
				{"name": "a.example.ts.net", "user": "ana@example.com", "addresses": ["100.64.0.1"]},
				{"name": "b.example.ts.net", "user": "bo@example.com", "addresses": ["100.64.0.2"]},
				{"name": "web.example.ts.net", "tags": ["tag:web"], "addresses": ["100.64.0.3"]},
			],
		},
	}
	count(results) == 1
	some result in results
	result.path == ["policy", "nodeAttrs", 0, "target", 0]
	result.evidence == {"target": ["group:all"], "attr": ["funnel"]}
}

test_silent_for_a_group_of_some_members if {
	results := funnel_broad.deny with input as {
		"policy": {
			"groups": {"group:web": ["ana@example.com"]},
			"nodeAttrs": [{"target": ["group:web"], "attr": ["funnel"]}],
		},
		"tailnet": {
			"users": [{"loginName": "ana@example.com"}, {"loginName": "bo@example.com"}],
			"devices": [
				{"name": "a.example.ts.net", "user": "ana@example.com", "addresses": ["100.64.0.1"]},
				{"name": "b.example.ts.net", "user": "bo@example.com", "addresses": ["100.64.0.2"]},
			],
		},
	}
	count(results) == 0
}
