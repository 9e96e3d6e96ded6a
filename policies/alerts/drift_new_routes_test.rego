package tailaudit.alerts.drift_new_routes_test

import data.tailaudit.alerts.drift_new_routes as rule

test_new_subnet_route_fires if {
	some a in rule.alert with input as {"change": {
		"before": {"devices": [{"nodeId": "n1", "name": "router-aws-1", "enabledRoutes": ["172.31.0.0/20"]}]},
		"after": {"devices": [{"nodeId": "n1", "name": "router-aws-1", "enabledRoutes": ["172.31.0.0/20", "172.31.16.0/20"]}]},
	}}
	a.evidence.added == ["172.31.16.0/20"]
}

test_new_exit_node_fires_once if {
	alerts := rule.alert with input as {"change": {
		"before": {"devices": [{"nodeId": "n2", "name": "exit-fra-1", "enabledRoutes": []}]},
		"after": {"devices": [{"nodeId": "n2", "name": "exit-fra-1", "enabledRoutes": ["0.0.0.0/0", "::/0"]}]},
	}}
	count(alerts) == 1
	some a in alerts
	a.msg == "exit-fra-1 is now an approved exit node"
}

test_new_device_with_routes_fires if {
	count(rule.alert) == 1 with input as {"change": {"before": {"devices": []}, "after": {"devices": [{"nodeId": "n3", "name": "router-dc2", "enabledRoutes": ["10.8.0.0/16"]}]}}}
}

test_unchanged_silent if {
	count(rule.alert) == 0 with input as {"change": {
		"before": {"devices": [{"nodeId": "n1", "name": "router-aws-1", "enabledRoutes": ["172.31.0.0/20"]}, {"nodeId": "n2", "name": "exit-fra-1", "enabledRoutes": ["0.0.0.0/0", "::/0"]}]},
		"after": {"devices": [{"nodeId": "n1", "name": "router-aws-1", "enabledRoutes": ["172.31.0.0/20"], "advertisedRoutes": ["172.31.0.0/20", "10.9.0.0/16"]}, {"nodeId": "n2", "name": "exit-fra-1", "enabledRoutes": ["0.0.0.0/0", "::/0"]}]},
	}}
}
