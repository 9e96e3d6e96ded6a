package tailaudit.change.auto_approver_widened_test

import data.tailaudit.change.auto_approver_widened

before := {"autoApprovers": {"routes": {"10.0.0.0/16": ["tag:router"]}, "exitNode": ["tag:exit"]}}

test_fires_for_new_route_and_exit_approvers if {
	after := {"autoApprovers": {"routes": {"10.0.0.0/16": ["tag:router", "group:eng"]}, "exitNode": ["tag:exit", "autogroup:member"]}}
	results := auto_approver_widened.deny with input as {"change": {"before": before, "after": after}}
	{r.msg | some r in results} == {
		"group:eng may now have route 10.0.0.0/16 approved without review",
		"autogroup:member may now offer exit nodes without review",
	}
	{r.path | some r in results} == {
		["change", "after", "autoApprovers", "routes", "10.0.0.0/16", 1],
		["change", "after", "autoApprovers", "exitNode", 1],
	}
}

test_silent_when_unchanged if {
	count(auto_approver_widened.deny) == 0 with input as {"change": {"before": before, "after": before}}
}
