# METADATA
# title: First admin console login by a user not seen before
# description: >-
#   A user who appears in no event judged before signs in to the admin console: the first event of
#   that user made from the admin console (origin ADMIN_CONSOLE), which is how the audit log shows
#   a console session. It needs the first-seen memory of tailaudit alerts --state (input.first);
#   without --state input.first is absent and the rule stays silent. The first run over a new state
#   sees every user for the first time, so start the state on a recent log.
# custom:
#   id: TA-ALERT-029
#   severity: medium
#   remediation: >-
#     Confirm the user is expected to administer the tailnet; if not, remove their admin role and
#     review what they changed.
#   runbook: "Check the user's role and who granted it; confirm the session with them through a second channel; review their other events."
#   match: {"origin": ["ADMIN_CONSOLE"], "actor.type": ["USER"]}
#   controls: {soc2: [CC6.2, CC7.2], iso27001: ["5.18", "8.16"], pci-dss: ["10.2.1.2"], hipaa: ["164.312(b)"]}
package tailaudit.alerts.first_console_login

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.first.actor == true
	input.event.origin == "ADMIN_CONSOLE"
	input.event.actor.type == "USER"
	result := {
		"msg": sprintf("%s used the admin console for the first time (%s on %s)", [lib.actor, input.event.action, lib.target]),
		"dedup": lib.actor,
		"evidence": lib.evidence,
	}
}
