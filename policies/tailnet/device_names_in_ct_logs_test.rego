package tailaudit.tailnet.device_names_in_ct_logs_test

import data.tailaudit.tailnet.device_names_in_ct_logs as rule

_input(https, devices) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"tailnet": "acme.example", "settings": {"httpsEnabled": https}, "devices": devices}}

_devices := [{"nodeId": "n1", "name": "b.tail1.ts.net"}, {"nodeId": "n2", "name": "a.tail1.ts.net"}]

test_https_on_warns_once_per_tailnet if {
	results := rule.warn with input as _input(true, _devices)
	count(results) == 1
	some r in results
	r.evidence.deviceCount == 2
	r.evidence.exampleNames == ["a.tail1.ts.net", "b.tail1.ts.net"]
	r.resource == {"type": "tailnet", "id": "acme.example", "name": "acme.example"}
}

test_https_off_silent if {
	count(rule.warn) == 0 with input as _input(false, _devices)
}

test_no_devices_silent if {
	count(rule.warn) == 0 with input as _input(true, [])
}

test_names_distinct_hostname_fallback_and_ten_examples if {
	devices := array.concat(
		[{"nodeId": sprintf("n%d", [i]), "name": sprintf("host-%02d.tail1.ts.net", [i])} | some i in numbers.range(1, 12)],
		[
			{"nodeId": "dup", "name": "host-01.tail1.ts.net"},
			{"nodeId": "h", "name": "", "hostname": "a-laptop"},
			{"nodeId": "none", "name": ""},
		],
	)
	some r in rule.warn with input as _input(true, devices)
	r.evidence.deviceCount == 13
	r.evidence.exampleNames == array.concat(["a-laptop"], [sprintf("host-%02d.tail1.ts.net", [i]) | some i in numbers.range(1, 9)])
}

test_only_unnamed_devices_silent if {
	count(rule.warn) == 0 with input as _input(true, [{"nodeId": "n1", "name": "", "hostname": ""}])
}
