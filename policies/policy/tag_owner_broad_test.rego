package tailaudit.policy.tag_owner_broad_test

import data.tailaudit.policy.tag_owner_broad

test_fires_for_member_owner if {
	results := tag_owner_broad.deny with input as {"policy": {"tagOwners": {
		"tag:prod": ["group:ops"],
		"tag:dev": ["group:eng", "autogroup:member"],
	}}}
	count(results) == 1
	some result in results
	result.path == ["policy", "tagOwners", "tag:dev", 1]
	result.msg == "tagOwners lets autogroup:member apply tag:dev to any device"
}

test_silent_for_admin_owners if {
	results := tag_owner_broad.deny with input as {"policy": {"tagOwners": {
		"tag:prod": ["group:ops", "autogroup:admin"],
		"tag:web": ["tag:prod"],
		"tag:empty": [],
	}}}
	count(results) == 0
}
