package tailaudit.alerts.first_console_login_test

import data.tailaudit.alerts.first_console_login as rule

_event := {"eventGroupID": "g1", "origin": "ADMIN_CONSOLE", "type": "CONFIG", "eventTime": "2026-11-20T10:00:00Z", "actor": {"id": "u9", "type": "USER", "loginName": "new.admin@acme.example", "displayName": "New Admin"}, "target": {"id": "T1", "name": "acme.example", "type": "TAILNET", "property": "DNS_CONFIG"}, "action": "UPDATE"}

test_fires if {
	some a in rule.alert with input as {"event": _event, "first": {"actor": true}, "window": [], "now": "2026-11-24T12:00:00Z", "params": {}}
	contains(a.msg, "new.admin@acme.example")
	a.dedup == "new.admin@acme.example"
}

test_silent_when_seen_before if {
	count(rule.alert) == 0 with input as {"event": _event, "first": {"actor": false}, "window": [], "now": "2026-11-24T12:00:00Z", "params": {}}
}

test_silent_without_state if {
	count(rule.alert) == 0 with input as {"event": _event, "window": [], "now": "2026-11-24T12:00:00Z", "params": {}}
}

test_silent_for_a_device_login if {
	count(rule.alert) == 0 with input as {"event": object.union(_event, {"origin": "NODE", "action": "LOGIN", "target": {"id": "n1", "type": "NODE"}}), "first": {"actor": true}, "window": [], "now": "2026-11-24T12:00:00Z", "params": {}}
}
