package tailaudit.tailnet.device_key_expiry_disabled_test

import data.tailaudit.tailnet.device_key_expiry_disabled as rule

_input(devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": devices}}

test_user_device_without_expiry_denied if {
	results := rule.deny with input as _input([{"nodeId": "n1", "name": "laptop", "user": "ann@acme.example", "keyExpiryDisabled": true, "tags": []}])
	count(results) == 1
	some r in results
	r.evidence.user == "ann@acme.example"
}

test_null_tags_count_as_untagged if {
	count(rule.deny) == 1 with input as _input([{"nodeId": "n1", "name": "laptop", "keyExpiryDisabled": true, "tags": null}])
}

test_expiry_enabled_silent if {
	count(rule.deny) == 0 with input as _input([{"nodeId": "n1", "name": "laptop", "keyExpiryDisabled": false}])
}

test_tagged_device_left_to_ta_dev_003 if {
	count(rule.deny) == 0 with input as _input([{"nodeId": "n1", "name": "db", "keyExpiryDisabled": true, "tags": ["tag:db"]}])
}
