# METADATA
# title: Node in the flow logs that the snapshot does not know
# description: >-
#   Network flow logs came from a node the latest snapshot does not list: a device
#   added after the snapshot, one removed since, or logs that are not this tailnet's.
# custom:
#   id: TA-FLOW-002
#   severity: medium
#   remediation: >-
#     Take a fresh snapshot; if the node is still unknown, find out whose it is.
#   runbook: "Run tailaudit collect again and re-run; investigate nodes that stay unknown."
#   match: {"nodeId": "*"}
#   controls: {soc2: [CC6.1, CC6.8, CC7.2], iso27001: ["8.1", "8.16"], pci-dss: ["10.4.1"], hipaa: ["164.310(c)", "164.312(b)"]}
package tailaudit.alerts.flow_unknown_node

alert contains result if {
	is_array(input.tailnet.devices)
	not _known
	result := {
		"msg": sprintf("node %s sent traffic but is not in the snapshot", [input.event.nodeId]),
		"dedup": input.event.nodeId,
		"evidence": {"nodeId": input.event.nodeId, "snapshotDevices": count(input.tailnet.devices)},
	}
}

_known if {
	d := tailscale.device(input.tailnet, input.event.nodeId)
	d.nodeId == input.event.nodeId
}
