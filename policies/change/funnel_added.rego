# METADATA
# title: New Funnel capability
# description: >-
#   The change grants the funnel node attribute to a target that did not have
#   it. Funnel publishes a service of the device on the public internet, to
#   anyone, outside the tailnet's access rules.
# custom:
#   id: TA-CHG-007
#   severity: high
#   remediation: >-
#     Grant funnel only to the tags of the machines that serve public
#     endpoints, or confirm in the review what the target will publish.
package tailaudit.change.funnel_added

import data.tailaudit.lib.change

funnel_targets(doc) := {target |
	some attr in change.section(doc, "nodeAttrs")
	"funnel" in change.list(attr.attr)
	some target in change.list(attr.target)
}

old := funnel_targets(change.before)

deny contains result if {
	some i, attr in change.section(change.after, "nodeAttrs")
	"funnel" in change.list(attr.attr)
	some j, target in change.list(attr.target)
	not target in old
	result := {
		"msg": sprintf("nodeAttrs[%d] newly lets %s publish services on the internet with Funnel", [i, target]),
		"path": ["change", "after", "nodeAttrs", i, "target", j],
		"evidence": {"target": target},
	}
}
