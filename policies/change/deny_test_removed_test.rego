package tailaudit.change.deny_test_removed_test

import data.tailaudit.change.deny_test_removed

before := {"tests": [{"src": "dana@example.com", "accept": ["tag:web:443"], "deny": ["tag:db:5432"]}]}

test_fires_when_a_deny_is_dropped if {
	after := {"tests": [{"src": "dana@example.com", "accept": ["tag:web:443"]}]}
	results := deny_test_removed.deny with input as {"change": {"before": before, "after": after}}
	count(results) == 1
	some result in results
	result.msg == "tests no longer asserts that dana@example.com is denied tag:db:5432"
	result.path == ["change", "after", "tests"]
}

test_fires_when_the_tests_are_gone if {
	results := deny_test_removed.deny with input as {"change": {"before": before, "after": {}}}
	{r.path | some r in results} == {["change", "after"]}
}

test_silent_when_the_deny_moves if {
	after := {"tests": [
		{"src": "tom@example.com", "accept": ["tag:db:5432"]},
		{"src": "dana@example.com", "deny": ["tag:db:5432"]},
	]}
	count(deny_test_removed.deny) == 0 with input as {"change": {"before": before, "after": after}}
}
