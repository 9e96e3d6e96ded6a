package tailaudit.tailnet.device_shared_in_test

import data.tailaudit.tailnet.device_shared_in as rule

_input(devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": devices}}

test_external_device_warns if {
	some r in rule.warn with input as _input([{"nodeId": "n1", "name": "vendor-box", "user": "bob@vendor.example", "isExternal": true}])
	r.evidence.user == "bob@vendor.example"
}

test_own_device_silent if {
	count(rule.warn) == 0 with input as _input([{"nodeId": "n1", "name": "d", "isExternal": false}])
}
