package tailaudit.tailnet.log_stream_insecure_test

import data.tailaudit.tailnet.log_stream_insecure as rule

_input(lt, config) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"logstream": {lt: {"config": config}}}}

test_plain_http_denied_high if {
	some r in rule.deny with input as _input("network", {"destinationType": "elastic", "url": "HTTP://elastic.acme.example:9200"})
	r.severity == "high"
	r.resource.id == "network"
}

test_https_silent if {
	count(rule.deny) == 0 with input as _input("configuration", {"destinationType": "splunk", "url": "https://splunk.acme.example"})
}

test_s3_access_key_denied if {
	cfg := {"destinationType": "s3", "s3Bucket": "acme-logs", "s3AuthenticationType": "accesskey", "s3AccessKeyId": "AKIAEXAMPLE"}
	some r in rule.deny with input as _input("configuration", cfg)
	r.evidence.s3AccessKeyId == "AKIAEXAMPLE"
	not r.severity
}

test_s3_role_silent if {
	cfg := {"destinationType": "s3", "s3Bucket": "acme-logs", "s3AuthenticationType": "rolearn", "s3RoleArn": "arn:aws:iam::123456789012:role/ts"}
	count(rule.deny) == 0 with input as _input("configuration", cfg)
}
