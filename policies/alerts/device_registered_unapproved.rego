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

# On most devices approval is on: that is checked first, from the last switch the window holds
# (custom.window_match keeps only the approval switches in input.window, oldest first) or, with
# none, from the snapshot, so that an event that cannot fire stops at the first expression.
alert contains result if {
	not _approval_on
	input.event.target.type == "NODE"
	input.event.action == "CREATE"
	result := {
		"msg": sprintf("%s registered the device %s while device approval was off", [lib.actor, lib.target]),
		"evidence": lib.evidence,
	}
}

_approval_on if input.window[count(input.window) - 1].action == "ENABLE"

_approval_on if {
	not input.window[0] # no switch in the window (or no window given)
	not input.tailnet.settings.devicesApprovalOn == false
}
