package tailaudit.change.exit_node_broad_test

import data.tailaudit.change.exit_node_broad

policy := {"groups": {"group:ops": ["olga@example.com"]}}

gain(src) := {
	"src": src, "dst": "autogroup:internet", "proto": "tcp", "ports": ["*"],
	"rules": [{"file": "policy.hujson", "line": 20, "column": 3, "path": "/grants/1"}],
}

test_fires_for_everyone_on_exit_nodes if {
	access := {"added": [gain("autogroup:member (others)"), object.union(gain("autogroup:member (others)"), {"proto": "udp"})], "removed": []}
	results := exit_node_broad.deny with input as {"change": {"before": policy, "after": policy, "access": access}}
	count(results) == 1
	some result in results
	result.msg == "grants[1] newly lets autogroup:member use exit nodes (autogroup:internet)"
	result.path == ["change", "after", "grants", 1]
	result.evidence.protocols == ["tcp", "udp"]
}

test_silent_for_a_small_group if {
	access := {"added": [gain("group:ops")], "removed": []}
	count(exit_node_broad.deny) == 0 with input as {"change": {"before": policy, "after": policy, "access": access}}
}
