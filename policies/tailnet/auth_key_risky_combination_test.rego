package tailaudit.tailnet.auth_key_risky_combination_test

import data.tailaudit.tailnet.auth_key_risky_combination as rule

_input(keys) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"keys": keys}}

# _key is the risky combination: reusable, pre-authorized, persistent, untagged, 364 days.
_key(overrides) := object.union(
	{
		"id": "k1", "keyType": "auth", "description": "laptop fleet",
		"created": "2026-11-01T00:00:00Z", "expires": "2027-10-31T00:00:00Z",
		"capabilities": {"devices": {"create": {"reusable": true, "ephemeral": false, "preauthorized": true, "tags": []}}},
	},
	overrides,
)

_caps(c) := {"capabilities": {"devices": {"create": object.union({"reusable": true, "ephemeral": false, "preauthorized": true, "tags": []}, c)}}}

test_combination_denied_once if {
	results := rule.deny with input as _input([_key({})])
	count(results) == 1
	some r in results
	r.resource == {"type": "key", "id": "k1", "name": "laptop fleet"}
	r.path == ["tailnet", "keys", 0]
	r.evidence.maxKeyDays == 90
}

test_no_expiry_counts_as_long_lived if {
	count(rule.deny) == 1 with input as _input([_key({"expires": ""})])
}

test_each_missing_property_silent if {
	count(rule.deny) == 0 with input as _input([_key(_caps({"reusable": false}))])
	count(rule.deny) == 0 with input as _input([_key(_caps({"preauthorized": false}))])
	count(rule.deny) == 0 with input as _input([_key(_caps({"ephemeral": true}))])
	count(rule.deny) == 0 with input as _input([_key(_caps({"tags": ["tag:ci"]}))])
	count(rule.deny) == 0 with input as _input([_key({"expires": "2026-12-15T00:00:00Z"})])
}

test_limit_from_params if {
	count(rule.deny) == 0 with input as object.union(_input([_key({})]), {"params": {"maxKeyDays": 400}})
}

test_revoked_silent if {
	count(rule.deny) == 0 with input as _input([_key({"revoked": "2026-11-10T00:00:00Z"})])
}
