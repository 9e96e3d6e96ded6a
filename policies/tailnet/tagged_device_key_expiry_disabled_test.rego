package tailaudit.tailnet.tagged_device_key_expiry_disabled_test

import data.tailaudit.tailnet.tagged_device_key_expiry_disabled as rule

_input(devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": devices}}

test_tagged_device_without_expiry_warns if {
	some r in rule.warn with input as _input([{"nodeId": "n1", "name": "db-1", "keyExpiryDisabled": true, "tags": ["tag:db"]}])
	r.evidence.tags == ["tag:db"]
}

test_tagged_device_with_expiry_silent if {
	count(rule.warn) == 0 with input as _input([{"nodeId": "n1", "name": "db-1", "keyExpiryDisabled": false, "tags": ["tag:db"]}])
}

test_untagged_device_silent if {
	count(rule.warn) == 0 with input as _input([{"nodeId": "n1", "name": "laptop", "keyExpiryDisabled": true}])
}
