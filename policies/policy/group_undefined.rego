# METADATA
# title: Group used but not defined
# description: >-
#   A group appears in acls, grants, ssh, tests, autoApprovers, nodeAttrs or
#   tagOwners but is not defined under groups. Tailscale refuses such a policy,
#   and a misspelled group name silently leaves its members without the access
#   intended for them.
# custom:
#   id: TA-GROUP-001
#   severity: medium
#   remediation: >-
#     Define the group under "groups" or correct the name where it is used.
package tailaudit.policy.group_undefined

import data.tailaudit.lib.alias
import data.tailaudit.lib.refs

defined := object.keys(object.get(input.policy, "groups", {}))

deny contains result if {
	some name in refs.aliases
	alias.is_group(name)
	not name in defined
	some ref in refs.at(name)
	result := {
		"msg": sprintf("%s uses %s, which is not defined in groups", [refs.label(ref.path), ref.alias]),
		"path": ref.path,
		"evidence": {"group": ref.alias},
	}
}
