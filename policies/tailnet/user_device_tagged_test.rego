package tailaudit.tailnet.user_device_tagged_test

import data.tailaudit.tailnet.user_device_tagged as rule

_input(devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": devices}}

test_tagged_device_with_person_denied if {
	some r in rule.deny with input as _input([{"nodeId": "n1", "name": "ci-runner", "user": "dev@acme.example", "tags": ["tag:ci"]}])
	r.evidence == {"user": "dev@acme.example", "tags": ["tag:ci"]}
}

test_tag_owned_device_silent if {
	count(rule.deny) == 0 with input as _input([{"nodeId": "n1", "name": "ci", "user": "tagged-devices", "tags": ["tag:ci"]}])
}

test_untagged_user_device_silent if {
	count(rule.deny) == 0 with input as _input([{"nodeId": "n1", "name": "laptop", "user": "dev@acme.example", "tags": []}])
}

test_external_device_silent if {
	d := {"nodeId": "n1", "name": "x", "user": "a@other.example", "tags": ["tag:x"], "isExternal": true}
	count(rule.deny) == 0 with input as _input([d])
}
