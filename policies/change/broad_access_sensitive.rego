# METADATA
# title: Broad source gains access to a sensitive service
# description: >-
#   The change lets a broad source (one of broadSources, or a group with more
#   than broadGroupSize members) reach a tagged device it could not reach
#   before, on a port where that matters: any of sensitivePorts (SSH, RDP and
#   the common databases by default) on any tag, 443 on an adminTags tag, or
#   any of those ports on a sensitiveTags tag. Access is judged with Tailscale's
#   semantics on both versions of the policy, so a wildcard, an autogroup or a
#   grant that opens the port counts as much as a rule that names it.
# custom:
#   id: TA-CHG-001
#   severity: high
#   remediation: >-
#     Give the access to the group or tag that needs it instead of the broad
#     source, or confirm in the review that everyone in it should reach the
#     service.
#   params:
#     broadSources: {type: array, items: {type: string}}
#     broadGroupSize: {type: integer, minimum: 1, maximum: 100000}
#     sensitiveTags: {type: array, items: {type: string}}
#     sensitivePorts: {type: array, items: {type: integer, minimum: 1, maximum: 65535}}
#     adminTags: {type: array, items: {type: string}}
package tailaudit.change.broad_access_sensitive

import data.tailaudit.lib.change
import data.tailaudit.lib.params

parameters := params.merged({
	"broadSources": params.shared.broadSources,
	"broadGroupSize": params.shared.broadGroupSize,
	"sensitiveTags": params.shared.sensitiveTags,
	"sensitivePorts": [22, 3389, 5432, 3306, 6379],
	"adminTags": ["tag:admin"],
})

# ports are those the rule asks about: the sensitive ports, and 443.
ports := {p | some p in parameters.sensitivePorts} | {443}

# sensitive(tag, port) holds when reaching tag on port matters.
sensitive(_, port) if port in parameters.sensitivePorts

sensitive(tag, 443) if tag in parameters.adminTags

sensitive(tag, _) if tag in parameters.sensitiveTags

gained contains [src, tag, port] if {
	some src in change.testable(change.broad_sources(change.after, parameters.broadSources, parameters.broadGroupSize))
	some tag, _ in object.get(change.after, "tagOwners", {})
	some port in ports
	sensitive(tag, port)
	tailscale.reachable(change.after, src, tag, port)
	not change.reachable_before(src, tag, port)
}

deny contains result if {
	some [src, tag] in {[src, tag] | some [src, tag, _] in gained}
	open := sort([port | some [src, tag, port] in gained])
	reach := tailscale.reach(change.after, src, tag, open[0])
	path := change.after_path(reach.because[0])
	result := {
		"msg": sprintf("%s can now reach %s on port %s, which it could not before", [src, tag, concat(", ", [sprintf("%d", [p]) | some p in open])]),
		"path": path,
		"evidence": {"src": src, "dst": tag, "ports": open, "rules": [change.after_path(p) | some p in reach.because]},
	}
}
