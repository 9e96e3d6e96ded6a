package tailaudit.policy.duplicate_entry_test

import data.tailaudit.policy.duplicate_entry

test_fires_for_repeated_entries if {
	results := duplicate_entry.deny with input as {"policy": {
		"acls": [
			{"action": "accept", "src": ["group:a", "group:b"], "dst": ["tag:web:443"]},
			{"action": "accept", "src": ["group:c"], "dst": ["tag:web:443"]},
			{"action": "accept", "src": ["group:b", "group:a"], "dst": ["tag:web:443"]},
			{"action": "accept", "src": ["group:a", "group:b"], "dst": ["tag:web:443"]},
		],
		"ssh": [
			{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"]},
			{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"]},
		],
	}}
	count(results) == 3
	paths := {result.path | some result in results}
	paths == {["policy", "acls", 2], ["policy", "acls", 3], ["policy", "ssh", 1]}
	some result in results
	result.path == ["policy", "acls", 3]
	result.msg == "acls[3] repeats acls[0]"
}

test_silent_for_distinct_entries if {
	results := duplicate_entry.deny with input as {"policy": {
		"acls": [
			{"action": "accept", "src": ["group:a"], "dst": ["tag:web:443"]},
			{"action": "accept", "src": ["group:a"], "dst": ["tag:web:80"]},
		],
		"grants": [
			{"src": ["group:a"], "dst": ["tag:web"], "ip": ["443"]},
			{"src": ["group:a"], "dst": ["tag:web"], "ip": ["443"], "srcPosture": ["posture:latest"]},
		],
	}}
	count(results) == 0
}
