package tailaudit.alerts.flow_policy_disallowed_test

import data.tailaudit.alerts.flow_policy_disallowed as rule

_policy := {
	"groups": {"group:ops": ["tom.becker@acme.example"]},
	"tagOwners": {"tag:prod": ["group:ops"], "tag:db": ["group:ops"], "tag:monitoring": ["group:ops"]},
	"acls": [
		{"action": "accept", "src": ["group:ops"], "dst": ["tag:db:5432"]},
		{"action": "accept", "src": ["tag:monitoring"], "dst": ["tag:prod:9100"]},
	],
}

_tailnet := {"users": [{"id": "u1", "loginName": "tom.becker@acme.example", "role": "member"}], "devices": [
	{"nodeId": "nDB", "name": "db-1.tail4f2a.ts.net", "addresses": ["100.104.21.13"], "user": "tagged-devices", "tags": ["tag:db", "tag:prod"]},
	{"nodeId": "nWEB", "name": "web-1.tail4f2a.ts.net", "addresses": ["100.68.113.155"], "user": "tagged-devices", "tags": ["tag:prod"]},
	{"nodeId": "nMON", "name": "monitoring-1.tail4f2a.ts.net", "addresses": ["100.98.69.178"], "user": "tagged-devices", "tags": ["tag:monitoring"]},
	{"nodeId": "nTOM", "name": "tom-mbp.tail4f2a.ts.net", "addresses": ["100.70.227.164"], "user": "tom.becker@acme.example", "tags": []},
]}

_flow(node, src, dst) := {"logged": "2026-11-20T14:10:05Z", "nodeId": node, "start": "2026-11-20T14:10:00Z", "end": "2026-11-20T14:10:05Z", "virtualTraffic": [{"proto": 6, "src": src, "dst": dst, "txPkts": 12, "txBytes": 2048, "rxPkts": 10, "rxBytes": 8192}]}

test_disallowed_fires_from_either_end if {
	some a in rule.alert with input as {"event": _flow("nWEB", "100.68.113.155:51234", "100.104.21.13:5432"), "tailnet": _tailnet, "policy": _policy}
	a.dedup == "100.104.21.13|100.68.113.155|6"
	some b in rule.alert with input as {"event": _flow("nDB", "100.104.21.13:5432", "100.68.113.155:51234"), "tailnet": _tailnet, "policy": _policy}
	b.dedup == a.dedup
}

test_allowed_either_way_silent if {
	# The client's record and the server's record of connections the policy allows.
	count(rule.alert) == 0 with input as {"event": _flow("nTOM", "100.70.227.164:50022", "100.104.21.13:5432"), "tailnet": _tailnet, "policy": _policy}
	count(rule.alert) == 0 with input as {"event": _flow("nWEB", "100.68.113.155:9100", "100.98.69.178:40112"), "tailnet": _tailnet, "policy": _policy}
}

test_unknown_node_left_to_flow_002 if {
	count(rule.alert) == 0 with input as {"event": _flow("nZ", "100.99.12.7:49152", "100.68.113.155:22"), "tailnet": _tailnet, "policy": _policy}
}

test_without_policy_or_snapshot_silent if {
	count(rule.alert) == 0 with input as {"event": _flow("nWEB", "100.68.113.155:51234", "100.104.21.13:5432"), "tailnet": _tailnet}
	count(rule.alert) == 0 with input as {"event": _flow("nWEB", "100.68.113.155:51234", "100.104.21.13:5432"), "policy": _policy}
}
