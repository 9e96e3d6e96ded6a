# METADATA
# title: Device registered while device approval was off
# description: >-
#   A device joined the tailnet while device approval was turned off, so no admin
#   approved it. The rule reads the last device approval change in the past week
#   of events, or the snapshot's devicesApprovalOn when there is none.
# custom:
#   id: TA-ALERT-028
#   severity: high
#   remediation: >-
#     Review the device and remove it if nobody recognises it; turn device approval on.
#   runbook: "Identify the device's owner from the event; remove it if unknown; re-enable device approval."
#   match: {"target.type": ["NODE"], "action": ["CREATE"]}
#   window: 7d
#   window_match: {"target.type": ["TAILNET"], "action": ["ENABLE", "DISABLE"], "target.property": ["MACHINE_APPROVAL_NEEDED"]}
#   controls: {soc2: [CC6.1, CC6.8, CC7.2], iso27001: ["8.1", "8.16"], pci-dss: ["10.4.1"], hipaa: ["164.310(c)", "164.312(b)"]}
package tailaudit.alerts.device_registered_unapproved

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "NODE"
	input.event.action == "CREATE"
	not _approval_on
	result := {
		"msg": sprintf("%s registered the device %s while device approval was off", [lib.actor, lib.target]),
		"evidence": lib.evidence,
	}
}

# _changes are the device approval switches in the window, oldest first.
_changes := [e.action |
	some e in input.window
	e.target.type == "TAILNET"
	e.target.property == "MACHINE_APPROVAL_NEEDED"
]

_approval_on if {
	count(_changes) > 0
	_changes[count(_changes) - 1] == "ENABLE"
}

_approval_on if {
	count(_changes) == 0
	not input.tailnet.settings.devicesApprovalOn == false
}
