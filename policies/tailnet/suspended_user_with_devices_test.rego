package tailaudit.tailnet.suspended_user_with_devices_test

import data.tailaudit.tailnet.suspended_user_with_devices as rule

_input(users, devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"users": users, "devices": devices}}

_suspended(n) := {"id": "u1", "loginName": "gone@acme.example", "status": "suspended", "deviceCount": n}

test_device_count_denied if {
	some r in rule.deny with input as _input([_suspended(2)], [])
	r.evidence.deviceCount == 2
}

test_devices_found_by_user if {
	devices := [{"nodeId": "n1", "name": "gone-laptop", "user": "gone@acme.example"}]
	some r in rule.deny with input as _input([_suspended(0)], devices)
	r.evidence.devices == ["gone-laptop"]
}

test_no_devices_silent if {
	count(rule.deny) == 0 with input as _input([_suspended(0)], [{"nodeId": "n1", "name": "x", "user": "other@acme.example"}])
}

test_active_user_with_devices_silent if {
	u := object.union(_suspended(3), {"status": "active"})
	count(rule.deny) == 0 with input as _input([u], [])
}
