# METADATA
# title: Empty group
# description: >-
#   A group has no members. Rules that name it grant nothing, which is either
#   a leftover or a sign that membership is managed somewhere it should not be.
# custom:
#   id: TA-GROUP-002
#   severity: low
#   remediation: >-
#     Add the intended members or remove the group and the rules that use it.
package tailaudit.policy.group_empty

deny contains result if {
	some group, members in input.policy.groups
	is_array(members)
	count(members) == 0
	result := {
		"msg": sprintf("%s has no members", [group]),
		"path": ["policy", "groups", group],
		"evidence": {"group": group, "members": members},
	}
}
