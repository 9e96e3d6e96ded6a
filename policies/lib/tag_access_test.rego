package tailaudit.lib.tag_access_test

import data.tailaudit.lib.tag_access

base := {"groups": {"group:ops": ["olga@example.com"]}, "tagOwners": {"tag:web": ["group:ops"], "tag:db": ["group:ops"]}}

policy(rules) := {"policy": object.union(base, rules)}

test_port_1_needs_a_rule_that_may_open_it if {
	tag_access.may_reach_port_1("group:ops", "tag:web") with input as policy({"acls": [
		{"action": "accept", "src": ["group:ops"], "dst": ["tag:web:*"]},
	]})
	tag_access.may_reach_port_1("group:ops", "tag:web") with input as policy({"acls": [
		{"action": "accept", "src": ["group:ops"], "dst": ["tag:web:0-100"]},
	]})
	not tag_access.may_reach_port_1("group:ops", "tag:web") with input as policy({"acls": [
		{"action": "accept", "src": ["group:ops"], "dst": ["tag:web:22,443", "tag:web:8000-8999", "tag:db:*"]},
	]})
	not tag_access.may_reach_port_1("group:ops", "tag:web") with input as policy({"grants": [
		{"src": ["group:ops"], "dst": ["tag:web"], "ip": ["tcp:443"]},
		{"src": ["group:ops"], "dst": ["tag:web"], "app": {"example.com/cap/x": [{}]}},
	]})
	tag_access.may_reach_port_1("group:ops", "tag:web") with input as policy({"grants": [
		{"src": ["group:ops"], "dst": ["*"], "ip": ["tcp:443", "udp:*"]},
	]})
}

test_sources_of_tags_and_members if {
	rules := {"acls": [{"action": "accept", "src": ["tag:db"], "dst": ["tag:web:*"]}]}
	tag_access.may_reach_port_1("tag:db", "tag:web") with input as policy(rules)
	tag_access.may_reach_port_1("group:ops", "tag:web") with input as policy(rules)
	not tag_access.may_reach_port_1("autogroup:member", "tag:web") with input as policy(rules)
	not tag_access.may_reach("autogroup:member", "tag:web") with input as policy(rules)

	wide := {"grants": [{"src": ["autogroup:member"], "dst": ["autogroup:tagged"], "ip": ["22"]}]}
	tag_access.may_reach("autogroup:member", "tag:db") with input as policy(wide)
	not tag_access.may_reach_port_1("autogroup:member", "tag:db") with input as policy(wide)
	not tag_access.may_reach_port_1("tag:web", "tag:db") with input as policy(wide)
}

test_reads_keys_in_any_case_and_lone_strings if {
	tag_access.may_reach_port_1("tag:db", "tag:web") with input as policy({"ACLs": [
		{"action": "accept", "Src": "tag:db", "DST": ["tag:web:*"]},
	]})
	tag_access.may_reach("autogroup:member", "tag:web") with input as policy({"grants": [
		{"src": "*", "dst": "tag:web", "ip": "tcp:443"},
	]})
}

test_no_rules_no_reach if {
	not tag_access.may_reach("autogroup:member", "tag:web") with input as policy({})
	not tag_access.may_reach_port_1("group:ops", "tag:web") with input as policy({})
}

test_severity_is_high_on_sensitive_tags if {
	tag_access.severity(["tag:db", "tag:pci"], "tag:db") == "high"
	tag_access.severity(["tag:db", "tag:pci"], "tag:web") == "medium"
	tag_access.severity([], "tag:db") == "medium"
}
