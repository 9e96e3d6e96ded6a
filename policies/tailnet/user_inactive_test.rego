package tailaudit.tailnet.user_inactive_test

import data.tailaudit.tailnet.user_inactive as rule

_input(users) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"users": users}}

_user(role, last_seen) := {"id": "u1", "loginName": "kim@acme.example", "role": role, "status": "idle", "lastSeen": last_seen, "created": "2025-01-01T00:00:00Z"}

test_inactive_member_medium if {
	some r in rule.deny with input as _input([_user("member", "2026-07-01T00:00:00Z")])
	r.severity == "medium"
	r.resource == {"type": "user", "id": "u1", "name": "kim@acme.example"}
}

test_inactive_admin_high if {
	some r in rule.deny with input as _input([_user("admin", "2026-07-01T00:00:00Z")])
	r.severity == "high"
}

test_recent_user_silent if {
	count(rule.deny) == 0 with input as _input([_user("admin", "2026-11-20T00:00:00Z")])
}

test_threshold_boundary if {
	count(rule.deny) == 1 with input as _input([_user("member", "2026-08-26T12:00:00Z")])
	count(rule.deny) == 0 with input as _input([_user("member", "2026-08-26T12:00:01Z")])
}

test_never_seen_uses_created if {
	u := {"id": "u2", "loginName": "new@acme.example", "role": "member", "status": "idle", "lastSeen": "", "created": "2026-03-01T00:00:00Z"}
	count(rule.deny) == 1 with input as _input([u])
}

test_suspended_user_skipped if {
	u := object.union(_user("admin", "2025-01-01T00:00:00Z"), {"status": "suspended"})
	count(rule.deny) == 0 with input as _input([u])
}

test_connected_user_silent if {
	u := object.union(_user("member", "2025-01-01T00:00:00Z"), {"currentlyConnected": true})
	count(rule.deny) == 0 with input as _input([u])
}

test_param if {
	inp := object.union(_input([_user("member", "2026-10-20T00:00:00Z")]), {"params": {"inactiveUserDays": 30}})
	count(rule.deny) == 1 with input as inp
}
