# METADATA
# title: Funnel enabled for everyone
# description: >-
#   A nodeAttrs entry grants the "funnel" attribute to a broad target ("*",
#   autogroup:member or autogroup:danger-all, from the broadSources parameter).
#   Any user can then publish a service from their device to the public
#   internet, outside the organisation's ingress controls.
# custom:
#   id: TA-ATTR-001
#   severity: high
#   remediation: >-
#     Grant funnel only to the tags or the small group that runs public
#     endpoints.
#   params:
#     broadSources: {type: array, items: {type: string}}
package tailaudit.policy.funnel_broad

import data.tailaudit.lib.params
import data.tailaudit.lib.refs

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"broadSources": params.shared.broadSources})

deny contains result if {
	some i, entry in input.policy.nodeAttrs
	"funnel" in entry.attr
	some j, target in entry.target
	target in parameters.broadSources
	result := {
		"msg": sprintf("nodeAttrs[%d] lets %s expose services to the public internet with Funnel", [i, refs.name(target)]),
		"path": ["policy", "nodeAttrs", i, "target", j],
		"evidence": {"target": entry.target, "attr": entry.attr},
	}
}
