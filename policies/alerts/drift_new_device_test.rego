package tailaudit.alerts.drift_new_device_test

import data.tailaudit.alerts.drift_new_device as rule

test_new_device_fires if {
	count(rule.alert) == 1 with input as {"change": {"before": {"devices": [{"nodeId": "a", "name": "a"}]}, "after": {"devices": [{"nodeId": "a", "name": "a"}, {"nodeId": "b", "name": "b"}]}}}
}

test_same_devices_silent if {
	count(rule.alert) == 0 with input as {"change": {"before": {"devices": [{"nodeId": "a", "name": "a"}]}, "after": {"devices": [{"nodeId": "a", "name": "a"}]}}}
}
