package tailaudit.policy.tag_unused_test

import data.tailaudit.policy.tag_unused

test_fires_for_unreferenced_tag if {
	results := tag_unused.warn with input as {"policy": {
		"tagOwners": {"tag:prod": ["group:ops"], "tag:legacy": ["group:ops"]},
		"acls": [{"action": "accept", "src": ["group:ops"], "dst": ["tag:prod:22"]}],
	}}
	count(results) == 1
	some result in results
	result.path == ["policy", "tagOwners", "tag:legacy"]
	startswith(result.msg, "tag:legacy has a tagOwners entry")
}

test_silent_when_used_as_owner_or_approver if {
	results := tag_unused.warn with input as {"policy": {
		"tagOwners": {"tag:k8s-operator": ["group:ops"], "tag:k8s": ["tag:k8s-operator"], "tag:router": ["group:ops"]},
		"autoApprovers": {"routes": {"10.0.0.0/24": ["tag:router"]}},
		"grants": [{"src": ["group:ops"], "dst": ["tag:k8s"], "ip": ["443"]}],
	}}
	count(results) == 0
}

test_tag_used_only_as_ssh_recorder_is_used if {
	count(tag_unused.warn) == 0 with input as {"policy": {
		"tagOwners": {"tag:prod": [], "tag:recorder": []},
		"ssh": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:prod"], "users": ["root"], "recorder": ["tag:recorder"]}],
	}}
}

# Every place of the reference table counts as a use: a nodeAttrs target written with space around
# it (Tailscale trims it), an exit node approver, a via, a test destination, an SSH test destination.
test_every_reference_counts_as_a_use if {
	count(tag_unused.warn) == 0 with input as {"policy": {
		"tagOwners": {"tag:a": [], "tag:b": [], "tag:c": [], "tag:d": [], "tag:e": []},
		"nodeAttrs": [{"target": [" tag:a "], "attr": ["funnel"]}],
		"autoApprovers": {"exitNode": ["tag:b"]},
		"grants": [{"src": ["*"], "dst": ["10.0.0.0/8"], "via": ["tag:c"], "ip": ["*"]}],
		"tests": [{"src": "group:x", "deny": ["tag:d:22"]}],
		"sshTests": [{"src": "group:x", "dst": ["tag:e"], "deny": ["root"]}],
	}}
}
