package tailaudit.alerts.drift_key_expiry_disabled_test

import data.tailaudit.alerts.drift_key_expiry_disabled as rule

test_disabled_fires if {
	count(rule.alert) == 1 with input as {"change": {
		"before": {"devices": [{"nodeId": "n1", "name": "db-legacy-1.tail4f2a.ts.net", "keyExpiryDisabled": false}]},
		"after": {"devices": [{"nodeId": "n1", "name": "db-legacy-1.tail4f2a.ts.net", "keyExpiryDisabled": true}]},
	}}
}

test_already_disabled_silent if {
	count(rule.alert) == 0 with input as {"change": {
		"before": {"devices": [{"nodeId": "n1", "name": "db-legacy-1", "keyExpiryDisabled": true}]},
		"after": {"devices": [{"nodeId": "n1", "name": "db-legacy-1", "keyExpiryDisabled": true}]},
	}}
}
