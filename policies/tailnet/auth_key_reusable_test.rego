package tailaudit.tailnet.auth_key_reusable_test

import data.tailaudit.tailnet.auth_key_reusable as rule

_input(keys) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"keys": keys}}

_key(reusable) := {
	"id": "k1", "keyType": "auth", "description": "ci runners",
	"created": "2026-11-01T00:00:00Z", "expires": "2027-01-30T00:00:00Z",
	"capabilities": {"devices": {"create": {"reusable": reusable, "ephemeral": false, "preauthorized": false, "tags": ["tag:ci"]}}},
}

test_reusable_denied if {
	some r in rule.deny with input as _input([_key(true)])
	r.resource == {"type": "key", "id": "k1", "name": "ci runners"}
	r.evidence.tags == ["tag:ci"]
}

test_single_use_silent if {
	count(rule.deny) == 0 with input as _input([_key(false)])
}

test_key_type_defaults_to_auth if {
	count(rule.deny) == 1 with input as _input([object.remove(_key(true), ["keyType"])])
}

test_revoked_expired_invalid_skipped if {
	count(rule.deny) == 0 with input as _input([object.union(_key(true), {"revoked": "2026-11-10T00:00:00Z"})])
	count(rule.deny) == 0 with input as _input([object.union(_key(true), {"expires": "2026-11-20T00:00:00Z"})])
	count(rule.deny) == 0 with input as _input([object.union(_key(true), {"invalid": true})])
}

test_zero_revoked_time_is_not_revoked if {
	count(rule.deny) == 1 with input as _input([object.union(_key(true), {"revoked": "0001-01-01T00:00:00Z"})])
}
