package tailaudit.alerts.device_registered_unapproved_test

import data.tailaudit.alerts.device_registered_unapproved as rule

_node := {"eventTime": "2026-11-22T03:10:00Z", "origin": "NODE", "action": "CREATE", "actor": {"loginName": "zoe@acme.example", "type": "USER"}, "target": {"type": "NODE", "name": "unknown-laptop"}}

_switch(action) := {"eventTime": "2026-11-22T02:50:00Z", "action": action, "target": {"type": "TAILNET", "property": "MACHINE_APPROVAL_NEEDED"}}

test_after_disable_fires if {
	some a in rule.alert with input as {"event": _node, "window": [_switch("DISABLE")]}
	contains(a.msg, "unknown-laptop")
}

test_after_re_enable_silent if {
	count(rule.alert) == 0 with input as {"event": _node, "window": [_switch("DISABLE"), _switch("ENABLE")]}
}

test_snapshot_says_off_fires if {
	count(rule.alert) == 1 with input as {"event": _node, "window": [], "tailnet": {"settings": {"devicesApprovalOn": false}}}
}

test_no_evidence_of_off_silent if {
	count(rule.alert) == 0 with input as {"event": _node, "window": [], "tailnet": {"settings": {"devicesApprovalOn": true}}}
}

test_disable_after_enable_fires if {
	count(rule.alert) == 1 with input as {"event": _node, "window": [_switch("ENABLE"), _switch("DISABLE")], "tailnet": {"settings": {"devicesApprovalOn": true}}}
}

test_switch_outweighs_snapshot_silent if {
	count(rule.alert) == 0 with input as {"event": _node, "window": [_switch("ENABLE")], "tailnet": {"settings": {"devicesApprovalOn": false}}}
}

test_no_snapshot_silent if {
	count(rule.alert) == 0 with input as {"event": _node, "window": []}
}

test_other_event_silent if {
	count(rule.alert) == 0 with input as {"event": object.union(_node, {"action": "DELETE"}), "window": [_switch("DISABLE")]}
}

test_no_window_given_reads_snapshot if {
	count(rule.alert) == 0 with input as {"event": _node, "tailnet": {"settings": {"devicesApprovalOn": true}}}
	count(rule.alert) == 1 with input as {"event": _node, "tailnet": {"settings": {"devicesApprovalOn": false}}}
}
