# METADATA
# title: Routes or exit nodes auto-approved for broad principals
# description: >-
#   autoApprovers lets a broad principal ("*", autogroup:member or
#   autogroup:danger-all, from the broadSources parameter) advertise subnet
#   routes, exit nodes or services that are approved without review. Any user
#   could then pull other users' traffic through a device they control.
# custom:
#   id: TA-ROUTE-001
#   severity: high
#   remediation: >-
#     Auto-approve only tags owned by the network team (for example
#     tag:router or tag:exit), and approve anything else by hand.
#   params:
#     broadSources: {type: array, items: {type: string}}
package tailaudit.policy.auto_approver_broad

import data.tailaudit.lib.params
import data.tailaudit.lib.refs

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"broadSources": params.shared.broadSources})

deny contains result if {
	some kind in ["routes", "services"]
	some key, approvers in input.policy.autoApprovers[kind]
	some k, approver in approvers
	approver in parameters.broadSources
	result := {
		"msg": sprintf("autoApprovers.%s approves %s for %s without review", [kind, key, refs.name(approver)]),
		"path": ["policy", "autoApprovers", kind, key, k],
		"evidence": {"kind": kind, kind_key[kind]: key, "approvers": approvers},
	}
}

deny contains result if {
	approvers := input.policy.autoApprovers.exitNode
	some k, approver in approvers
	approver in parameters.broadSources
	result := {
		"msg": sprintf("autoApprovers.exitNode lets %s turn any device into an approved exit node", [refs.name(approver)]),
		"path": ["policy", "autoApprovers", "exitNode", k],
		"evidence": {"kind": "exitNode", "approvers": approvers},
	}
}

kind_key := {"routes": "route", "services": "service"}
