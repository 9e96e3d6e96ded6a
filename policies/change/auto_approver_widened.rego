# METADATA
# title: More principals may approve routes or exit nodes
# description: >-
#   The change adds an auto-approver for a subnet route, a service or exit
#   nodes. A device of an auto-approver that advertises the route or offers
#   itself as an exit node is used at once, without an admin approving it, so
#   every new approver can steer other people's traffic.
# custom:
#   id: TA-CHG-006
#   severity: high
#   remediation: >-
#     Auto-approve routes and exit nodes only for the tags of the routers that
#     serve them, or confirm in the review that the new approver should.
package tailaudit.change.auto_approver_widened

import data.tailaudit.lib.change

approvers(doc, kind, key) := change.list(object.get(doc, ["autoApprovers", kind, key], [])) if kind != "exitNode"

approvers(doc, "exitNode", _) := change.list(object.get(doc, ["autoApprovers", "exitNode"], []))

deny contains result if {
	some kind in ["routes", "services"]
	some key, list in object.get(change.after, ["autoApprovers", kind], {})
	some j, approver in change.list(list)
	not approver in approvers(change.before, kind, key)
	result := {
		"msg": sprintf("%s may now have %s %s approved without review", [approver, singular[kind], key]),
		"path": ["change", "after", "autoApprovers", kind, key, j],
		"evidence": {"approver": approver, kind: key},
	}
}

deny contains result if {
	some j, approver in change.list(object.get(change.after, ["autoApprovers", "exitNode"], []))
	not approver in approvers(change.before, "exitNode", "")
	result := {
		"msg": sprintf("%s may now offer exit nodes without review", [approver]),
		"path": ["change", "after", "autoApprovers", "exitNode", j],
		"evidence": {"approver": approver},
	}
}

singular := {"routes": "route", "services": "service"}
