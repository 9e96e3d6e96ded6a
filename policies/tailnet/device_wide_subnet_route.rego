# METADATA
# title: Very wide subnet route
# description: >-
#   A device routes an approved subnet so large (a /16 or wider for IPv4 by default) that it
#   likely covers far more hosts than anyone meant to expose. Exit-node routes are left to
#   TA-DEV-009.
# custom:
#   id: TA-DEV-010
#   severity: medium
#   remediation: >-
#     Advertise only the subnets that hold the hosts people need, split wide ranges into
#     smaller ones, and limit who may reach them with grants or ACLs.
#   resources: devices
#   aggregate: [wideRoutePrefix, wideRoutePrefixV6]
#   requires: [devices]
#   params:
#     wideRoutePrefix: {type: integer, minimum: 0, maximum: 32}
#     wideRoutePrefixV6: {type: integer, minimum: 0, maximum: 128}
package tailaudit.tailnet.device_wide_subnet_route

import data.tailaudit.lib.params
import data.tailaudit.lib.tailnet as lib

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"wideRoutePrefix": 16, "wideRoutePrefixV6": 32})

deny contains result if {
	some i, d in lib.devices
	routes := d.enabledRoutes
	routes != []
	is_array(routes)
	wide := [r | some r in routes; _wide(r)]
	count(wide) > 0
	res := lib.device_resource(d)
	result := {
		"msg": sprintf("device %s routes wide subnets %v", [res.name, wide]),
		"resource": res,
		"path": ["tailnet", "devices", i],
		"evidence": {
			"wideRoutes": wide,
			"wideRoutePrefix": parameters.wideRoutePrefix,
			"wideRoutePrefixV6": parameters.wideRoutePrefixV6,
		},
	}
}

_wide(r) if {
	not lib.is_exit_route(r)
	not lib.is_ipv6_route(r)
	lib.route_prefix_len(r) <= parameters.wideRoutePrefix
}

_wide(r) if {
	not lib.is_exit_route(r)
	lib.is_ipv6_route(r)
	lib.route_prefix_len(r) <= parameters.wideRoutePrefixV6
}
