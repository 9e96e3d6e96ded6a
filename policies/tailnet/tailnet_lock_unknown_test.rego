package tailaudit.tailnet.tailnet_lock_unknown_test

import data.tailaudit.tailnet.tailnet_lock_unknown as rule

_input(devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": devices}}

test_no_lock_keys_needs_attestation if {
	count(rule.manual) == 1 with input as _input([{"nodeId": "n1", "name": "x"}, {"nodeId": "n2", "name": "y", "tailnetLockKey": ""}])
}

test_lock_key_reported_silent if {
	count(rule.manual) == 0 with input as _input([{"nodeId": "n1", "name": "x"}, {"nodeId": "n2", "name": "y", "tailnetLockKey": "tlpub:0a1b"}])
}

test_no_devices_silent if {
	count(rule.manual) == 0 with input as _input([])
}
