# METADATA
# title: Advertised routes waiting for approval
# description: >-
#   A device advertises subnet or exit-node routes that an administrator has not approved.
#   Nothing flows through them yet, but someone set the device up to carry other networks'
#   traffic and the request should be decided rather than left open.
# custom:
#   id: TA-DEV-008
#   severity: low
#   remediation: >-
#     Approve the routes if the device is meant to be a router (ideally through autoApprovers
#     for its tag), or stop advertising them on the device with tailscale set --advertise-routes=.
#   resources: devices
#   aggregate: []
#   requires: [devices]
package tailaudit.tailnet.device_routes_not_approved

import data.tailaudit.lib.tailnet as lib

warn contains result if {
	some i, d in lib.devices
	advertised := d.advertisedRoutes
	advertised != []
	is_array(advertised)
	pending := {r | some r in advertised} - {r | some r in lib.array_at(d, "enabledRoutes")}
	count(pending) > 0
	res := lib.device_resource(d)
	result := {
		"msg": sprintf("device %s advertises routes that are not approved: %v", [res.name, sort(pending)]),
		"resource": res,
		"path": ["tailnet", "devices", i],
		"evidence": {
			"advertisedRoutes": advertised,
			"enabledRoutes": lib.array_at(d, "enabledRoutes"),
			"pendingRoutes": sort(pending),
		},
	}
}
