package tailaudit.tailnet.device_key_duration_long_test

import data.tailaudit.tailnet.device_key_duration_long as rule

_input(settings) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"settings": settings}}

test_long_duration_denied if {
	some r in rule.deny with input as _input({"devicesKeyDurationDays": 365})
	r.evidence.maxDeviceKeyDays == 180
}

test_limit_itself_allowed if {
	count(rule.deny) == 0 with input as _input({"devicesKeyDurationDays": 180})
	count(rule.deny) == 1 with input as _input({"devicesKeyDurationDays": 181})
}

test_param if {
	inp := object.union(_input({"devicesKeyDurationDays": 90}), {"params": {"maxDeviceKeyDays": 30}})
	count(rule.deny) == 1 with input as inp
}
