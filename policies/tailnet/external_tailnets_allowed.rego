# METADATA
# title: Users may join other tailnets
# description: >-
#   Users of this tailnet may accept invitations to other organisations' tailnets from their
#   managed devices, which opens a path for data to leave through networks this organisation
#   does not control.
# custom:
#   id: TA-SET-005
#   severity: medium
#   remediation: >-
#     Set "Users allowed to join external tailnets" to none, or to admins only where a business
#     need is documented.
#   requires: [settings]
package tailaudit.tailnet.external_tailnets_allowed

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	role := lib.settings.usersRoleAllowedToJoinExternalTailnets
	is_string(role)
	role != "none"
	result := {
		"msg": sprintf("users with role %q or above may join external tailnets", [role]),
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "settings", "usersRoleAllowedToJoinExternalTailnets"],
		"evidence": {"usersRoleAllowedToJoinExternalTailnets": role},
		"severity": _severity(role),
	}
}

_severity("admin") := "low"

_severity(role) := "medium" if role != "admin"
