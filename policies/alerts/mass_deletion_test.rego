package tailaudit.alerts.mass_deletion_test

import data.tailaudit.alerts.mass_deletion as rule

test_fires if {
	some a in rule.alert with input as {"event": {"eventGroupID": "g1", "origin": "ADMIN_CONSOLE", "type": "CONFIG", "eventTime": "2026-11-20T10:00:00Z", "actor": {"id": "u1", "type": "USER", "loginName": "eve@acme.example", "displayName": "Eve"}, "target": {"id": "T1", "name": "acme.example", "type": "NODE"}, "action": "DELETE"}, "window": [], "now": "2026-11-24T12:00:00Z", "params": {}}
	contains(a.msg, "eve@acme.example")
}

test_silent if {
	count(rule.alert) == 0 with input as {"event": {"eventGroupID": "g1", "origin": "ADMIN_CONSOLE", "type": "CONFIG", "eventTime": "2026-11-20T10:00:00Z", "actor": {"id": "u1", "type": "AUTOMATED_WORKER", "loginName": "eve@acme.example", "displayName": "Eve"}, "target": {"id": "T1", "name": "acme.example", "type": "NODE"}, "action": "DELETE"}, "window": [], "now": "2026-11-24T12:00:00Z", "params": {}}
}

_delete(actor_id, actor_type, target_type, n) := {"eventGroupID": sprintf("g%d", [n]), "origin": "ADMIN_CONSOLE", "type": "CONFIG", "eventTime": sprintf("2026-11-20T09:%02d:00Z", [n]), "actor": {"id": actor_id, "type": actor_type, "loginName": "", "displayName": ""}, "target": {"id": sprintf("T%d", [n]), "name": "", "type": target_type}, "action": "DELETE"}

_eve := {"eventGroupID": "g1", "origin": "ADMIN_CONSOLE", "type": "CONFIG", "eventTime": "2026-11-20T10:00:00Z", "actor": {"id": "u1", "type": "USER", "loginName": "eve@acme.example", "displayName": "Eve"}, "target": {"id": "T1", "name": "acme.example", "type": "NODE"}, "action": "DELETE"}

# The message counts the actor's own deletions of this kind of target, not the whole window's.
test_msg_counts_the_actors_group if {
	window := [
		_delete("u1", "USER", "NODE", 1), _delete("u2", "USER", "NODE", 2), _delete("u1", "USER", "NODE", 3),
		_delete("u1", "USER", "USER", 4), _delete("u2", "USER", "NODE", 5), _delete("u1", "USER", "NODE", 6),
		_delete("u1", "USER", "NODE", 7),
	]
	some a in rule.alert with input as {"event": _eve, "window": window, "now": "2026-11-24T12:00:00Z", "params": {}}
	a.msg == "eve@acme.example deleted 5 node targets within an hour"
}

# Tailscale's own cleanup of ephemeral nodes is not counted, even under the actor's id.
test_msg_leaves_out_ephemeral_cleanup if {
	window := [
		_delete("u1", "AUTOMATED_WORKER", "NODE", 1), _delete("u1", "USER", "NODE", 2), _delete("u1", "AUTOMATED_WORKER", "NODE", 3),
		_delete("", "AUTOMATED_WORKER", "NODE", 4), _delete("u1", "USER", "NODE", 5),
	]
	some a in rule.alert with input as {"event": _eve, "window": window, "now": "2026-11-24T12:00:00Z", "params": {}}
	a.msg == "eve@acme.example deleted 3 node targets within an hour"
}

# The match leaves the control plane's cleanups out of the window; a window that holds them anyway
# (input built by hand, as here) still raises nothing for a cleanup burst.
test_silent_for_a_cleanup_burst if {
	cleanup := object.union(_eve, {"actor": {"id": "", "type": "AUTOMATED_WORKER", "loginName": "", "displayName": ""}})
	window := [_delete("", "AUTOMATED_WORKER", "NODE", n) | some n in numbers.range(1, 9)]
	count(rule.alert) == 0 with input as {"event": cleanup, "window": window, "now": "2026-11-24T12:00:00Z", "params": {}}
}
