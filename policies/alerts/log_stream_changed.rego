# METADATA
# title: Log stream deleted or changed
# description: >-
#   The log streaming endpoint was deleted or pointed elsewhere, so audit or flow logs stop reaching the SIEM, or reach someone else's.
# custom:
#   id: TA-ALERT-012
#   severity: high
#   remediation: >-
#     Restore the endpoint; confirm the new destination if it changed.
#   runbook: "Check the SIEM for the gap; restore the stream in Logs > Streaming; ask the actor."
#   match: {"target.type": ["TAILNET"], "action": ["DELETE", "UPDATE"], "target.property": ["LOGSTREAM_ENDPOINT"]}
#   controls: {soc2: [CC2.1, CC7.2], iso27001: ["8.15", "8.16"], pci-dss: ["10.2.1", "10.7.2"], hipaa: ["164.312(b)"]}
package tailaudit.alerts.log_stream_changed

import data.tailaudit.lib.alerts as lib

_severity := "critical" if input.event.action == "DELETE"

_severity := "high" if input.event.action != "DELETE"

alert contains result if {
	input.event.target.type == "TAILNET"
	input.event.action in {"DELETE", "UPDATE"}
	input.event.target.property == "LOGSTREAM_ENDPOINT"
	result := {"msg": sprintf("%s changed the log stream of %s", [lib.actor, lib.target]), "evidence": lib.evidence, "severity": _severity}
}
