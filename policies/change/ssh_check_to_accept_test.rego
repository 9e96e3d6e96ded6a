package tailaudit.change.ssh_check_to_accept_test

import data.tailaudit.change.ssh_check_to_accept

before := {"ssh": [{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["ubuntu"]}]}

test_fires_when_check_becomes_accept if {
	after := {"ssh": [{"action": "accept", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["ubuntu"]}]}
	results := ssh_check_to_accept.deny with input as {"change": {"before": before, "after": after}}
	count(results) == 1
	some result in results
	result.msg == "ssh[0] accepts group:ops as ubuntu on tag:prod without the check it needed before"
	result.path == ["change", "after", "ssh", 0, "action"]
}

test_silent_when_it_stays_check if {
	count(ssh_check_to_accept.deny) == 0 with input as {"change": {"before": before, "after": before}}
}
