package tailaudit.alerts.policy_bypasses_gitops_test

import data.tailaudit.alerts.policy_bypasses_gitops as rule

_event(origin, actor_type) := {"eventTime": "2026-11-20T10:00:00Z", "origin": origin, "action": "UPDATE", "actor": {"loginName": "tom@acme.example", "type": actor_type}, "target": {"type": "TAILNET", "name": "acme.example", "property": "ACL"}}

_tailnet(managed) := {"settings": {"aclsExternallyManagedOn": managed}}

test_console_edit_fires if {
	some a in rule.alert with input as {"event": _event("ADMIN_CONSOLE", "USER"), "tailnet": _tailnet(true)}
	contains(a.msg, "outside GitOps")
}

test_pipeline_silent if {
	count(rule.alert) == 0 with input as {"event": _event("CONFIG_API", "OAUTH_CLIENT"), "tailnet": _tailnet(true)}
}

test_not_managed_silent if {
	count(rule.alert) == 0 with input as {"event": _event("ADMIN_CONSOLE", "USER"), "tailnet": _tailnet(false)}
}
