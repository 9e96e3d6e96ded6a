package tailaudit.alerts.node_key_expiry_extended_test

import data.tailaudit.alerts.node_key_expiry_extended as rule

test_fires if {
	some a in rule.alert with input as {"event": {"eventGroupID": "g1", "origin": "ADMIN_CONSOLE", "type": "CONFIG", "eventTime": "2026-11-20T10:00:00Z", "actor": {"id": "u1", "type": "USER", "loginName": "eve@acme.example", "displayName": "Eve"}, "target": {"id": "T1", "name": "acme.example", "type": "NODE", "property": "KEY_EXPIRY_TIME"}, "action": "UPDATE", "old": "2026-12-01T00:00:00Z", "new": "2027-06-01T00:00:00Z"}, "window": [], "now": "2026-11-24T12:00:00Z", "params": {}}
	contains(a.msg, "eve@acme.example")
}

test_silent if {
	count(rule.alert) == 0 with input as {"event": {"eventGroupID": "g1", "origin": "ADMIN_CONSOLE", "type": "CONFIG", "eventTime": "2026-11-20T10:00:00Z", "actor": {"id": "u1", "type": "USER", "loginName": "eve@acme.example", "displayName": "Eve"}, "target": {"id": "T1", "name": "acme.example", "type": "NODE", "property": "KEY_EXPIRY_TIME"}, "action": "UPDATE", "old": "2027-06-01T00:00:00Z", "new": "2026-12-01T00:00:00Z"}, "window": [], "now": "2026-11-24T12:00:00Z", "params": {}}
}
