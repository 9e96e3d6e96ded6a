package tailaudit.tailnet.device_approval_off_test

import data.tailaudit.tailnet.device_approval_off as rule

_input(settings) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"tailnet": "acme.example", "settings": settings}}

test_off_denied if {
	some r in rule.deny with input as _input({"devicesApprovalOn": false})
	r.path == ["tailnet", "settings", "devicesApprovalOn"]
}

test_on_silent if {
	count(rule.deny) == 0 with input as _input({"devicesApprovalOn": true})
	count(rule.manual) == 0 with input as _input({"devicesApprovalOn": true})
}

test_unrecorded_needs_attestation if {
	count(rule.manual) == 1 with input as _input({})
	count(rule.deny) == 0 with input as _input({})
}
