# METADATA
# title: Policy changed outside a change window
# description: >-
#   The tailnet policy file was changed at a time no change window allows.
#   Windows are params.changeWindows, in UTC, each "DAYS HH:MM-HH:MM" where DAYS
#   is a range (mon-fri) or a list (sat,sun). A window that does not parse
#   allows nothing, so a typo raises alerts rather than hiding them.
# custom:
#   id: TA-ALERT-010
#   severity: critical
#   remediation: >-
#     Review the change with its author; revert it if it was not approved, and
#     move emergency changes into a documented break-glass process.
#   runbook: "Diff the policy at the event's old and new versions; confirm the change ticket; revert if none exists."
#   match: {"target.type": ["TAILNET"], "action": ["UPDATE"], "target.property": ["ACL"]}
#   params:
#     changeWindows: {type: array, items: {type: string}}
#   controls: {soc2: [CC8.1, CC7.2], iso27001: ["8.32", "8.16"], pci-dss: ["6.5.1", "10.4.1"], hipaa: ["164.308(a)(1)(ii)(D)", "164.312(b)"]}
package tailaudit.alerts.policy_outside_change_window

import data.tailaudit.lib.alerts as lib
import data.tailaudit.lib.params

parameters := params.merged({"changeWindows": ["mon-fri 08:00-18:00"]})

alert contains result if {
	input.event.target.type == "TAILNET"
	input.event.action == "UPDATE"
	input.event.target.property == "ACL"
	not _in_window
	result := {
		"msg": sprintf("%s changed the policy file of %s outside every change window", [lib.actor, lib.target]),
		"evidence": object.union(lib.evidence, {"changeWindows": parameters.changeWindows}),
	}
}

# tailscale.in_change_window reads each window in Go, with the event time: the same answer and
# the same errors as splitting the strings in Rego, without doing it again for every event.
_in_window if tailscale.in_change_window(parameters.changeWindows, input.event.eventTime)
