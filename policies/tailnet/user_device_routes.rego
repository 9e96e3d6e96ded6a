# METADATA
# title: Subnet router or exit node on a personal device
# description: >-
#   A device owned by a person, not by a tag, has approved subnet or exit-node routes. Routing
#   for other networks then depends on one person's login, their key expiry and their
#   laptop, and it leaves with them.
# custom:
#   id: TA-DEV-009
#   severity: medium
#   remediation: >-
#     Run subnet routers and exit nodes on tagged devices (for example tag:router or tag:exit),
#     approve their routes through autoApprovers for the tag, and remove the routes from
#     personal devices.
#   resources: devices
#   aggregate: [exitNode]
#   requires: [devices]
package tailaudit.tailnet.user_device_routes

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	some i, d in lib.devices
	routes := d.enabledRoutes
	routes != []
	is_array(routes)
	not lib.is_tagged(d)
	exit_node := _is_exit_node(routes)
	res := lib.device_resource(d)
	result := {
		"msg": sprintf("personal device %s (%s) routes %v%s", [res.name, object.get(d, "user", ""), routes, _exit_suffix(exit_node)]),
		"resource": res,
		"path": ["tailnet", "devices", i],
		"evidence": {
			"user": object.get(d, "user", ""),
			"enabledRoutes": routes,
			"exitNode": exit_node,
		},
	}
}

_is_exit_node(routes) if {
	some r in routes
	lib.is_exit_route(r)
} else := false

_exit_suffix(true) := " and is an exit node"

_exit_suffix(false) := ""
