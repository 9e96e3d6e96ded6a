package tailaudit.change.tag_owner_widened_test

import data.tailaudit.change.tag_owner_widened

before := {"tagOwners": {"tag:prod": ["group:ops"]}}

test_fires_for_a_new_owner if {
	after := {"tagOwners": {"tag:prod": ["group:ops", "autogroup:member"], "tag:new": ["group:eng"]}}
	results := tag_owner_widened.deny with input as {"change": {"before": before, "after": after}}
	count(results) == 1
	some result in results
	result.msg == "autogroup:member may now apply tag:prod"
	result.path == ["change", "after", "tagOwners", "tag:prod", 1]
	result.severity == "high"
}

test_silent_for_same_or_fewer_owners if {
	after := {"tagOwners": {"tag:prod": []}}
	count(tag_owner_widened.deny) == 0 with input as {"change": {"before": before, "after": after}}
	count(tag_owner_widened.deny) == 0 with input as {"change": {"before": before, "after": before}}
}
