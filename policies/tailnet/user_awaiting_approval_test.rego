package tailaudit.tailnet.user_awaiting_approval_test

import data.tailaudit.tailnet.user_awaiting_approval as rule

_input(users) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"users": users}}

test_pending_user_warns if {
	some r in rule.warn with input as _input([{"id": "u1", "loginName": "x@acme.example", "status": "needs-approval"}])
	r.resource.id == "u1"
}

test_active_user_silent if {
	count(rule.warn) == 0 with input as _input([{"id": "u1", "loginName": "x@acme.example", "status": "active"}])
}
