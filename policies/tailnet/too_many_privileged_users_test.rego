package tailaudit.tailnet.too_many_privileged_users_test

import data.tailaudit.tailnet.too_many_privileged_users as rule

_input(roles) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"users": [u |
	some i, role in roles
	u := {"id": sprintf("u%d", [i]), "loginName": sprintf("user%d@acme.example", [i]), "role": role, "status": "active"}
]}}

test_four_admins_denied if {
	some r in rule.deny with input as _input(["owner", "admin", "it-admin", "network-admin", "member"])
	r.evidence.count == 4
	r.evidence.maxPrivilegedUsers == 3
}

test_three_admins_allowed if {
	count(rule.deny) == 0 with input as _input(["owner", "admin", "network-admin", "member", "auditor", "billing-admin"])
}

test_suspended_admins_not_counted if {
	inp := {"now": "2026-11-24T12:00:00Z", "tailnet": {"users": [
		{"id": "1", "loginName": "a", "role": "owner", "status": "active"},
		{"id": "2", "loginName": "b", "role": "admin", "status": "active"},
		{"id": "3", "loginName": "c", "role": "admin", "status": "active"},
		{"id": "4", "loginName": "d", "role": "admin", "status": "suspended"},
	]}}
	count(rule.deny) == 0 with input as inp
}

test_param_lowers_limit if {
	inp := object.union(_input(["owner", "admin"]), {"params": {"maxPrivilegedUsers": 1}})
	count(rule.deny) == 1 with input as inp
}
