# METADATA
# title: Repeated failed requests
# description: >-
#   More than five requests failed within ten minutes for one actor: failed-request events, or changes that carry an error. It can be someone probing with a stolen token, or an automation stuck in a loop.
# custom:
#   id: TA-ALERT-009
#   severity: critical
#   remediation: >-
#     Find the actor and the credential behind the failures; revoke the credential if it is not theirs.
#   runbook: "Look at the events' errors; identify the token or session; revoke it if misuse is suspected."
#   match: [{"target.type": ["FAILED_REQUEST"]}, {"error": ["*"]}]
#   window: 10m
#   threshold: 6
#   group_by: [actor.id]
#   controls: {soc2: [CC6.1, CC7.2], iso27001: ["8.5", "8.16"], pci-dss: ["10.2.1", "8.3.1"], hipaa: ["164.308(a)(5)(ii)(C)", "164.312(b)"]}
package tailaudit.alerts.failed_requests

import data.tailaudit.lib.alerts as lib

alert contains result if {
	_admitted
	result := {"msg": sprintf("%s: %d failed requests within 10 minutes", [lib.actor, count(input.window) + 1]), "evidence": lib.evidence}
}

_admitted if {
	input.event.target.type == "FAILED_REQUEST"
}

_admitted if {
	input.event.error != null
}
