package tailaudit.tailnet.device_tailnet_lock_error_test

import data.tailaudit.tailnet.device_tailnet_lock_error as rule

_input(devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": devices}}

test_lock_error_denied if {
	d := {"nodeId": "n1", "name": "x", "tailnetLockError": "node key not signed", "tailnetLockKey": "tlpub:abc"}
	some r in rule.deny with input as _input([d])
	r.evidence.tailnetLockError == "node key not signed"
}

test_no_error_silent if {
	count(rule.deny) == 0 with input as _input([{"nodeId": "n1", "name": "x", "tailnetLockError": ""}])
	count(rule.deny) == 0 with input as _input([{"nodeId": "n1", "name": "x"}])
}
