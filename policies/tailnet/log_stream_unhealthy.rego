# METADATA
# title: Log stream failing or behind
# description: >-
#   A configured log stream reports a delivery error that has not cleared, has not delivered
#   anything for longer than allowed, or has never delivered at all. Logs that do not arrive
#   cannot be searched or alerted on.
# custom:
#   id: TA-LOG-003
#   severity: medium
#   remediation: >-
#     Check the stream's destination, credentials and URL in the admin console (Logs, log
#     streaming status), fix the error, and alert on delivery failures at the destination.
#   requires: [logstream]
#   params:
#     maxLogDelayHours: {type: number, minimum: 1, maximum: 8760}
package tailaudit.tailnet.log_stream_unhealthy

import data.tailaudit.lib.params
import data.tailaudit.lib.tailnet as lib

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"maxLogDelayHours": 24})

deny contains result if {
	some lt in lib.log_types
	lib.stream_configured(lt)
	status := lib.stream_status(lt)
	err := lib.string_at(status, "lastError")
	err != ""
	not _recovered(status)
	result := _result(lt, sprintf("%s log stream reports an error: %s", [lt, err]), status)
}

deny contains result if {
	some lt in lib.log_types
	lib.stream_configured(lt)
	status := lib.stream_status(lt)
	hours := lib.age_hours(status.lastActivity)
	hours > parameters.maxLogDelayHours
	result := _result(lt, sprintf("%s log stream last delivered %d hours ago (limit %d)", [lt, floor(hours), parameters.maxLogDelayHours]), status)
}

deny contains result if {
	some lt in lib.log_types
	lib.stream_configured(lt)
	status := lib.stream_status(lt)
	not lib.timestamp_set(object.get(status, "lastActivity", null))
	result := _result(lt, sprintf("%s log stream has never delivered", [lt]), status)
}

# An error older than the last successful delivery has cleared.
_recovered(status) if {
	lib.timestamp_set(status.lastActivity)
	lib.timestamp_set(status.lastErrorTime)
	time.parse_rfc3339_ns(status.lastActivity) > time.parse_rfc3339_ns(status.lastErrorTime)
}

_result(lt, msg, status) := {
	"msg": msg,
	"resource": {"type": "logstream", "id": lt, "name": sprintf("%s logs", [lt])},
	"path": ["tailnet", "logstream", lt, "status"],
	"evidence": {
		"destinationType": lib.string_at(lib.stream_config(lt), "destinationType"),
		"lastActivity": object.get(status, "lastActivity", ""),
		"lastError": object.get(status, "lastError", ""),
		"lastErrorTime": object.get(status, "lastErrorTime", ""),
		"maxLogDelayHours": parameters.maxLogDelayHours,
	},
}
