package tailaudit.alerts.flow_expired_key_active_test

import data.tailaudit.alerts.flow_expired_key_active as rule

_flow := {"logged": "2026-11-22T03:20:00Z", "nodeId": "nX", "virtualTraffic": [{"proto": 6, "src": "100.64.0.9:5000", "dst": "100.64.0.2:22"}]}

_device(expires, disabled) := {"nodeId": "nX", "name": "old-laptop", "expires": expires, "keyExpiryDisabled": disabled}

test_expired_fires if {
	some a in rule.alert with input as {"event": _flow, "tailnet": {"devices": [_device("2026-11-01T00:00:00Z", false)]}}
	contains(a.msg, "old-laptop")
}

test_valid_or_disabled_silent if {
	count(rule.alert) == 0 with input as {"event": _flow, "tailnet": {"devices": [_device("2027-01-01T00:00:00Z", false)]}}
	count(rule.alert) == 0 with input as {"event": _flow, "tailnet": {"devices": [_device("2026-11-01T00:00:00Z", true)]}}
}
