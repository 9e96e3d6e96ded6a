package tailaudit.tailnet.device_client_outdated_test

import data.tailaudit.tailnet.device_client_outdated as rule

_input(devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": devices}}

_device(v, update) := {"nodeId": "n1", "name": "d", "clientVersion": v, "updateAvailable": update}

test_old_version_denied if {
	some r in rule.deny with input as _input([_device("1.76.6-t1234abcd-gdeadbeef", false)])
	r.evidence.minClientVersion == "1.80.0"
}

test_minimum_version_exactly_passes if {
	count(rule.deny) == 0 with input as _input([_device("1.80.0", false)])
}

test_versions_compare_numerically if {
	count(rule.deny) == 0 with input as _input([_device("1.100.0-t0a1b2c3d", false)])
	count(rule.deny) == 1 with input as _input([_device("1.8.9", false)])
	count(rule.deny) == 0 with input as _input([_device("2.0", false)])
	count(rule.deny) == 1 with input as _input([_device("0.99.99", false)])
}

test_update_available_warns_low if {
	some r in rule.warn with input as _input([_device("1.82.5-tabc", true)])
	r.severity == "low"
	count(rule.deny) == 0 with input as _input([_device("1.82.5-tabc", true)])
}

test_old_and_update_available_reported_once if {
	count(rule.deny) == 1 with input as _input([_device("1.60.0", true)])
	count(rule.warn) == 0 with input as _input([_device("1.60.0", true)])
}

test_min_version_param if {
	inp := object.union(_input([_device("1.82.5", false)]), {"params": {"minClientVersion": "1.84.0"}})
	count(rule.deny) == 1 with input as inp
}

test_external_devices_skipped if {
	d := object.union(_device("1.50.0", true), {"isExternal": true})
	count(rule.deny) == 0 with input as _input([d])
	count(rule.warn) == 0 with input as _input([d])
}

test_missing_version_silent if {
	count(rule.deny) == 0 with input as _input([{"nodeId": "n1", "name": "d"}])
}
