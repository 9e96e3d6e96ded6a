package tailaudit.tailnet.external_tailnets_allowed_test

import data.tailaudit.tailnet.external_tailnets_allowed as rule

_input(role) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"settings": {"usersRoleAllowedToJoinExternalTailnets": role}}}

test_members_allowed_medium if {
	some r in rule.deny with input as _input("member")
	r.severity == "medium"
}

test_admins_only_low if {
	some r in rule.deny with input as _input("admin")
	r.severity == "low"
}

test_none_silent if {
	count(rule.deny) == 0 with input as _input("none")
}
