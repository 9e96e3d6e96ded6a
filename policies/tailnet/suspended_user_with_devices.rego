# METADATA
# title: Suspended user still owns devices
# description: >-
#   A suspended user still owns devices in the tailnet. Suspension blocks the user's devices
#   while it lasts, but restoring the account, by mistake or otherwise, brings them all back.
#   Offboarding is not complete until the devices are removed or reassigned.
# custom:
#   id: TA-USER-004
#   severity: medium
#   remediation: >-
#     Remove the user's devices, or re-authenticate the ones that must stay as tagged devices,
#     then delete the user if they have left.
#   resources: users
#   aggregate: []
#   requires: [users, devices]
package tailaudit.tailnet.suspended_user_with_devices

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	some i, u in lib.users
	u.status == "suspended"
	login := lib.user_name(u)
	owned := sort({lib.device_name(d) | some d in _suspended_users_devices; d.user == login})
	n := max({count(owned), _device_count(u)})
	n > 0
	result := {
		"msg": sprintf("suspended user %s still owns %d devices", [login, n]),
		"resource": lib.user_resource(u),
		"path": ["tailnet", "users", i],
		"evidence": {
			"status": "suspended",
			"deviceCount": _device_count(u),
			"devices": owned,
		},
	}
}

# _suspended_users_devices are the devices whose user is suspended, found in one pass over the
# devices rather than one pass per suspended user.
_suspended_users_devices := [d |
	logins := _suspended_logins # bound once, not looked up per device
	some d in lib.devices
	d.user in logins
]

_suspended_logins := {lib.user_name(u) | some u in lib.users; u.status == "suspended"}

_device_count(u) := u.deviceCount if {
	is_number(u.deviceCount)
} else := 0
