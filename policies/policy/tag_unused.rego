# METADATA
# title: Tag owned but never used in the policy
# description: >-
#   A tag has a tagOwners entry but no rule, test, approver or node attribute
#   refers to it. It may only label devices, which is fine, or it may be left
#   over from a removed service and can be deleted.
# custom:
#   id: TA-TAG-003
#   severity: info
#   remediation: >-
#     Remove the tagOwners entry if no device needs the tag any more.
package tailaudit.policy.tag_unused

import data.tailaudit.lib.refs

used := {name | some section, names in refs.named; section != "tagOwners"; some name in names}

owners_of_other_tags := {owner |
	some tag, owners in input.policy.tagOwners
	some owner in owners
	owner != tag
}

warn contains result if {
	some tag, _ in input.policy.tagOwners
	not tag in used
	not tag in owners_of_other_tags
	result := {
		"msg": sprintf("%s has a tagOwners entry but nothing in the policy refers to it", [tag]),
		"path": ["policy", "tagOwners", tag],
		"evidence": {"tag": tag},
	}
}
