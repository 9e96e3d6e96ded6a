# METADATA
# title: Network flow logs are not streamed
# description: >-
#   Network flow logs are not streamed anywhere, so the record of which devices talked to which
#   is not kept in the organisation's log platform (or, with flow logging off, not kept at all).
# custom:
#   id: TA-LOG-002
#   severity: medium
#   remediation: >-
#     Turn on network flow logs and stream them (Logs, Network flow logs, Start streaming) to the
#     SIEM or a storage bucket with the required retention.
#   requires: [logstream]
package tailaudit.tailnet.network_log_stream_missing

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	not lib.stream_configured("network")
	result := {
		"msg": "network flow logs are not streamed to any destination",
		"resource": {"type": "logstream", "id": "network", "name": "network flow logs"},
		"path": ["tailnet", "logstream", "network"],
		"evidence": {
			"network": object.get(lib.logstream, "network", null),
			"networkFlowLoggingOn": object.get(lib.settings, "networkFlowLoggingOn", null),
		},
	}
}
