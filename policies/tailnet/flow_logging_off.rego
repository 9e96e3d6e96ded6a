# METADATA
# title: Network flow logging is off
# description: >-
#   The tailnet does not record which devices talked to which. Without flow logs an incident
#   cannot be traced across the network and unusual traffic cannot be detected.
# custom:
#   id: TA-SET-006
#   severity: medium
#   remediation: >-
#     Turn on network flow logs (Logs, Network flow logs) and stream them to the organisation's
#     log platform so they are kept beyond Tailscale's retention.
#   requires: [settings]
package tailaudit.tailnet.flow_logging_off

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	lib.settings.networkFlowLoggingOn == false
	result := {
		"msg": "network flow logging is off",
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "settings", "networkFlowLoggingOn"],
		"evidence": {"networkFlowLoggingOn": false},
	}
}
