package tailaudit.alerts.drift_new_auth_key_test

import data.tailaudit.alerts.drift_new_auth_key as rule

_key := {"id": "kP1", "keyType": "auth", "description": "ci", "created": "2026-11-20T09:00:00Z", "expires": "2026-12-20T09:00:00Z", "capabilities": {"devices": {"create": {"reusable": true, "ephemeral": true, "preauthorized": true, "tags": ["tag:ci"]}}}}

test_new_key_fires if {
	some a in rule.alert with input as {"change": {"before": {"keys": []}, "after": {"keys": [_key]}}}
	a.evidence.reusable == true
	a.evidence.tags == ["tag:ci"]
}

test_known_key_and_api_key_silent if {
	count(rule.alert) == 0 with input as {"change": {"before": {"keys": [_key]}, "after": {"keys": [_key, {"id": "kA1", "keyType": "api", "description": "terraform"}]}}}
}
