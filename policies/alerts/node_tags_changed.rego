# METADATA
# title: Tags changed on a device
# description: >-
#   A device's tags changed. Tags decide what a device may reach and who may reach it, so a new tag can grant access the policy reserves for servers.
# custom:
#   id: TA-ALERT-017
#   severity: medium
#   remediation: >-
#     Confirm the change; check the device's access under the new tags.
#   runbook: "Compare old and new tags in the evidence; revert tags that were not requested."
#   match: {"target.type": ["NODE"], "action": ["UPDATE"], "target.property": ["ACL_TAGS"]}
#   params:
#     sensitiveTags: {type: array, items: {type: string}}
#   controls: {soc2: [CC6.2, CC6.3, CC7.2], iso27001: ["5.18", "8.2", "8.16"], pci-dss: ["7.2.1", "7.2.2", "10.2.1.2"], hipaa: ["164.308(a)(4)(ii)(C)", "164.312(b)"]}
package tailaudit.alerts.node_tags_changed

import data.tailaudit.lib.alerts as lib
import data.tailaudit.lib.params

parameters := params.merged({"sensitiveTags": params.shared.sensitiveTags})

_added contains tag if {
	some tag in _list(object.get(input.event, "new", []))
	not tag in _list(object.get(input.event, "old", []))
}

_severity := "high" if {
	some tag in _added
	tag in parameters.sensitiveTags
} else := "medium"

alert contains result if {
	input.event.target.type == "NODE"
	input.event.action == "UPDATE"
	input.event.target.property == "ACL_TAGS"
	result := {"msg": sprintf("%s changed the tags of %s", [lib.actor, lib.target]), "evidence": object.union(lib.evidence, {"added": sort(_added)}), "severity": _severity}
}

_list(x) := x if is_array(x)

_list(x) := [] if not is_array(x)
