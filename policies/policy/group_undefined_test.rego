package tailaudit.policy.group_undefined_test

import data.tailaudit.policy.group_undefined

test_fires_for_missing_group if {
	results := group_undefined.deny with input as {"policy": {
		"groups": {"group:ops": ["a@example.com"]},
		"ssh": [{"action": "check", "src": ["group:ops", "group:sre"], "dst": ["tag:prod"], "users": ["root"]}],
		"tests": [{"src": "group:qa", "accept": ["tag:web:443"]}],
	}}
	count(results) == 2
	paths := {result.path | some result in results}
	paths == {["policy", "ssh", 0, "src", 1], ["policy", "tests", 0, "src"]}
	some result in results
	result.msg == "ssh[0].src[1] uses group:sre, which is not defined in groups"
}

test_silent_when_defined if {
	results := group_undefined.deny with input as {"policy": {
		"groups": {"group:ops": ["a@example.com"]},
		"tagOwners": {"tag:prod": ["group:ops"]},
		"acls": [{"action": "accept", "src": ["group:ops", "autogroup:admin"], "dst": ["tag:prod:22"]}],
	}}
	count(results) == 0
}
