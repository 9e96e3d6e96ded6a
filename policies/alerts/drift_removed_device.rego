# METADATA
# title: Device removed since the last snapshot
# description: A device the older snapshot had is gone from the newer one.
# custom:
#   id: TA-DRIFT-002
#   severity: low
#   remediation: Confirm the removal was intended.
#   runbook: "Match the removal with a NODE.DELETE event in the audit log."
#   controls: {soc2: [CC6.1, CC6.8, CC7.2], iso27001: ["8.1", "8.16"], pci-dss: ["10.4.1"], hipaa: ["164.310(c)", "164.312(b)"]}
package tailaudit.alerts.drift_removed_device

alert contains result if {
	some d in input.change.before.devices
	not d.nodeId in {a.nodeId | some a in input.change.after.devices}
	result := {
		"msg": sprintf("device %s (%s) was removed since the last snapshot", [d.name, d.nodeId]),
		"dedup": d.nodeId,
		"evidence": {"nodeId": d.nodeId, "name": d.name},
	}
}
