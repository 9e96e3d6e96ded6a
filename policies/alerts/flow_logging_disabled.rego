# METADATA
# title: Network flow logging turned off
# description: >-
#   Network flow logging, or the logging of exit node flows, was turned off: who connected to what stops being recorded.
# custom:
#   id: TA-ALERT-013
#   severity: high
#   remediation: >-
#     Turn flow logging back on unless the change was planned.
#   runbook: "Ask the actor; re-enable in Logs > Network flow logs; note the gap for the audit period."
#   match: {"target.type": ["TAILNET"], "action": ["DISABLE"], "target.property": ["NETWORK_FLOW_LOGGING", "LOG_EXIT_FLOWS"]}
#   controls: {soc2: [CC2.1, CC7.2], iso27001: ["8.15", "8.16"], pci-dss: ["10.2.1", "10.7.2"], hipaa: ["164.312(b)"]}
package tailaudit.alerts.flow_logging_disabled

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "TAILNET"
	input.event.action == "DISABLE"
	input.event.target.property in {"NETWORK_FLOW_LOGGING", "LOG_EXIT_FLOWS"}
	result := {"msg": sprintf("%s turned off flow logging for %s", [lib.actor, lib.target]), "evidence": lib.evidence}
}
