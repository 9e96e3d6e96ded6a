package tailaudit.tailnet.device_awaiting_approval_test

import data.tailaudit.tailnet.device_awaiting_approval as rule

_input(devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": devices}}

test_pending_device_warns if {
	results := rule.warn with input as _input([{"nodeId": "nA", "id": "1", "name": "a.example.ts.net", "authorized": false}])
	count(results) == 1
	some r in results
	r.resource == {"type": "device", "id": "nA", "name": "a.example.ts.net"}
	r.path == ["tailnet", "devices", 0]
}

test_authorized_device_silent if {
	count(rule.warn) == 0 with input as _input([{"nodeId": "nA", "name": "a", "authorized": true}])
}

test_missing_field_silent if {
	count(rule.warn) == 0 with input as _input([{"nodeId": "nA", "name": "a"}])
}

test_id_fallback_when_no_node_id if {
	some r in rule.warn with input as _input([{"id": "12345", "hostname": "h", "authorized": false}])
	r.resource == {"type": "device", "id": "12345", "name": "h"}
}
