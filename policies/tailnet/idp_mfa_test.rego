package tailaudit.tailnet.idp_mfa_test

import data.tailaudit.tailnet.idp_mfa as rule

test_always_needs_attestation if {
	results := rule.manual with input as {"now": "2026-11-24T12:00:00Z", "tailnet": {"tailnet": "acme.example", "users": []}}
	count(results) == 1
	some r in results
	r.resource.type == "tailnet"
}

test_no_deny_or_warn if {
	inp := {"now": "2026-11-24T12:00:00Z", "tailnet": {"tailnet": "acme.example"}}
	not rule.deny with input as inp
	not rule.warn with input as inp
}
