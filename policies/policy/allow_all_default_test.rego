package tailaudit.policy.allow_all_default_test

import data.tailaudit.policy.allow_all_default

test_fires_without_acls_or_grants if {
	results := allow_all_default.deny with input as {"policy": {"groups": {"group:eng": ["a@example.com"]}}}
	count(results) == 1
	some result in results
	result.path == ["policy"]
	contains(result.msg, "allows all traffic")
	result.evidence.sections == ["groups"]
}

test_fires_on_empty_policy if {
	count(allow_all_default.deny) == 1 with input as {"policy": {}}
}

test_fires_when_acls_is_null if {
	count(allow_all_default.deny) == 1 with input as {"policy": {"acls": null}}
}

test_silent_for_empty_acls_list if {
	count(allow_all_default.deny) == 0 with input as {"policy": {"acls": []}}
}

test_silent_with_grants if {
	count(allow_all_default.deny) == 0 with input as {"policy": {"grants": [{"src": ["group:eng"], "dst": ["tag:web"], "ip": ["443"]}]}}
}

test_silent_without_policy_document if {
	count(allow_all_default.deny) == 0 with input as {"tailnet": {}}
}
