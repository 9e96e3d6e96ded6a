package tailaudit.policy.host_wide_cidr_test

import data.tailaudit.policy.host_wide_cidr

test_fires_for_wide_ranges if {
	results := host_wide_cidr.deny with input as {"policy": {"hosts": {
		"office": "192.168.10.0/24",
		"everything": "0.0.0.0/0",
		"corp": "10.0.0.0/8",
		"v6-all": "::/0",
	}}}
	count(results) == 3
	paths := {result.path | some result in results}
	paths == {["policy", "hosts", "everything"], ["policy", "hosts", "corp"], ["policy", "hosts", "v6-all"]}
	some result in results
	result.msg == `host "corp" is 10.0.0.0/8, a /8 range wide enough to reach far beyond one network`
}

test_param_widens_the_limit if {
	results := host_wide_cidr.deny with input as {
		"policy": {"hosts": {"vpc": "10.20.0.0/16"}},
		"params": {"wideCidrPrefix": 16},
	}
	count(results) == 1
}

test_silent_for_narrow_hosts if {
	results := host_wide_cidr.deny with input as {"policy": {"hosts": {
		"db": "100.64.0.10",
		"vpc": "10.20.0.0/16",
		"v6": "fd7a:115c:a1e0::/48",
		"typo": "10.0.0.0/x",
	}}}
	count(results) == 0
}
