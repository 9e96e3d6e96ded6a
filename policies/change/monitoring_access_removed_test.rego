package tailaudit.change.monitoring_access_removed_test

import data.tailaudit.change.monitoring_access_removed

policy := {"acls": [{"action": "accept", "src": ["tag:monitoring"], "dst": ["tag:prod:9200"]}]}

lost(src, proto) := {
	"src": src, "dst": "tag:prod", "proto": proto, "ports": ["9100"],
	"rules": [{"file": "main:policy.hujson", "line": 12, "column": 5, "path": "/acls/0"}],
}

test_fires_when_the_scrape_is_cut if {
	access := {"added": [], "removed": [lost("tag:monitoring", "tcp"), lost("tag:monitoring", "icmp")]}
	results := monitoring_access_removed.deny with input as {"change": {"before": policy, "after": policy, "access": access}}
	count(results) == 1
	some result in results
	result.msg == "tag:monitoring can no longer reach tag:prod on tcp 9100, which main:policy.hujson:12 allowed before"
	result.path == ["change", "after", "acls"]
}

test_silent_when_others_lose_access if {
	access := {"added": [lost("tag:monitoring", "tcp")], "removed": [lost("group:eng", "tcp")]}
	count(monitoring_access_removed.deny) == 0 with input as {"change": {"before": policy, "after": policy, "access": access}}
}
