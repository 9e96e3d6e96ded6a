package tailaudit.alerts.drift_device_unauthorized_test

import data.tailaudit.alerts.drift_device_unauthorized as rule

test_deauthorized_fires if {
	some a in rule.alert with input as {"change": {
		"before": {"devices": [{"nodeId": "n1", "name": "kofi-galaxy", "authorized": true}]},
		"after": {"devices": [{"nodeId": "n1", "name": "kofi-galaxy", "authorized": false}]},
	}}
	a.evidence.before == "it was authorized"
}

test_new_unauthorized_fires if {
	some a in rule.alert with input as {"change": {"before": {"devices": []}, "after": {"devices": [{"nodeId": "n2", "name": "unknown-pc", "authorized": false}]}}}
	a.evidence.before == "a new device"
}

test_still_unauthorized_or_authorized_silent if {
	count(rule.alert) == 0 with input as {"change": {
		"before": {"devices": [{"nodeId": "n1", "name": "a", "authorized": false}, {"nodeId": "n2", "name": "b", "authorized": true}]},
		"after": {"devices": [{"nodeId": "n1", "name": "a", "authorized": false}, {"nodeId": "n2", "name": "b", "authorized": true}]},
	}}
}
