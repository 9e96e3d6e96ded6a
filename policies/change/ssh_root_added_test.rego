package tailaudit.change.ssh_root_added_test

import data.tailaudit.change.ssh_root_added

before := {"ssh": [{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"]}]}

test_fires_for_a_new_root_login if {
	after := {"ssh": [
		{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"]},
		{"action": "accept", "src": ["group:eng"], "dst": ["tag:staging"], "users": ["ubuntu", "root"]},
	]}
	results := ssh_root_added.deny with input as {"change": {"before": before, "after": after}}
	count(results) == 1
	some result in results
	result.msg == "ssh[1] newly lets group:eng log in as root on tag:staging (accept)"
	result.path == ["change", "after", "ssh", 1, "users", 1]
}

test_silent_for_old_root_and_new_non_root if {
	after := {"ssh": [
		{"action": "accept", "src": ["group:eng"], "dst": ["tag:staging"], "users": ["ubuntu"]},
		{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"]},
	]}
	count(ssh_root_added.deny) == 0 with input as {"change": {"before": before, "after": after}}
}
