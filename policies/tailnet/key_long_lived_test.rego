package tailaudit.tailnet.key_long_lived_test

import data.tailaudit.tailnet.key_long_lived as rule

_input(keys) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"keys": keys}}

_key(type, created, expires) := {"id": "k1", "keyType": type, "created": created, "expires": expires}

test_365_day_auth_key_denied if {
	some r in rule.deny with input as _input([_key("auth", "2026-06-01T00:00:00Z", "2027-06-01T00:00:00Z")])
	r.evidence.lifetimeDays == 365
}

test_90_days_allowed_91_not if {
	count(rule.deny) == 0 with input as _input([_key("api", "2026-11-01T00:00:00Z", "2027-01-30T00:00:00Z")])
	count(rule.deny) == 1 with input as _input([_key("api", "2026-11-01T00:00:00Z", "2027-01-31T00:00:00Z")])
}

test_no_expiry_denied if {
	count(rule.deny) == 1 with input as _input([{"id": "k1", "keyType": "auth", "created": "2026-11-01T00:00:00Z"}])
}

test_oauth_clients_skipped if {
	count(rule.deny) == 0 with input as _input([{"id": "k1", "keyType": "client", "created": "2024-01-01T00:00:00Z"}])
}

test_param if {
	inp := object.union(_input([_key("auth", "2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z")]), {"params": {"maxKeyDays": 30}})
	count(rule.deny) == 1 with input as inp
}
