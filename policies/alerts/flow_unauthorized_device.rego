# METADATA
# title: Unauthorized device connected
# description: >-
#   The network flow logs show traffic from a device that the snapshot lists as
#   not authorized: a device no admin approved is talking on the tailnet.
# custom:
#   id: TA-FLOW-001
#   severity: critical
#   remediation: >-
#     Find the device and its owner; remove it, or approve it if it is expected.
#   runbook: "Look the node up in the admin console; if nobody owns it, remove it and review what it reached in the flow logs."
#   match: {"nodeId": "*"}
#   controls: {soc2: [CC6.1, CC6.8, CC7.2], iso27001: ["8.1", "8.16"], pci-dss: ["10.4.1"], hipaa: ["164.310(c)", "164.312(b)"]}
package tailaudit.alerts.flow_unauthorized_device

import data.tailaudit.lib.alerts as lib

alert contains result if {
	d := lib.device(input.event.nodeId)
	d.authorized == false
	result := {
		"msg": sprintf("unauthorized device %s (%s) sent traffic", [d.name, input.event.nodeId]),
		"dedup": input.event.nodeId,
		"evidence": {"nodeId": input.event.nodeId, "device": d.name, "start": object.get(input.event, "start", ""), "end": object.get(input.event, "end", "")},
	}
}
