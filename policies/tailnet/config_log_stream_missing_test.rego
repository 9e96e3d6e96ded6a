package tailaudit.tailnet.config_log_stream_missing_test

import data.tailaudit.tailnet.config_log_stream_missing as rule

_input(logstream) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"logstream": logstream}}

test_missing_denied if {
	count(rule.deny) == 1 with input as _input({})
	count(rule.deny) == 1 with input as _input({"configuration": null})
	count(rule.deny) == 1 with input as _input({"configuration": {"config": {}, "status": {}}})
}

test_configured_silent if {
	ls := {"configuration": {"config": {"logType": "configuration", "destinationType": "splunk", "url": "https://splunk.acme.example:8088"}}}
	count(rule.deny) == 0 with input as _input(ls)
}

test_flat_config_accepted if {
	count(rule.deny) == 0 with input as _input({"configuration": {"destinationType": "s3", "s3Bucket": "logs"}})
}

test_network_stream_does_not_count if {
	count(rule.deny) == 1 with input as _input({"network": {"config": {"destinationType": "datadog"}}})
}
