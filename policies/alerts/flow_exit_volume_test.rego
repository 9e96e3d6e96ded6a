package tailaudit.alerts.flow_exit_volume_test

import data.tailaudit.alerts.flow_exit_volume as rule

_gib := 1073741824

_record(at, node, src, tx) := {"logged": at, "nodeId": node, "start": at, "end": at, "exitTraffic": [{"proto": 6, "src": src, "dst": "203.0.113.50:443", "txPkts": 1000, "txBytes": tx, "rxPkts": 900, "rxBytes": 1000}]}

_tailnet := {"devices": [
	{"nodeId": "nEXIT", "name": "exit-fra-1.tail4f2a.ts.net", "addresses": ["100.110.50.152"]},
	{"nodeId": "nHANA", "name": "hana-mbp.tail4f2a.ts.net", "addresses": ["100.82.249.184"]},
]}

test_crossing_the_limit_fires if {
	some a in rule.alert with input as {
		"event": _record("2026-11-21T22:40:00Z", "nEXIT", "100.82.249.184:50000", 4 * _gib),
		"window": [_record("2026-11-21T22:00:00Z", "nEXIT", "100.82.249.184:50000", 4 * _gib), _record("2026-11-21T22:20:00Z", "nEXIT", "100.82.249.184:50000", 3 * _gib)],
		"tailnet": _tailnet,
	}
	a.evidence.records == 3
	a.evidence.exitNode == "exit-fra-1"
	a.evidence.sources == {"hana-mbp": (11 * _gib) + 3000}
}

test_aggregate_entry_without_addresses_counts if {
	count(rule.alert) == 1 with input as {"event": {"logged": "2026-11-21T22:40:00Z", "nodeId": "nEXIT", "exitTraffic": [{"txBytes": 11 * _gib}]}, "window": []}
}

test_already_over_the_limit_silent if {
	count(rule.alert) == 0 with input as {
		"event": _record("2026-11-21T22:40:00Z", "nEXIT", "100.82.249.184:50000", _gib),
		"window": [_record("2026-11-21T22:00:00Z", "nEXIT", "100.82.249.184:50000", 11 * _gib)],
	}
}

test_under_the_limit_or_other_node_silent if {
	count(rule.alert) == 0 with input as {
		"event": _record("2026-11-21T22:40:00Z", "nEXIT", "100.82.249.184:50000", 200 * 1048576),
		"window": [_record("2026-11-21T22:00:00Z", "nOTHER", "100.82.249.184:50000", 11 * _gib)],
	}
	count(rule.alert) == 0 with input as {"event": _record("2026-11-21T22:40:00Z", "nEXIT", "100.82.249.184:50000", 2 * _gib), "window": [], "params": {"exitTrafficBytes": 3 * _gib}}
}

test_param_lowers_the_limit if {
	count(rule.alert) == 1 with input as {"event": _record("2026-11-21T22:40:00Z", "nEXIT", "100.82.249.184:50000", 2 * _gib), "window": [], "params": {"exitTrafficBytes": _gib}}
}
