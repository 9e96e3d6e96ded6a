package tailaudit.tailnet.webhook_subscriptions_missing_test

import data.tailaudit.tailnet.webhook_subscriptions_missing as rule

_input(webhooks) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"webhooks": webhooks}}

_hook(subs) := {"endpointId": "w1", "endpointUrl": "https://hooks.slack.com/services/x", "providerType": "slack", "subscriptions": subs}

test_no_webhooks_three_findings if {
	count(rule.deny) == 3 with input as _input([])
}

test_partial_subscription if {
	results := rule.deny with input as _input([_hook(["policyUpdate", "nodeCreated"])])
	{r.evidence.missingSubscription | some r in results} == {"nodeNeedsApproval", "userRoleUpdated"}
}

test_spread_over_hooks_silent if {
	count(rule.deny) == 0 with input as _input([_hook(["policyUpdate", "nodeNeedsApproval"]), _hook(["userRoleUpdated"])])
}

test_category_covers_all if {
	count(rule.deny) == 0 with input as _input([_hook(["categoryTailnetManagement"])])
}
