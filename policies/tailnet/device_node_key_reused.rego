# METADATA
# title: One node key used by several machines
# description: >-
#   The coordination server has seen the same node key connect from more than one machine at
#   once. This happens when a disk image or state directory was cloned, and it also happens
#   when a node's keys were stolen.
# custom:
#   id: TA-DEV-012
#   severity: high
#   remediation: >-
#     Find the copies (cloned VMs, containers sharing a state directory), log each one in
#     again with its own identity, and remove the shared node. Treat it as a possible key
#     theft if no clone explains it.
#   resources: devices
#   aggregate: []
#   requires: [devices]
package tailaudit.tailnet.device_node_key_reused

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	some i, d in lib.devices
	d.multipleConnections == true
	res := lib.device_resource(d)
	result := {
		"msg": sprintf("device %s: its node key is in use on more than one machine", [res.name]),
		"resource": res,
		"path": ["tailnet", "devices", i],
		"evidence": {"multipleConnections": true},
	}
}
