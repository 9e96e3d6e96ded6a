# METADATA
# title: Tag used but not in tagOwners
# description: >-
#   A tag appears in acls, grants, ssh, tests, autoApprovers, nodeAttrs or as a
#   tag owner, but has no tagOwners entry. No device can carry such a tag, so
#   the rule around it is dead or was meant for a different, misspelled tag;
#   Tailscale refuses to save such a policy.
# custom:
#   id: TA-TAG-002
#   severity: medium
#   remediation: >-
#     Add the tag to tagOwners with the group that provisions it, or correct the
#     spelling where it is used.
package tailaudit.policy.tag_undefined

import data.tailaudit.lib.alias
import data.tailaudit.lib.refs

owned := object.keys(object.get(input.policy, "tagOwners", {}))

deny contains result if {
	some name in refs.aliases
	alias.is_tag(name)
	not name in owned
	some ref in refs.at(name)
	result := {
		"msg": sprintf("%s uses %s, which has no tagOwners entry", [refs.label(ref.path), ref.alias]),
		"path": ref.path,
		"evidence": {"tag": ref.alias},
	}
}
