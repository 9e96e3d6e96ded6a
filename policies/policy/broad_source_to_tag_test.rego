package tailaudit.policy.broad_source_to_tag_test

import data.tailaudit.policy.broad_source_to_tag

base := {
	"groups": {"group:ops": ["olga@example.com"]},
	"tagOwners": {"tag:web": ["group:ops"], "tag:prod": ["group:ops"]},
}

with_rules(rules) := object.union(base, rules)

test_fires_for_wildcard_source if {
	results := broad_source_to_tag.deny with input as {"policy": with_rules({"acls": [{"action": "accept", "src": ["*"], "dst": ["tag:web:443"]}]})}
	count(results) == 1
	some result in results
	result.msg == "every member can reach tag:web on port 443 through acls[0]"
	result.path == ["policy", "acls", 0]
	result.severity == "medium"
}

test_fires_for_member_grant_on_sensitive_tag if {
	results := broad_source_to_tag.deny with input as {"policy": with_rules({"grants": [
		{"src": ["group:ops"], "dst": ["tag:web"], "ip": ["*"]},
		{"src": ["autogroup:member"], "dst": ["tag:prod"], "ip": ["tcp:22", "tcp:5432"]},
	]})}
	count(results) == 1
	some result in results
	result.evidence.ports == [22, 5432]
	result.path == ["policy", "grants", 1]
	result.severity == "high"
}

test_silent_for_group_sources_and_self if {
	results := broad_source_to_tag.deny with input as {"policy": with_rules({"acls": [
		{"action": "accept", "src": ["group:ops"], "dst": ["tag:prod:*"]},
		{"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:self:*"]},
	]})}
	count(results) == 0
}
