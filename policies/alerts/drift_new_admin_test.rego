package tailaudit.alerts.drift_new_admin_test

import data.tailaudit.alerts.drift_new_admin as rule

test_promoted_fires if {
	count(rule.alert) == 1 with input as {"change": {"before": {"users": [{"id": "u1", "loginName": "zoe", "role": "member"}]}, "after": {"users": [{"id": "u1", "loginName": "zoe", "role": "admin"}]}}}
}

test_unchanged_silent if {
	count(rule.alert) == 0 with input as {"change": {"before": {"users": [{"id": "u1", "loginName": "zoe", "role": "admin"}]}, "after": {"users": [{"id": "u1", "loginName": "zoe", "role": "admin"}]}}}
}
