package tailaudit.policy.policy_rejected_test

import data.tailaudit.policy.policy_rejected

test_undefined_group_is_rejected_at_its_value if {
	results := policy_rejected.deny with input as {"policy": {"acls": [{
		"action": "accept",
		"src": ["group:nobody"],
		"dst": ["*:*"],
	}]}}
	count(results) == 1
	some r in results
	r.path == ["policy", "acls", 0, "src", 0]
	contains(r.msg, "group:nobody")
}

test_bad_port_is_rejected if {
	results := policy_rejected.deny with input as {"policy": {"acls": [{
		"action": "accept",
		"src": ["*"],
		"dst": ["*:70000"],
	}]}}
	count(results) >= 1
}

test_valid_policy_is_silent if {
	count(policy_rejected.deny) == 0 with input as {"policy": {
		"groups": {"group:eng": ["alice@example.com"]},
		"tagOwners": {"tag:prod": ["group:eng"]},
		"acls": [{"action": "accept", "src": ["group:eng"], "dst": ["tag:prod:22,443"]}],
	}}
}

test_foreign_domain_is_rejected_with_the_parameter if {
	results := policy_rejected.deny with input as {
		"policy": {"acls": [{"action": "accept", "src": ["user:*@elsewhere.example"], "dst": ["*:*"]}]},
		"params": {"tailnetDomains": ["example.com"]},
	}
	count(results) == 1
	some r in results
	r.path == ["policy", "acls", 0, "src", 0]
	contains(r.msg, "elsewhere.example is not associated with this Tailnet")
}

test_foreign_domain_is_rejected_from_the_snapshot if {
	results := policy_rejected.deny with input as {
		"policy": {"acls": [{"action": "accept", "src": ["user:*@elsewhere.example"], "dst": ["*:*"]}]},
		"tailnet": {"tailnet": "example.com", "users": [{"id": "u1", "loginName": "alice@example.com", "type": "member"}]},
	}
	count(results) == 1
}

test_domain_unknown_warns_and_does_not_deny if {
	inp := {"policy": {"acls": [{"action": "accept", "src": ["user:*@example.com"], "dst": ["*:*"]}]}}
	count(policy_rejected.deny) == 0 with input as inp
	warnings := policy_rejected.warn with input as inp
	count(warnings) == 1
	some w in warnings
	w.path == ["policy", "acls", 0, "src", 0]
	contains(w.msg, "not checked against the tailnet's domains")
}

test_own_domain_is_silent if {
	inp := {
		"policy": {"acls": [{"action": "accept", "src": ["user:*@example.com"], "dst": ["*:*"]}]},
		"params": {"tailnetDomains": ["example.com"]},
	}
	count(policy_rejected.deny) == 0 with input as inp
	count(policy_rejected.warn) == 0 with input as inp
}

test_ip_set_is_not_modelled_never_rejected if {
	inp := {"policy": {
		"tagOwners": {"tag:db": ["autogroup:admin"]},
		"ipsets": {"ipset:office": ["10.0.0.0/8"]},
		"grants": [{"src": ["ipset:office"], "dst": ["tag:db"], "ip": ["*"]}],
	}}
	count(policy_rejected.deny) == 0 with input as inp
	warnings := policy_rejected.warn with input as inp
	some w in warnings
	w.path == ["policy", "grants", 0, "src", 0]
	w.msg == `tailaudit cannot evaluate this entry, IP sets are not modelled: "ipset:office": IP sets are not modelled by tailaudit, so access through them cannot be evaluated`
	w.evidence.notModelled == "IP sets"
	every x in warnings {
		not startswith(x.msg, "Tailscale would reject")
	}
}
