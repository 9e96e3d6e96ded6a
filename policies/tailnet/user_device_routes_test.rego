package tailaudit.tailnet.user_device_routes_test

import data.tailaudit.tailnet.user_device_routes as rule

_input(devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": devices}}

test_personal_subnet_router_denied if {
	d := {"nodeId": "n1", "name": "ann-nuc", "user": "ann@acme.example", "enabledRoutes": ["192.168.1.0/24"]}
	some r in rule.deny with input as _input([d])
	r.evidence.exitNode == false
}

test_personal_exit_node_denied if {
	d := {"nodeId": "n1", "name": "ann-mac", "user": "ann@acme.example", "enabledRoutes": ["0.0.0.0/0", "::/0"]}
	some r in rule.deny with input as _input([d])
	r.evidence.exitNode == true
	contains(r.msg, "exit node")
}

test_tagged_router_silent if {
	d := {"nodeId": "n1", "name": "router", "tags": ["tag:router"], "enabledRoutes": ["10.0.0.0/16"]}
	count(rule.deny) == 0 with input as _input([d])
}

test_advertised_only_silent if {
	d := {"nodeId": "n1", "name": "ann-nuc", "user": "ann@acme.example", "advertisedRoutes": ["192.168.1.0/24"], "enabledRoutes": []}
	count(rule.deny) == 0 with input as _input([d])
}
