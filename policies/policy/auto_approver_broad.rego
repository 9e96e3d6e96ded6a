# METADATA
# title: Routes or exit nodes auto-approved for broad principals
# description: >-
#   autoApprovers lets a broad principal ("*", autogroup:member or
#   autogroup:danger-all, from the broadSources parameter, or any selector that
#   names every user's device in the snapshot, such as a group of all users)
#   advertise subnet routes, exit nodes or services that are approved without
#   review. Any user could then pull other users' traffic through a device they
#   control.
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

# broad holds for an autoApprovers selector (from tailscale.route_approvers) that lets everyone in.
broad(a) if a.approver in parameters.broadSources

broad(a) if a.everyMember

deny contains result if {
	some a in tailscale.route_approvers(input)
	a.kind == "routes"
	broad(a)
	key := a.path[3]
	result := {
		"msg": sprintf("autoApprovers.routes approves %s for %s without review", [key, refs.name(a.approver)]),
		"path": a.path,
		"evidence": {"kind": "routes", "route": key, "approvers": input.policy[a.path[1]][a.path[2]][key]},
	}
}

deny contains result if {
	some a in tailscale.route_approvers(input)
	a.kind == "exitNode"
	broad(a)
	result := {
		"msg": sprintf("autoApprovers.exitNode lets %s turn any device into an approved exit node", [refs.name(a.approver)]),
		"path": a.path,
		"evidence": {"kind": "exitNode", "approvers": input.policy[a.path[1]][a.path[2]]},
	}
}

# Services are not modelled by tailscale.route_approvers: their approvers are read as written.
deny contains result if {
	some key, approvers in input.policy.autoApprovers.services
	some k, approver in approvers
	approver in parameters.broadSources
	result := {
		"msg": sprintf("autoApprovers.services approves %s for %s without review", [key, refs.name(approver)]),
		"path": ["policy", "autoApprovers", "services", key, k],
		"evidence": {"kind": "services", "service": key, "approvers": approvers},
	}
}
