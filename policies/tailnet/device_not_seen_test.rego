package tailaudit.tailnet.device_not_seen_test

import data.tailaudit.tailnet.device_not_seen as rule

_input(devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": devices}}

_device(last_seen) := {"nodeId": "n1", "name": "old", "lastSeen": last_seen, "connectedToControl": false}

test_seen_today_silent if {
	count(rule.deny) == 0 with input as _input([_device("2026-11-24T08:00:00Z")])
	count(rule.warn) == 0 with input as _input([_device("2026-11-24T08:00:00Z")])
}

test_29_days_silent if {
	count(rule.warn) == 0 with input as _input([_device("2026-10-26T12:00:01Z")])
}

test_exactly_30_days_warns_low if {
	some r in rule.warn with input as _input([_device("2026-10-25T12:00:00Z")])
	r.severity == "low"
	r.evidence.daysSinceSeen == 30
	count(rule.deny) == 0 with input as _input([_device("2026-10-25T12:00:00Z")])
}

test_89_days_still_a_warning if {
	count(rule.warn) == 1 with input as _input([_device("2026-08-27T12:00:00Z")])
	count(rule.deny) == 0 with input as _input([_device("2026-08-27T12:00:00Z")])
}

test_90_days_denied if {
	some r in rule.deny with input as _input([_device("2026-08-26T12:00:00Z")])
	r.evidence.daysSinceSeen == 90
	count(rule.warn) == 0 with input as _input([_device("2026-08-26T12:00:00Z")])
}

test_params_override_defaults if {
	inp := object.union(_input([_device("2026-11-10T12:00:00Z")]), {"params": {"staleDays": 14}})
	count(rule.deny) == 1 with input as inp
}

test_partial_params_keep_other_defaults if {
	inp := object.union(_input([_device("2026-10-01T12:00:00Z")]), {"params": {"staleDays": 300}})
	count(rule.warn) == 1 with input as inp
}

test_connected_device_silent if {
	d := object.union(_device("2026-01-01T00:00:00Z"), {"connectedToControl": true})
	count(rule.deny) == 0 with input as _input([d])
}

test_zero_time_ignored if {
	count(rule.deny) == 0 with input as _input([_device("0001-01-01T00:00:00Z")])
}

test_one_second_short_of_90_days_is_89 if {
	some r in rule.warn with input as _input([_device("2026-08-26T12:00:01Z")])
	r.evidence.daysSinceSeen == 89
	count(rule.deny) == 0 with input as _input([_device("2026-08-26T12:00:01Z")])
}

test_seen_after_the_clock_silent if {
	count(rule.deny) == 0 with input as _input([_device("2026-11-25T12:00:00Z")])
	count(rule.warn) == 0 with input as _input([_device("2026-11-25T12:00:00Z")])
}
