package tailaudit.tailnet.auth_key_preauthorized_test

import data.tailaudit.tailnet.auth_key_preauthorized as rule

_input(preauth) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"keys": [{
	"id": "k1", "keyType": "auth", "expires": "2027-01-01T00:00:00Z",
	"capabilities": {"devices": {"create": {"preauthorized": preauth}}},
}]}}

test_preauthorized_denied if {
	count(rule.deny) == 1 with input as _input(true)
}

test_not_preauthorized_silent if {
	count(rule.deny) == 0 with input as _input(false)
}

test_missing_capabilities_silent if {
	count(rule.deny) == 0 with input as {"now": "2026-11-24T12:00:00Z", "tailnet": {"keys": [{"id": "k1", "keyType": "auth"}]}}
}

test_ephemeral_tagged_key_silent if {
	inp := {"now": "2026-11-24T12:00:00Z", "tailnet": {"keys": [{
		"id": "k2", "keyType": "auth", "expires": "2027-01-01T00:00:00Z",
		"capabilities": {"devices": {"create": {"preauthorized": true, "ephemeral": true, "tags": ["tag:ci"]}}},
	}]}}
	count(rule.deny) == 0 with input as inp
}

test_ephemeral_untagged_key_denied if {
	inp := {"now": "2026-11-24T12:00:00Z", "tailnet": {"keys": [{
		"id": "k2", "keyType": "auth", "expires": "2027-01-01T00:00:00Z",
		"capabilities": {"devices": {"create": {"preauthorized": true, "ephemeral": true, "tags": []}}},
	}]}}
	count(rule.deny) == 1 with input as inp
}
