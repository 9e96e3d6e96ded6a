package tailaudit.lib.refs_test

import data.tailaudit.lib.refs

test_label if {
	refs.label(["policy", "acls", 3, "dst", 0]) == "acls[3].dst[0]"
	refs.label(["policy", "tagOwners", "tag:prod", 1]) == `tagOwners["tag:prod"][1]`
	refs.label(["policy", "autoApprovers", "exitNode", 0]) == "autoApprovers.exitNode[0]"
	refs.label(["policy"]) == "the policy"
}

# A policy that uses every key where a policy can name something: each name is seen, with its kind.
test_refs_cover_every_key if {
	found := refs.refs with input as {"policy": {
		"acls": [{"action": "accept", "src": ["group:a"], "dst": ["tag:b:22"], "srcPosture": ["posture:pa"]}],
		"grants": [{"src": ["group:c"], "dst": ["tag:d"], "via": ["tag:e"], "ip": ["*"], "srcPosture": ["posture:pb"]}],
		"ssh": [{"action": "check", "src": ["group:f"], "dst": ["tag:g"], "users": ["root"], "recorder": ["tag:s"]}],
		"ipsets": {"ipset:t": ["host-v", "10.0.0.0/8"]},
		"hosts": {"host-v": "10.1.2.3"},
		"defaultSrcPosture": ["posture:pc"],
		"tests": [{"src": "group:h", "accept": ["tag:i:443"], "deny": ["tag:j:22"]}],
		"sshTests": [{"src": "group:k", "dst": ["tag:l"], "accept": ["admin"], "check": ["ops"], "deny": ["guest"]}],
		"autoApprovers": {"routes": {"10.0.0.0/8": ["tag:m"]}, "exitNode": ["tag:n"], "services": {"svc:x": ["tag:o"]}},
		"nodeAttrs": [{"target": [" tag:p "], "attr": ["funnel"]}],
		"tagOwners": {"tag:q": ["group:r"]},
	}}
	selectors := {ref.alias | some ref in found; ref.kind == "selector"}
	selectors == {
		"group:a", "tag:b", "group:c", "tag:d", "tag:e", "group:f", "tag:g", "group:h", "tag:i",
		"tag:j", "group:k", "tag:l", "tag:m", "tag:n", "tag:o", "tag:p", "group:r", "tag:s",
		"host-v", "10.0.0.0/8",
	}
	{ref.alias | some ref in found; ref.kind == "posture"} == {"posture:pa", "posture:pb", "posture:pc"}
	{ref.alias | some ref in found; ref.kind == "user"} == {"root", "admin", "ops", "guest"}
	{ref.alias | some ref in found; ref.kind == "address"} == {"10.1.2.3"}
	some recorder in found
	recorder.path == ["policy", "ssh", 0, "recorder", 0]
	recorder.alias == "tag:s"

	# named, the cheap table rules check first, sees every one of them too.
	named := {name | some section, ns in refs.named; some name in ns} with input as {"policy": {
		"ssh": [{"action": "accept", "src": ["group:f"], "dst": ["tag:g"], "users": ["root"], "recorder": ["tag:s"]}],
		"ipsets": {"ipset:t": ["10.0.0.0/8"]},
	}}
	named == {"group:f", "tag:g", "tag:s", "root", "10.0.0.0/8"}
}

test_names_quote_only_star if {
	refs.names(["*", "autogroup:member", "group:ops"]) == `"*", autogroup:member, group:ops`
	refs.name("tag:prod") == "tag:prod"
}

test_named_and_at_agree_with_refs if {
	doc := {"policy": {
		"acls": [
			{"action": "accept", "src": ["group:a"], "dst": ["tag:b:22", "tag:b:443"]},
			{"action": "accept", "src": ["group:a"], "dst": ["legacy-host:*"]},
		],
		"tests": [{"src": "group:a", "accept": ["tag:b:22"]}],
		"tagOwners": {"tag:b": ["group:a"]},
	}}
	refs.named.acls == {"group:a", "tag:b", "legacy-host"} with input as doc
	refs.named.tests == {"group:a", "tag:b"} with input as doc
	refs.named.tagOwners == {"group:a"} with input as doc
	refs.aliases == {ref.alias | some ref in refs.refs} with input as doc
	paths := {ref.path | some ref in refs.at("tag:b")} with input as doc
	paths == {["policy", "acls", 0, "dst", 0], ["policy", "acls", 0, "dst", 1], ["policy", "tests", 0, "accept", 0]}
}
