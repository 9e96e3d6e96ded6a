package tailaudit.tailnet.flow_logging_off_test

import data.tailaudit.tailnet.flow_logging_off as rule

_input(settings) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"tailnet": "acme.example", "settings": settings}}

test_off_denied if {
	some r in rule.deny with input as _input({"networkFlowLoggingOn": false})
	r.evidence == {"networkFlowLoggingOn": false}
}

test_on_silent if {
	count(rule.deny) == 0 with input as _input({"networkFlowLoggingOn": true})
}
