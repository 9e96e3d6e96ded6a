# METADATA
# title: Automatic client updates are off by default
# description: >-
#   New devices do not update the Tailscale client on their own, so security fixes reach them
#   only when someone updates each device by hand.
# custom:
#   id: TA-SET-004
#   severity: medium
#   remediation: >-
#     Turn on automatic updates for new devices (Settings, Device management) and enable them on
#     existing devices with tailscale set --auto-update.
#   requires: [settings]
package tailaudit.tailnet.auto_updates_off

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	lib.settings.devicesAutoUpdatesOn == false
	result := {
		"msg": "automatic client updates are off for new devices",
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "settings", "devicesAutoUpdatesOn"],
		"evidence": {"devicesAutoUpdatesOn": false},
	}
}
