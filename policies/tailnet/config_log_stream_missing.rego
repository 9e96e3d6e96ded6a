# METADATA
# title: Configuration audit logs are not streamed
# description: >-
#   Configuration audit logs (who changed the policy, roles, keys and settings) stay only in
#   Tailscale, where retention is limited and nobody is alerted. They should reach the
#   organisation's log platform or SIEM.
# custom:
#   id: TA-LOG-001
#   severity: high
#   remediation: >-
#     Set up log streaming for configuration logs (Logs, Configuration logs, Start streaming) to
#     the SIEM or a storage bucket with the required retention.
#   requires: [logstream]
package tailaudit.tailnet.config_log_stream_missing

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	not lib.stream_configured("configuration")
	result := {
		"msg": "configuration audit logs are not streamed to any destination",
		"resource": {"type": "logstream", "id": "configuration", "name": "configuration logs"},
		"path": ["tailnet", "logstream", "configuration"],
		"evidence": {"configuration": object.get(lib.logstream, "configuration", null)},
	}
}
