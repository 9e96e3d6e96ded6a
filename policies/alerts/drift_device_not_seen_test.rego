package tailaudit.alerts.drift_device_not_seen_test

import data.tailaudit.alerts.drift_device_not_seen as rule

_dev := {"nodeId": "a", "name": "old-mac", "lastSeen": "2026-10-20T00:00:00Z"}

test_crossing_fires if {
	count(rule.alert) == 1 with input as {"params": {}, "change": {"before": {"collectedAt": "2026-11-17T00:00:00Z", "devices": [_dev]}, "after": {"collectedAt": "2026-11-24T00:00:00Z", "devices": [_dev]}}}
}

test_already_stale_silent if {
	count(rule.alert) == 0 with input as {"params": {}, "change": {"before": {"collectedAt": "2026-11-23T00:00:00Z", "devices": [_dev]}, "after": {"collectedAt": "2026-11-24T00:00:00Z", "devices": [_dev]}}}
}
