package tailaudit.alerts.flow_unknown_node_test

import data.tailaudit.alerts.flow_unknown_node as rule

test_unknown_fires if {
	count(rule.alert) == 1 with input as {"event": {"nodeId": "nZ", "logged": "2026-11-22T03:20:00Z"}, "tailnet": {"devices": [{"nodeId": "nA"}]}}
}

test_known_silent if {
	count(rule.alert) == 0 with input as {"event": {"nodeId": "nA", "logged": "2026-11-22T03:20:00Z"}, "tailnet": {"devices": [{"nodeId": "nA"}]}}
}

test_no_snapshot_silent if {
	count(rule.alert) == 0 with input as {"event": {"nodeId": "nZ", "logged": "2026-11-22T03:20:00Z"}}
}
