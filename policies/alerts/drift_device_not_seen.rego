# METADATA
# title: Device not seen for 30 days or more
# description: >-
#   A device in the newer snapshot has not been seen for staleAlertDays (30) or
#   more, and had not been in the older snapshot: it crossed the line between
#   the two.
# custom:
#   id: TA-DRIFT-004
#   severity: medium
#   remediation: Confirm the device is still in use; remove it if it is gone.
#   runbook: "Ask the owner; remove the device or expire its key."
#   params:
#     staleAlertDays: {type: integer, minimum: 1, maximum: 3650}
#   controls: {soc2: [CC6.1, CC6.8, CC7.2], iso27001: ["8.1", "8.16"], pci-dss: ["10.4.1"], hipaa: ["164.310(c)", "164.312(b)"]}
package tailaudit.alerts.drift_device_not_seen

import data.tailaudit.lib.params

parameters := params.merged({"staleAlertDays": 30})

_day_ns := ((24 * 60) * 60) * 1000000000

_stale(d, at) if {
	d.lastSeen != ""
	at - time.parse_rfc3339_ns(d.lastSeen) >= parameters.staleAlertDays * _day_ns
}

alert contains result if {
	after_at := time.parse_rfc3339_ns(input.change.after.collectedAt)
	before_at := time.parse_rfc3339_ns(input.change.before.collectedAt)
	some d in input.change.after.devices
	_stale(d, after_at)
	not _stale_before(d.nodeId, before_at)
	result := {
		"msg": sprintf("device %s has not been seen since %s", [d.name, d.lastSeen]),
		"dedup": d.nodeId,
		"evidence": {"nodeId": d.nodeId, "lastSeen": d.lastSeen, "limitDays": parameters.staleAlertDays},
	}
}

_stale_before(id, at) if {
	some b in input.change.before.devices
	b.nodeId == id
	_stale(b, at)
}
