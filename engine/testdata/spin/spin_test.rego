package tailaudit.policy.spin_test

import data.tailaudit.policy.spin

test_spins if {
	results := spin.deny with input as {"policy": {}}
	count(results) == 0
}
