package tailaudit.change.monitoring_access_removed_test

import data.tailaudit.change.monitoring_access_removed

before := {
	"tagOwners": {"tag:monitoring": ["group:ops"], "tag:prod": ["group:ops"]},
	"acls": [{"action": "accept", "src": ["tag:monitoring"], "dst": ["tag:prod:9100"]}],
}

test_fires_when_the_scrape_is_cut if {
	after := object.union(before, {"acls": [{"action": "accept", "src": ["tag:monitoring"], "dst": ["tag:prod:9200"]}]})
	results := monitoring_access_removed.deny with input as {"change": {"before": before, "after": after}}
	count(results) == 1
	some result in results
	result.msg == "tag:monitoring can no longer reach tag:prod on port 9100, which acls[0] allowed before"
	result.path == ["change", "after", "acls"]
}

test_silent_when_access_stays if {
	after := object.union(before, {"acls": [
		{"action": "accept", "src": ["group:ops"], "dst": ["tag:prod:22"]},
		{"action": "accept", "src": ["tag:monitoring"], "dst": ["tag:prod:9100,9187"]},
	]})
	count(monitoring_access_removed.deny) == 0 with input as {"change": {"before": before, "after": after}}
}
