package tailaudit.policy.host_undefined_test

import data.tailaudit.policy.host_undefined

test_fires_for_missing_host if {
	results := host_undefined.deny with input as {"policy": {
		"hosts": {"db-primary": "100.64.0.10"},
		"acls": [{"action": "accept", "src": ["group:ops"], "dst": ["db-primary:5432", "db-replica:5432"]}],
	}}
	count(results) == 1
	some result in results
	result.path == ["policy", "acls", 0, "dst", 1]
	result.msg == `acls[0].dst[1] uses "db-replica", which is not defined in hosts`
}

test_silent_for_addresses_users_and_defined_hosts if {
	results := host_undefined.deny with input as {"policy": {
		"hosts": {"corp": "10.1.0.0/16"},
		"acls": [{"action": "accept", "src": ["alice@example.com", "100.64.0.0/10", "*"], "dst": [
			"corp:443",
			"10.0.0.1:22",
			"[fd7a:115c:a1e0::1]:22",
			"fd7a:115c:a1e0::/48:*",
			"autogroup:internet:*",
			"*:*",
		]}],
		"tests": [{"src": "alice@example.com", "accept": ["corp:443"], "deny": ["10.0.0.1:22"]}],
	}}
	count(results) == 0
}
