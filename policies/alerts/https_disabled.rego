# METADATA
# title: HTTPS certificates turned off
# description: >-
#   Someone turned off HTTPS certificates for the tailnet; services that relied on them fall back to plain HTTP or break.
# custom:
#   id: TA-ALERT-003
#   severity: medium
#   remediation: >-
#     Turn HTTPS back on unless the change was planned.
#   runbook: "Confirm with the actor; re-enable HTTPS in the DNS settings; check services that served tailnet certificates."
#   match: {"target.type": ["TAILNET"], "action": ["DISABLE"], "target.property": ["HTTPS"]}
#   controls: {soc2: [CC6.6, CC7.2], iso27001: ["8.20", "8.16"], pci-dss: ["1.2.2", "10.4.1"], hipaa: ["164.312(e)(1)", "164.312(b)"]}
package tailaudit.alerts.https_disabled

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "TAILNET"
	input.event.action == "DISABLE"
	input.event.target.property == "HTTPS"
	result := {"msg": sprintf("%s turned off HTTPS certificates for %s", [lib.actor, lib.target]), "evidence": lib.evidence}
}
