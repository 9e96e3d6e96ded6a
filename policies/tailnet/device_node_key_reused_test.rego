package tailaudit.tailnet.device_node_key_reused_test

import data.tailaudit.tailnet.device_node_key_reused as rule

_input(devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": devices}}

test_multiple_connections_denied if {
	count(rule.deny) == 1 with input as _input([{"nodeId": "n1", "name": "x", "multipleConnections": true}])
}

test_single_connection_silent if {
	count(rule.deny) == 0 with input as _input([{"nodeId": "n1", "name": "x", "multipleConnections": false}])
}
