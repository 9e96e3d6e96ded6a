package tailaudit.alerts.node_tags_changed_test

import data.tailaudit.alerts.node_tags_changed as rule

test_fires if {
	some a in rule.alert with input as {"event": {"eventGroupID": "g1", "origin": "ADMIN_CONSOLE", "type": "CONFIG", "eventTime": "2026-11-20T10:00:00Z", "actor": {"id": "u1", "type": "USER", "loginName": "eve@acme.example", "displayName": "Eve"}, "target": {"id": "T1", "name": "acme.example", "type": "NODE", "property": "ACL_TAGS"}, "action": "UPDATE", "old": ["tag:staging"], "new": ["tag:prod"]}, "window": [], "now": "2026-11-24T12:00:00Z", "params": {}}
	a.severity == "high"
}

test_silent if {
	count(rule.alert) == 0 with input as {"event": {"eventGroupID": "g1", "origin": "ADMIN_CONSOLE", "type": "CONFIG", "eventTime": "2026-11-20T10:00:00Z", "actor": {"id": "u1", "type": "USER", "loginName": "eve@acme.example", "displayName": "Eve"}, "target": {"id": "T1", "name": "acme.example", "type": "NODE", "property": "ACL_TAGS"}, "action": "CREATE"}, "window": [], "now": "2026-11-24T12:00:00Z", "params": {}}
}

test_tags_not_a_list_medium if {
	some a in rule.alert with input as {"event": {"action": "UPDATE", "actor": {"loginName": "eve@acme.example"}, "target": {"type": "NODE", "name": "n", "property": "ACL_TAGS"}, "old": "tag:a", "new": "tag:prod"}}
	a.severity == "medium"
}
