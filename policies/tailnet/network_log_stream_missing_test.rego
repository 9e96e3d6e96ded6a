package tailaudit.tailnet.network_log_stream_missing_test

import data.tailaudit.tailnet.network_log_stream_missing as rule

_input(logstream) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"logstream": logstream, "settings": {"networkFlowLoggingOn": false}}}

test_missing_denied if {
	some r in rule.deny with input as _input({"configuration": {"config": {"destinationType": "splunk"}}})
	r.evidence.networkFlowLoggingOn == false
}

test_configured_silent if {
	count(rule.deny) == 0 with input as _input({"network": {"config": {"destinationType": "datadog", "url": "https://http-intake.logs.datadoghq.com"}}})
}
