# METADATA
# title: Device not authorized since the last snapshot
# description: >-
#   A device is not authorized in the newer snapshot although it was in the
#   older one, or it is new and waits for approval. Someone de-authorized it,
#   or it joined without approval and cannot talk until an admin decides.
# custom:
#   id: TA-DRIFT-009
#   severity: medium
#   remediation: Decide on the device; approve it if it is expected, remove it if not.
#   runbook: "Find who de-authorized or registered the device (NODE events); ask its owner; remove it if nobody claims it."
#   controls: {soc2: [CC6.1, CC6.8, CC7.2], iso27001: ["8.1", "8.16"], pci-dss: ["10.4.1"], hipaa: ["164.310(c)", "164.312(b)"]}
package tailaudit.alerts.drift_device_unauthorized

alert contains result if {
	some d in input.change.after.devices
	d.authorized == false
	not _unauthorized_before(d.nodeId)
	result := {
		"msg": sprintf("device %s is not authorized (%s)", [d.name, _was(d.nodeId)]),
		"dedup": d.nodeId,
		"evidence": {"nodeId": d.nodeId, "device": d.name, "user": object.get(d, "user", ""), "before": _was(d.nodeId)},
	}
}

_unauthorized_before(id) if {
	some b in input.change.before.devices
	b.nodeId == id
	b.authorized == false
}

_was(id) := "it was authorized" if {
	some b in input.change.before.devices
	b.nodeId == id
} else := "a new device"
