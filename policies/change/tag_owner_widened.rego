# METADATA
# title: More people may apply a tag
# description: >-
#   The change adds an owner to a tag that already existed. Whoever owns a tag
#   can give a machine that tag, and with it every access the policy grants to
#   the tag. A broad owner (one of broadSources, or a group with more than
#   broadGroupSize members) is reported as high.
# custom:
#   id: TA-CHG-005
#   severity: medium
#   remediation: >-
#     Keep tag ownership with the team that provisions those machines, or
#     confirm in the review that the new owner should be able to apply the tag.
#   params:
#     broadSources: {type: array, items: {type: string}}
#     broadGroupSize: {type: integer, minimum: 1, maximum: 100000}
package tailaudit.change.tag_owner_widened

import data.tailaudit.lib.change
import data.tailaudit.lib.params

parameters := params.merged({"broadSources": params.shared.broadSources, "broadGroupSize": params.shared.broadGroupSize})

broad := change.broad_sources(change.after, parameters.broadSources, parameters.broadGroupSize)

old := object.get(change.before, "tagOwners", {})

deny contains result if {
	some tag, owners in object.get(change.after, "tagOwners", {})
	tag in object.keys(old)
	some j, owner in change.list(owners)
	not owner in change.list(old[tag])
	result := {
		"msg": sprintf("%s may now apply %s", [owner, tag]),
		"path": ["change", "after", "tagOwners", tag, j],
		"evidence": {"tag": tag, "owner": owner, "before": old[tag]},
		"severity": severity(owner),
	}
}

severity(owner) := "high" if owner in broad

severity(owner) := "medium" if not owner in broad
