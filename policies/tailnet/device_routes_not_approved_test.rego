package tailaudit.tailnet.device_routes_not_approved_test

import data.tailaudit.tailnet.device_routes_not_approved as rule

_input(devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": devices}}

test_pending_routes_warn if {
	d := {"nodeId": "n1", "name": "r", "advertisedRoutes": ["10.0.0.0/24", "10.1.0.0/24"], "enabledRoutes": ["10.0.0.0/24"]}
	some r in rule.warn with input as _input([d])
	r.evidence.pendingRoutes == ["10.1.0.0/24"]
}

test_all_routes_approved_silent if {
	d := {"nodeId": "n1", "name": "r", "advertisedRoutes": ["10.0.0.0/24"], "enabledRoutes": ["10.0.0.0/24"]}
	count(rule.warn) == 0 with input as _input([d])
}

test_no_routes_silent if {
	count(rule.warn) == 0 with input as _input([{"nodeId": "n1", "name": "r", "advertisedRoutes": null}])
}

test_enabled_without_advertised_silent if {
	d := {"nodeId": "n1", "name": "r", "advertisedRoutes": [], "enabledRoutes": ["10.0.0.0/24"]}
	count(rule.warn) == 0 with input as _input([d])
}
