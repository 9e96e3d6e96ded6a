# METADATA
# title: No webhook for a key tailnet event
# description: >-
#   No webhook is subscribed to one of the events a security team should hear about as it
#   happens: a policy file change, a device waiting for approval, or a user's role changing.
# custom:
#   id: TA-HOOK-001
#   severity: low
#   remediation: >-
#     Add a webhook (Settings, Webhooks) to the team's chat or alerting endpoint subscribed to
#     policyUpdate, nodeNeedsApproval and userRoleUpdated, or to the whole tailnet management
#     category.
#   requires: [webhooks]
package tailaudit.tailnet.webhook_subscriptions_missing

import data.tailaudit.lib.tailnet as lib

_wanted := {
	"policyUpdate": "policy file changes",
	"nodeNeedsApproval": "devices waiting for approval",
	"userRoleUpdated": "user role changes",
}

# Subscribing to the category covers every event in it, including ones added later.
_category := "categoryTailnetManagement"

_subscribed contains event if {
	some hook in lib.array_at(lib.snapshot, "webhooks")
	some event in lib.array_at(hook, "subscriptions")
}

deny contains result if {
	not _category in _subscribed
	some event, what in _wanted
	not event in _subscribed
	result := {
		"msg": sprintf("no webhook reports %s (%s)", [what, event]),
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "webhooks"],
		"evidence": {
			"missingSubscription": event,
			"webhookCount": count(lib.array_at(lib.snapshot, "webhooks")),
			"subscribed": sort(_subscribed),
		},
	}
}
