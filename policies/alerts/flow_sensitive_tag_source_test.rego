package tailaudit.alerts.flow_sensitive_tag_source_test

import data.tailaudit.alerts.flow_sensitive_tag_source as rule

_tailnet := {"devices": [
	{"nodeId": "nDB", "name": "db-1.tail4f2a.ts.net", "addresses": ["100.104.21.13"], "user": "tagged-devices", "tags": ["tag:db", "tag:prod"]},
	{"nodeId": "nAPI", "name": "api-1.tail4f2a.ts.net", "addresses": ["100.121.129.28"], "user": "tagged-devices", "tags": ["tag:prod"]},
	{"nodeId": "nMON", "name": "monitoring-1.tail4f2a.ts.net", "addresses": ["100.98.69.178"], "user": "tagged-devices", "tags": ["tag:monitoring"]},
	{"nodeId": "nTOM", "name": "tom-mbp.tail4f2a.ts.net", "addresses": ["100.70.227.164"], "user": "tom.becker@acme.example", "tags": []},
	{"nodeId": "nALEX", "name": "alex-thinkpad.tail4f2a.ts.net", "addresses": ["100.74.78.54"], "user": "alex.kim@acme.example", "tags": []},
]}

_params := {"sensitiveTags": ["tag:db"], "sensitiveTagSources": ["tag:monitoring", "group:ops"]}

_policy := {"groups": {"group:ops": ["tom.becker@acme.example"]}}

_flow(node, src, dst) := {"logged": "2026-11-20T14:10:05Z", "nodeId": node, "start": "2026-11-20T14:10:00Z", "end": "2026-11-20T14:10:05Z", "virtualTraffic": [{"proto": 6, "src": src, "dst": dst, "txPkts": 220, "txBytes": 48000, "rxPkts": 310, "rxBytes": 2400000}]}

test_outsider_fires_from_either_end if {
	# The laptop's own record, and the database's record of the same connection.
	some a in rule.alert with input as {"event": _flow("nALEX", "100.74.78.54:52144", "100.104.21.13:5432"), "tailnet": _tailnet, "params": _params, "policy": _policy}
	a.evidence.port == 5432
	a.evidence.tags == ["tag:db"]
	a.dedup == "100.74.78.54|nDB"
	some b in rule.alert with input as {"event": _flow("nDB", "100.104.21.13:5432", "100.74.78.54:52144"), "tailnet": _tailnet, "params": _params, "policy": _policy}
	b.dedup == a.dedup
}

test_unknown_source_fires if {
	some a in rule.alert with input as {"event": _flow("nDB", "100.104.21.13:5432", "100.99.12.7:40000"), "tailnet": _tailnet, "params": _params}
	contains(a.msg, "which the snapshot does not know")
}

test_allowed_sources_silent if {
	# A tag in the set, a member of a group in the set, and a sensitive device itself.
	count(rule.alert) == 0 with input as {"event": _flow("nMON", "100.98.69.178:40112", "100.104.21.13:9187"), "tailnet": _tailnet, "params": _params, "policy": _policy}
	count(rule.alert) == 0 with input as {"event": _flow("nTOM", "100.70.227.164:50022", "100.104.21.13:5432"), "tailnet": _tailnet, "params": _params, "policy": _policy}
	count(rule.alert) == 0 with input as {"event": _flow("nAPI", "100.121.129.28:41000", "100.104.21.13:5432"), "tailnet": _tailnet, "params": {"sensitiveTags": ["tag:db", "tag:prod"], "sensitiveTagSources": ["tag:monitoring"]}}
}

test_silent_until_sources_are_set if {
	count(rule.alert) == 0 with input as {"event": _flow("nALEX", "100.74.78.54:52144", "100.104.21.13:5432"), "tailnet": _tailnet, "params": {}}
}
