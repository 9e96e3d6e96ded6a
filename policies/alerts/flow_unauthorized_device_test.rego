package tailaudit.alerts.flow_unauthorized_device_test

import data.tailaudit.alerts.flow_unauthorized_device as rule

_flow := {"logged": "2026-11-22T03:20:00Z", "nodeId": "nX", "virtualTraffic": [{"proto": 6, "src": "100.64.0.9:5000", "dst": "100.64.0.2:22"}]}

test_unauthorized_fires if {
	some a in rule.alert with input as {"event": _flow, "tailnet": {"devices": [{"nodeId": "nX", "name": "rogue", "authorized": false}]}}
	contains(a.msg, "rogue")
}

test_authorized_silent if {
	count(rule.alert) == 0 with input as {"event": _flow, "tailnet": {"devices": [{"nodeId": "nX", "name": "ok", "authorized": true}]}}
}
