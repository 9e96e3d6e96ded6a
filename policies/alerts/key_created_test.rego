package tailaudit.alerts.key_created_test

import data.tailaudit.alerts.key_created as rule

test_fires if {
	some a in rule.alert with input as {"event": {"eventGroupID": "g1", "origin": "ADMIN_CONSOLE", "type": "CONFIG", "eventTime": "2026-11-20T10:00:00Z", "actor": {"id": "u1", "type": "USER", "loginName": "eve@acme.example", "displayName": "Eve"}, "target": {"id": "T1", "name": "acme.example", "type": "API_KEY"}, "action": "CREATE"}, "window": [], "now": "2026-11-24T12:00:00Z", "params": {}}
	contains(a.msg, "eve@acme.example")
}

test_silent if {
	count(rule.alert) == 0 with input as {"event": {"eventGroupID": "g1", "origin": "ADMIN_CONSOLE", "type": "CONFIG", "eventTime": "2026-11-20T10:00:00Z", "actor": {"id": "u1", "type": "USER", "loginName": "eve@acme.example", "displayName": "Eve"}, "target": {"id": "T1", "name": "acme.example", "type": "API_KEY"}, "action": "REVOKE"}, "window": [], "now": "2026-11-24T12:00:00Z", "params": {}}
}

test_new_not_an_object_still_fires if {
	some a in rule.alert with input as {"event": {"action": "CREATE", "actor": {"loginName": "eve@acme.example"}, "target": {"type": "API_KEY", "name": "k"}, "new": "opaque"}}
	a.evidence.keyType == ""
}
