package tailaudit.alerts.drift_policy_changed_test

import data.tailaudit.alerts.drift_policy_changed as rule

_snap(text, etag) := {"collectedAt": "2026-11-24T12:00:00Z", "policy": {"hujson": text, "etag": etag}}

test_changed_sections_and_access_fire if {
	some a in rule.alert with input as {"change": {
		"before": _snap(`{"acls": []}`, "\"a1\""),
		"after": _snap(`{"acls": [{"action": "accept", "src": ["group:eng"], "dst": ["tag:db:5432"]}]}`, "\"b2\""),
		"policy": {
			"before": {"acls": [], "groups": {"group:eng": ["a@acme.example"]}},
			"after": {"acls": [{"action": "accept", "src": ["group:eng"], "dst": ["tag:db:5432"]}], "groups": {"group:eng": ["a@acme.example"]}},
			"access": {"added": [{"src": "group:eng", "dst": "tag:db", "proto": "tcp", "ports": ["5432"]}], "removed": []},
		},
	}}
	a.evidence.sections == ["acls"]
	a.msg == "the policy changed in acls: 1 access entries added, 0 removed"
	not a.severity
}

test_comments_only_low if {
	some a in rule.alert with input as {"change": {
		"before": _snap(`{"acls": []}`, "\"a1\""),
		"after": _snap("// reviewed\n{\"acls\": []}", "\"b2\""),
		"policy": {"before": {"acls": []}, "after": {"acls": []}, "access": {"added": [], "removed": []}},
	}}
	a.severity == "low"
}

test_unparsed_names_the_etags if {
	some a in rule.alert with input as {"change": {"before": _snap(`{"acls": []}`, "\"a1\""), "after": _snap(`{"acls": [`, "\"b2\"")}}
	contains(a.msg, `etag "a1" to "b2"`)
}

test_unchanged_silent if {
	count(rule.alert) == 0 with input as {"change": {"before": _snap(`{"acls": []}`, "\"a1\""), "after": _snap(`{"acls": []}`, "\"a1\"")}}
}

test_no_policy_silent if {
	count(rule.alert) == 0 with input as {"change": {"before": {"devices": []}, "after": {"devices": []}}}
}
