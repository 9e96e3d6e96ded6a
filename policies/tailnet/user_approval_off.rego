# METADATA
# title: User approval is off
# description: >-
#   Anyone who can sign in through the identity provider's domain joins the tailnet without an
#   administrator approving them first.
# custom:
#   id: TA-SET-002
#   severity: medium
#   remediation: >-
#     Turn on user approval (Settings, User management) or restrict sign-in at the identity
#     provider to the people who should have access.
#   requires: [settings]
package tailaudit.tailnet.user_approval_off

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	lib.settings.usersApprovalOn == false
	result := {
		"msg": "user approval is off: new users join without review",
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "settings", "usersApprovalOn"],
		"evidence": {"usersApprovalOn": false},
	}
}

manual contains result if {
	not is_boolean(object.get(lib.settings, "usersApprovalOn", null))
	result := {
		"msg": "the snapshot does not record whether user approval is on: attest it from the admin console",
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "settings"],
		"evidence": {"usersApprovalOn": null},
	}
}
