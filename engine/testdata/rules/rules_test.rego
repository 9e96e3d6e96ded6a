package tailaudit.policy.ssh_root_test

import data.tailaudit.policy.ssh_root

test_fires if {
	count(ssh_root.deny) == 1 with input as {"policy": {"ssh": [{"action": "accept", "users": ["root"]}]}}
}

test_silent if {
	count(ssh_root.deny) == 0 with input as {"policy": {"ssh": [{"action": "check", "users": ["root"]}]}}
}
