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
