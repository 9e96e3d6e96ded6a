package tailaudit.alerts.admin_role_granted_test

import data.tailaudit.alerts.admin_role_granted as rule

test_fires if {
	some a in rule.alert with input as {"event": {"eventGroupID": "g1", "origin": "ADMIN_CONSOLE", "type": "CONFIG", "eventTime": "2026-11-20T10:00:00Z", "actor": {"id": "u1", "type": "USER", "loginName": "eve@acme.example", "displayName": "Eve"}, "target": {"id": "T1", "name": "zoe@acme.example", "type": "USER", "property": "USER_ROLE"}, "action": "UPDATE", "old": "member", "new": "admin"}, "window": [], "now": "2026-11-24T12:00:00Z", "params": {}}
	a.msg == "eve@acme.example gave zoe@acme.example the role admin"
}

test_silent if {
	count(rule.alert) == 0 with input as {"event": {"eventGroupID": "g1", "origin": "ADMIN_CONSOLE", "type": "CONFIG", "eventTime": "2026-11-20T10:00:00Z", "actor": {"id": "u1", "type": "USER", "loginName": "eve@acme.example", "displayName": "Eve"}, "target": {"id": "T1", "name": "acme.example", "type": "USER", "property": "USER_ROLE"}, "action": "UPDATE", "old": "member", "new": "auditor"}, "window": [], "now": "2026-11-24T12:00:00Z", "params": {}}
}
