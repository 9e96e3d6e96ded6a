# METADATA
# title: Stale device
# custom:
#   id: T-DEV-001
#   severity: medium
#   resources: devices
#   requires: [devices]
package tailaudit.tailnet.stale

deny contains result if {
	some i, d in input.tailnet.devices
	d.stale
	result := {"msg": sprintf("%s is stale", [d.name]), "resource": {"type": "device", "id": d.nodeId, "name": d.name}, "path": ["tailnet", "devices", i]}
}
