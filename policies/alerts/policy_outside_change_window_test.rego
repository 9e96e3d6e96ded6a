package tailaudit.alerts.policy_outside_change_window_test

import data.tailaudit.alerts.policy_outside_change_window as rule

_event(at) := {"eventTime": at, "origin": "ADMIN_CONSOLE", "action": "UPDATE", "actor": {"loginName": "tom@acme.example", "type": "USER"}, "target": {"type": "TAILNET", "name": "acme.example", "property": "ACL"}}

test_saturday_night_fires if {
	# 2026-11-21 is a Saturday
	some a in rule.alert with input as {"event": _event("2026-11-22T02:47:13Z"), "params": {}}
	contains(a.msg, "outside every change window")
}

test_tuesday_morning_silent if {
	count(rule.alert) == 0 with input as {"event": _event("2026-11-17T10:12:44Z"), "params": {}}
}

test_custom_weekend_window_silent if {
	count(rule.alert) == 0 with input as {"event": _event("2026-11-22T02:47:13Z"), "params": {"changeWindows": ["sat,sun 00:00-23:59"]}}
}

test_bad_window_allows_nothing if {
	count(rule.alert) == 1 with input as {"event": _event("2026-11-17T10:12:44Z"), "params": {"changeWindows": ["weekdays 9-5"]}}
}

test_window_start_minute_silent if {
	# 2026-11-16 is a Monday
	count(rule.alert) == 0 with input as {"event": _event("2026-11-16T08:00:00Z"), "params": {}}
}

test_window_end_minute_fires if {
	count(rule.alert) == 1 with input as {"event": _event("2026-11-20T18:00:00Z"), "params": {}}
}

test_last_second_before_end_silent if {
	count(rule.alert) == 0 with input as {"event": _event("2026-11-20T17:59:59Z"), "params": {}}
}

test_offset_read_in_utc_fires if {
	# 09:30 at +02:00 is 07:30 UTC, before the window opens
	count(rule.alert) == 1 with input as {"event": _event("2026-11-17T09:30:00+02:00"), "params": {}}
}

test_offset_inside_in_utc_silent if {
	# Sunday 23:30 at -09:00 is Monday 08:30 UTC
	count(rule.alert) == 0 with input as {"event": _event("2026-11-22T23:30:00-09:00"), "params": {}}
}

test_second_window_allows_silent if {
	count(rule.alert) == 0 with input as {"event": _event("2026-11-17T10:12:44Z"), "params": {"changeWindows": ["sat,sun 00:00-23:59", "MON-FRI 09:00-11:00"]}}
}
