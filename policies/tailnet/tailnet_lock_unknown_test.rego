package tailaudit.tailnet.tailnet_lock_unknown_test

import data.tailaudit.tailnet.tailnet_lock_unknown as rule

_input(devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": devices}}

# Every real device reports a lock key, Tailnet Lock on or off.
_devices := [
	{"nodeId": "n1", "name": "x", "tailnetLockKey": "nlpub:0a1b", "tailnetLockError": ""},
	{"nodeId": "n2", "name": "y", "tailnetLockKey": "nlpub:2c3d"},
]

test_lock_keys_alone_need_attestation if {
	count(rule.manual) == 1 with input as _input(_devices)
	count(rule.deny) == 0 with input as _input(_devices)
}

test_attested_off_fails if {
	inp := object.union(_input(_devices), {"params": {"tailnetLock": "disabled"}})
	results := rule.deny with input as inp
	count(results) == 1
	some r in results
	r.path == ["params", "tailnetLock"]
	count(rule.manual) == 0 with input as inp
}

test_attested_on_silent if {
	inp := object.union(_input(_devices), {"params": {"tailnetLock": "enabled"}})
	count(rule.deny) == 0 with input as inp
	count(rule.manual) == 0 with input as inp
}

test_lock_error_shows_it_on if {
	devices := array.concat(_devices, [{"nodeId": "n3", "name": "z", "tailnetLockKey": "nlpub:4e5f", "tailnetLockError": "node key not signed"}])
	count(rule.manual) == 0 with input as _input(devices)
	count(rule.deny) == 0 with input as object.union(_input(devices), {"params": {"tailnetLock": "disabled"}})
}

test_no_devices_silent if {
	count(rule.manual) == 0 with input as _input([])
}
