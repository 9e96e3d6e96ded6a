package tailaudit.tailnet.device_wide_subnet_route_test

import data.tailaudit.tailnet.device_wide_subnet_route as rule

_input(routes) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": [{"nodeId": "n1", "name": "router", "tags": ["tag:router"], "enabledRoutes": routes}]}}

test_slash_8_denied if {
	some r in rule.deny with input as _input(["10.0.0.0/8", "192.168.4.0/24"])
	r.evidence.wideRoutes == ["10.0.0.0/8"]
}

test_slash_16_is_wide if {
	count(rule.deny) == 1 with input as _input(["10.20.0.0/16"])
}

test_slash_17_is_not if {
	count(rule.deny) == 0 with input as _input(["10.20.0.0/17"])
}

test_exit_routes_excluded if {
	count(rule.deny) == 0 with input as _input(["0.0.0.0/0", "::/0"])
}

test_ipv6_threshold if {
	count(rule.deny) == 0 with input as _input(["fd00:1234::/48"])
	count(rule.deny) == 1 with input as _input(["fd00::/16"])
}

test_param_tightens if {
	inp := object.union(_input(["10.20.30.0/20"]), {"params": {"wideRoutePrefix": 20}})
	count(rule.deny) == 1 with input as inp
}

test_advertised_but_not_enabled_silent if {
	inp := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": [{"nodeId": "n1", "name": "r", "advertisedRoutes": ["10.0.0.0/8"]}]}}
	count(rule.deny) == 0 with input as inp
}
