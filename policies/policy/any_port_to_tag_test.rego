package tailaudit.policy.any_port_to_tag_test

import data.tailaudit.policy.any_port_to_tag

base := {
	"groups": {
		"group:ops": ["olga@example.com"],
		"group:eng": ["erik@example.com"],
		"group:contractors": ["carl@example.com"],
		"group:empty": [],
	},
	"tagOwners": {"tag:web": ["group:ops"], "tag:db": ["group:ops"], "tag:ci": ["group:ops"]},
}

with_rules(rules) := object.union(base, rules)

test_fires_for_acl_star_port_at_the_rule if {
	results := any_port_to_tag.deny with input as {"policy": with_rules({"acls": [
		{"action": "accept", "src": ["group:ops"], "dst": ["tag:web:443"]},
		{"action": "accept", "src": ["group:contractors"], "dst": ["tag:web:443", "tag:db:*"]},
	]})}
	count(results) == 1
	some result in results
	result.path == ["policy", "acls", 1]
	result.msg == "group:contractors can reach tag:db on every port through acls[1]"
	result.severity == "high"
}

test_fires_when_two_rules_together_open_every_port if {
	results := any_port_to_tag.deny with input as {"policy": with_rules({"acls": [
		{"action": "accept", "src": ["group:eng"], "dst": ["tag:ci:1-30000"]},
		{"action": "accept", "src": ["group:eng"], "dst": ["tag:ci:30001-65535"]},
	]})}
	count(results) == 1
	some result in results
	result.path == ["policy", "acls", 1]
	result.evidence.sources == ["group:eng"]
	result.severity == "medium"
}

test_fires_for_grant_star_ip if {
	results := any_port_to_tag.deny with input as {"policy": with_rules({"grants": [{"src": ["group:eng"], "dst": ["tag:ci"], "ip": ["*"]}]})}
	count(results) == 1
	some result in results
	result.path == ["policy", "grants", 0]
}

test_wildcard_source_is_one_finding_naming_everyone if {
	results := any_port_to_tag.deny with input as {"policy": with_rules({"acls": [{"action": "accept", "src": ["*"], "dst": ["tag:web:*"]}]})}
	count(results) == 1
	some result in results
	"autogroup:member" in result.evidence.sources
	"group:contractors" in result.evidence.sources
	not "group:empty" in result.evidence.sources
}

test_silent_for_listed_ports if {
	results := any_port_to_tag.deny with input as {"policy": with_rules({
		"acls": [
			{"action": "accept", "src": ["group:ops"], "dst": ["tag:db:5432,6432", "tag:web:8000-8999"]},
			{"action": "accept", "src": ["group:ops"], "dst": ["tag:db:*"], "proto": "icmp"},
		],
		"grants": [{"src": ["group:ops"], "dst": ["tag:db"], "ip": ["tcp:5432", "icmp:*"]}],
	})}
	count(results) == 0
}
