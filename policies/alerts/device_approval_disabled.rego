# METADATA
# title: Device approval turned off
# description: >-
#   Someone turned off device approval, so new devices join the tailnet without an admin approving them.
#   Unlike rules that only look at the admin console, this fires whatever the origin: console, API or Terraform.
# custom:
#   id: TA-ALERT-001
#   severity: high
#   remediation: >-
#     Turn device approval back on unless the change was planned, and review devices added since.
#   runbook: "Ask the actor why; re-enable device approval in Settings; list devices created since the event and approve or remove each."
#   match: {"target.type": ["TAILNET"], "action": ["DISABLE"], "target.property": ["MACHINE_APPROVAL_NEEDED"]}
#   controls: {soc2: [CC6.1, CC6.8, CC7.2], iso27001: ["8.1", "8.16"], pci-dss: ["10.4.1"], hipaa: ["164.310(c)", "164.312(b)"]}
package tailaudit.alerts.device_approval_disabled

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "TAILNET"
	input.event.action == "DISABLE"
	input.event.target.property == "MACHINE_APPROVAL_NEEDED"
	result := {"msg": sprintf("%s turned off device approval for %s", [lib.actor, lib.target]), "evidence": lib.evidence}
}
