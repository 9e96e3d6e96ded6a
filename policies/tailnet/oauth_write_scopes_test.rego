package tailaudit.tailnet.oauth_write_scopes_test

import data.tailaudit.tailnet.oauth_write_scopes as rule

_input(type, scopes) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"keys": [{"id": "k1", "keyType": type, "description": "gitops", "scopes": scopes}]}}

test_all_scope_denied_high if {
	some r in rule.deny with input as _input("client", ["all"])
	r.severity == "high"
}

test_write_scope_warns if {
	some r in rule.warn with input as _input("federated", ["devices:core:read", "auth_keys", "policy_file"])
	r.evidence.writeScopes == ["auth_keys", "policy_file"]
	count(rule.deny) == 0 with input as _input("federated", ["auth_keys"])
}

test_read_only_silent if {
	count(rule.deny) == 0 with input as _input("client", ["all:read"])
	count(rule.warn) == 0 with input as _input("client", ["all:read", "devices:core:read"])
}

test_auth_keys_ignored if {
	count(rule.warn) == 0 with input as _input("auth", ["auth_keys"])
	count(rule.deny) == 0 with input as _input("api", ["all"])
}
