package tailaudit.policy.broad_source_to_tag_test

import data.tailaudit.policy.broad_source_to_tag

test_fires_for_acl_and_grant if {
	results := broad_source_to_tag.deny with input as {"policy": {
		"acls": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:web:443", "tag:prod:22"]}],
		"grants": [{"src": ["*"], "dst": ["tag:db"], "ip": ["5432"]}],
	}}
	count(results) == 3
	some web in results
	web.path == ["policy", "acls", 0, "dst", 0]
	web.msg == "acls[0] lets autogroup:member reach tag:web:443"
	web.severity == "medium"
	some prod in results
	prod.path == ["policy", "acls", 0, "dst", 1]
	prod.severity == "high"
	some db in results
	db.path == ["policy", "grants", 0, "dst", 0]
	db.msg == `grants[0] lets "*" reach tag:db`
}

test_params_change_broad_sources if {
	results := broad_source_to_tag.deny with input as {
		"policy": {"acls": [{"action": "accept", "src": ["group:everyone"], "dst": ["tag:web:443"]}]},
		"params": {"broadSources": ["group:everyone"]},
	}
	count(results) == 1
}

test_silent_for_named_groups if {
	results := broad_source_to_tag.deny with input as {"policy": {
		"acls": [
			{"action": "accept", "src": ["group:ops"], "dst": ["tag:prod:22"]},
			{"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:self:*"]},
		],
		"grants": [{"src": ["autogroup:member"], "dst": ["autogroup:internet"], "ip": ["*"]}],
	}}
	count(results) == 0
}
