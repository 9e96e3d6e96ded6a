# METADATA
# title: New device since the last snapshot
# description: A device is in the newer snapshot that the older one did not have.
# custom:
#   id: TA-DRIFT-001
#   severity: medium
#   remediation: Confirm the device belongs to someone in the organisation.
#   runbook: "Check the device's owner and tags; remove it if nobody expects it."
#   controls: {soc2: [CC6.1, CC6.8, CC7.2], iso27001: ["8.1", "8.16"], pci-dss: ["10.4.1"], hipaa: ["164.310(c)", "164.312(b)"]}
package tailaudit.alerts.drift_new_device

alert contains result if {
	some d in input.change.after.devices
	not d.nodeId in {b.nodeId | some b in input.change.before.devices}
	result := {
		"msg": sprintf("new device %s (%s) since the last snapshot", [d.name, d.nodeId]),
		"dedup": d.nodeId,
		"evidence": {"nodeId": d.nodeId, "name": d.name, "user": object.get(d, "user", ""), "tags": object.get(d, "tags", [])},
	}
}
