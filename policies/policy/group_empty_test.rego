package tailaudit.policy.group_empty_test

import data.tailaudit.policy.group_empty

test_fires_for_empty_group if {
	results := group_empty.deny with input as {"policy": {"groups": {"group:ops": ["a@example.com"], "group:old": []}}}
	count(results) == 1
	some result in results
	result.path == ["policy", "groups", "group:old"]
	result.msg == "group:old has no members"
}

test_silent_for_populated_groups if {
	count(group_empty.deny) == 0 with input as {"policy": {"groups": {"group:ops": ["a@example.com"]}}}
}
