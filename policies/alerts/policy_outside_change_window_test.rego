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
