# METADATA
# title: Key expiry disabled since the last snapshot
# description: >-
#   A device has key expiry disabled in the newer snapshot but not in the older
#   one: it keeps its access without its user logging in again. New devices
#   that arrive with expiry disabled count too.
# custom:
#   id: TA-DRIFT-006
#   severity: medium
#   remediation: Re-enable key expiry unless the device is a server with a documented exception.
#   runbook: "Find the NODE DISABLE KEY_EXPIRY event; check the device is a tagged server with an exception; otherwise re-enable expiry."
#   controls: {soc2: [CC6.1, CC6.8, CC7.2], iso27001: ["8.1", "8.16"], pci-dss: ["10.4.1"], hipaa: ["164.310(c)", "164.312(b)"]}
package tailaudit.alerts.drift_key_expiry_disabled

alert contains result if {
	some d in input.change.after.devices
	d.keyExpiryDisabled == true
	not _disabled_before(d.nodeId)
	result := {
		"msg": sprintf("key expiry is now disabled on %s", [d.name]),
		"dedup": d.nodeId,
		"evidence": {"nodeId": d.nodeId, "device": d.name, "user": object.get(d, "user", ""), "tags": object.get(d, "tags", [])},
	}
}

_disabled_before(id) if {
	some b in input.change.before.devices
	b.nodeId == id
	b.keyExpiryDisabled == true
}
