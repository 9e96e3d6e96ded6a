package tailaudit.alerts.drift_removed_device_test

import data.tailaudit.alerts.drift_removed_device as rule

test_removed_fires if {
	count(rule.alert) == 1 with input as {"change": {"before": {"devices": [{"nodeId": "a", "name": "a"}, {"nodeId": "b", "name": "b"}]}, "after": {"devices": [{"nodeId": "a", "name": "a"}]}}}
}

test_same_silent if {
	count(rule.alert) == 0 with input as {"change": {"before": {"devices": [{"nodeId": "a", "name": "a"}]}, "after": {"devices": [{"nodeId": "a", "name": "a"}]}}}
}
