package tailaudit.tailnet.log_stream_unhealthy_test

import data.tailaudit.tailnet.log_stream_unhealthy as rule

_input(status) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"logstream": {"configuration": {
	"config": {"destinationType": "splunk", "url": "https://splunk.acme.example"},
	"status": status,
}}}}

test_healthy_silent if {
	count(rule.deny) == 0 with input as _input({"lastActivity": "2026-11-24T11:55:00Z", "numEntriesSent": 1200})
}

test_current_error_denied if {
	results := rule.deny with input as _input({"lastActivity": "2026-11-24T11:00:00Z", "lastError": "401 Unauthorized", "lastErrorTime": "2026-11-24T11:30:00Z"})
	count(results) == 1
	some r in results
	r.resource == {"type": "logstream", "id": "configuration", "name": "configuration logs"}
}

test_error_cleared_by_later_delivery if {
	count(rule.deny) == 0 with input as _input({"lastActivity": "2026-11-24T11:55:00Z", "lastError": "timeout", "lastErrorTime": "2026-11-20T00:00:00Z"})
}

test_stale_delivery_denied if {
	some r in rule.deny with input as _input({"lastActivity": "2026-11-22T12:00:00Z"})
	contains(r.msg, "48 hours")
}

test_delay_boundary if {
	count(rule.deny) == 0 with input as _input({"lastActivity": "2026-11-23T12:00:00Z"})
	count(rule.deny) == 1 with input as _input({"lastActivity": "2026-11-23T11:59:00Z"})
}

test_never_delivered_denied if {
	count(rule.deny) == 1 with input as _input({})
}

test_param if {
	inp := object.union(_input({"lastActivity": "2026-11-24T09:00:00Z"}), {"params": {"maxLogDelayHours": 2}})
	count(rule.deny) == 1 with input as inp
}

test_unconfigured_stream_ignored if {
	count(rule.deny) == 0 with input as {"now": "2026-11-24T12:00:00Z", "tailnet": {"logstream": {"network": {"status": {"lastError": "x"}}}}}
}
