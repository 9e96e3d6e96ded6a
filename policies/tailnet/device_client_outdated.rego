# METADATA
# title: Tailscale client out of date
# description: >-
#   A device runs a Tailscale client older than the minimum version the organisation accepts,
#   or the coordination server reports that an update is available for it. Old clients miss
#   security fixes.
# custom:
#   id: TA-DEV-005
#   severity: medium
#   remediation: >-
#     Update the client on the device, and turn on automatic updates (tailscale set
#     --auto-update, or the tailnet-wide setting) so that devices stay current.
#   resources: devices
#   requires: [devices]
package tailaudit.tailnet.device_client_outdated

# Devices shared in from other tailnets (isExternal) are updated by their own administrators, so
# they are left out.

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	some i, d in lib.devices
	not d.isExternal == true
	_below_minimum(d)
	result := {
		"msg": sprintf("device %s runs Tailscale %s, older than the minimum %s", [lib.device_name(d), d.clientVersion, lib.params.minClientVersion]),
		"resource": lib.device_resource(d),
		"path": ["tailnet", "devices", i],
		"evidence": _evidence(d),
	}
}

warn contains result if {
	some i, d in lib.devices
	not d.isExternal == true
	d.updateAvailable == true
	not _below_minimum(d)
	result := {
		"msg": sprintf("device %s has a Tailscale update available (runs %s)", [lib.device_name(d), object.get(d, "clientVersion", "")]),
		"resource": lib.device_resource(d),
		"path": ["tailnet", "devices", i],
		"evidence": _evidence(d),
		"severity": "low",
	}
}

_below_minimum(d) if {
	is_string(d.clientVersion)
	lib.version_less(d.clientVersion, lib.params.minClientVersion)
}

_evidence(d) := {
	"clientVersion": object.get(d, "clientVersion", ""),
	"updateAvailable": object.get(d, "updateAvailable", false),
	"minClientVersion": lib.params.minClientVersion,
}
