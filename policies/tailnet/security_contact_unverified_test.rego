package tailaudit.tailnet.security_contact_unverified_test

import data.tailaudit.tailnet.security_contact_unverified as rule

_input(security) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"contacts": {"account": {"email": "it@acme.example"}, "security": security}}}

test_missing_email_denied if {
	count(rule.deny) == 1 with input as _input({"email": ""})
	count(rule.deny) == 1 with input as {"now": "2026-11-24T12:00:00Z", "tailnet": {"contacts": {}}}
}

test_unverified_denied if {
	some r in rule.deny with input as _input({"email": "security@acme.example", "needsVerification": true})
	r.evidence.email == "security@acme.example"
}

test_verified_silent if {
	count(rule.deny) == 0 with input as _input({"email": "security@acme.example", "needsVerification": false})
}
