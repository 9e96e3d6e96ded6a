package tailaudit.tailnet.api_token_inactive_owner_test

import data.tailaudit.tailnet.api_token_inactive_owner as rule

_input(users) := {"now": "2026-11-24T12:00:00Z", "tailnet": {
	"users": users,
	"keys": [{"id": "kAPI", "keyType": "api", "userId": "u1", "created": "2026-11-01T00:00:00Z", "expires": "2027-01-30T00:00:00Z"}],
}}

_user(status, last_seen) := {"id": "u1", "loginName": "ops@acme.example", "status": status, "role": "admin", "lastSeen": last_seen}

test_suspended_owner_denied if {
	some r in rule.deny with input as _input([_user("suspended", "2026-11-20T00:00:00Z")])
	r.evidence.reason == "is suspended"
	r.evidence.owner == "ops@acme.example"
}

test_inactive_owner_denied if {
	some r in rule.deny with input as _input([_user("idle", "2026-06-01T00:00:00Z")])
	startswith(r.evidence.reason, "has not been seen")
}

test_missing_owner_denied if {
	some r in rule.deny with input as _input([])
	r.evidence.reason == "is no longer in the tailnet"
}

test_active_owner_silent if {
	count(rule.deny) == 0 with input as _input([_user("active", "2026-11-23T00:00:00Z")])
}

test_revoked_token_silent if {
	inp := {"now": "2026-11-24T12:00:00Z", "tailnet": {
		"users": [],
		"keys": [{"id": "kAPI", "keyType": "api", "userId": "u1", "revoked": "2026-11-02T00:00:00Z", "expires": "2027-01-30T00:00:00Z"}],
	}}
	count(rule.deny) == 0 with input as inp
}
