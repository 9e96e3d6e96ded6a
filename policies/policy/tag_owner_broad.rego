# METADATA
# title: Anyone can apply a tag
# description: >-
#   A tagOwners entry lets a broad principal ("*", autogroup:member or
#   autogroup:danger-all, from the broadSources parameter) apply the tag. Any
#   user can then tag their own laptop and receive all the access that the
#   tag's servers have.
# custom:
#   id: TA-TAG-001
#   severity: high
#   remediation: >-
#     Let only an admin group, autogroup:admin, or the tag that provisions the
#     servers own the tag.
#   params:
#     broadSources: {type: array, items: {type: string}}
package tailaudit.policy.tag_owner_broad

import data.tailaudit.lib.params
import data.tailaudit.lib.refs

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"broadSources": params.shared.broadSources})

deny contains result if {
	some tag, owners in input.policy.tagOwners
	some k, owner in owners
	owner in parameters.broadSources
	result := {
		"msg": sprintf("tagOwners lets %s apply %s to any device", [refs.name(owner), tag]),
		"path": ["policy", "tagOwners", tag, k],
		"evidence": {"tag": tag, "owners": owners},
	}
}
