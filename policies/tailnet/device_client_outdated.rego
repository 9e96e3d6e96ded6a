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
#   aggregate: [clientVersion, updateAvailable, minClientVersion]
#   requires: [devices]
#   params:
#     minClientVersion: {type: version}
package tailaudit.tailnet.device_client_outdated

# Devices shared in from other tailnets (isExternal) are updated by their own administrators, so
# they are left out.

import data.tailaudit.lib.params
import data.tailaudit.lib.tailnet as lib

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"minClientVersion": "1.80.0"})

# Each rule body binds the virtual documents it needs before iterating over the devices, so that
# they are looked up once rather than once per device.

deny contains result if {
	outdated := _outdated_versions
	minimum := parameters.minClientVersion
	some i, d in lib.devices
	d.clientVersion in outdated
	not d.isExternal == true
	res := lib.device_resource(d)
	result := {
		"msg": sprintf("device %s runs Tailscale %s, older than the minimum %s", [res.name, d.clientVersion, minimum]),
		"resource": res,
		"path": ["tailnet", "devices", i],
		"evidence": {
			"clientVersion": d.clientVersion,
			"updateAvailable": object.get(d, "updateAvailable", false),
			"minClientVersion": minimum,
		},
	}
}

# A device without a client version still warns, so its version is read with object.get: with
# d.clientVersion undefined, "not d.clientVersion in outdated" would fail rather than hold.
warn contains result if {
	outdated := _outdated_versions
	minimum := parameters.minClientVersion
	some i, d in lib.devices
	d.updateAvailable == true
	not object.get(d, "clientVersion", null) in outdated
	not d.isExternal == true
	res := lib.device_resource(d)
	result := {
		"msg": sprintf("device %s has a Tailscale update available (runs %s)", [res.name, object.get(d, "clientVersion", "")]),
		"resource": res,
		"path": ["tailnet", "devices", i],
		"evidence": {
			"clientVersion": object.get(d, "clientVersion", ""),
			"updateAvailable": true,
			"minClientVersion": minimum,
		},
		"severity": "low",
	}
}

# _outdated_versions are the client versions in the snapshot that are older than the minimum.
# A tailnet runs few distinct versions, so each is compared once instead of once per device.
_outdated_versions := {v |
	some v in {v | some d in lib.devices; v := d.clientVersion}
	is_string(v)
	lib.version_less(v, parameters.minClientVersion)
}
