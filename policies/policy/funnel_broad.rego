# METADATA
# title: Funnel enabled for everyone
# description: >-
#   A nodeAttrs entry grants the "funnel" attribute to a broad target ("*",
#   autogroup:member or autogroup:danger-all, from the broadSources parameter)
#   or, with a snapshot, to a target that names every user's device however it
#   is written (a group of everyone, a domain, an address range). Any user can
#   then publish a service from their device to the public internet, outside
#   the organisation's ingress controls. Targets are read as Tailscale reads
#   them (tailscale.attr_grants), with the space around them trimmed.
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
	some g in tailscale.attr_grants(input, "funnel")
	broad(g)
	entry := object.get(input, array.slice(g.path, 0, 3), {})
	result := {
		"msg": sprintf("nodeAttrs[%d] lets %s expose services to the public internet with Funnel", [g.path[2], refs.name(g.target)]),
		"path": g.path,
		"evidence": {"target": entry.target, "attr": entry.attr},
	}
}

broad(g) if g.target in parameters.broadSources

broad(g) if g.everyMember
