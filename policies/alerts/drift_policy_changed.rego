# METADATA
# title: Policy file changed since the last snapshot
# description: >-
#   The policy file stored in the newer snapshot differs from the older one's.
#   When both parse, the alert names the top-level sections that changed and
#   counts the access the change adds and removes (the access diff that
#   tailaudit diff prints); a change of comments or layout alone is low. When
#   either does not parse, it names the two etags.
# custom:
#   id: TA-DRIFT-005
#   severity: high
#   remediation: Confirm the change was reviewed and approved; revert what was not.
#   runbook: "Match the change to a reviewed pull request or change ticket; find the POLICY UPDATE events between the two snapshots; revert it if nobody approved it."
#   controls: {soc2: [CC8.1, CC7.2], iso27001: ["8.32", "8.16"], pci-dss: ["6.5.1", "10.4.1"], hipaa: ["164.308(a)(1)(ii)(D)", "164.312(b)"]}
package tailaudit.alerts.drift_policy_changed

_before := object.get(input.change.before, ["policy", "hujson"], "")

_after := object.get(input.change.after, ["policy", "hujson"], "")

_etag(snap) := object.get(snap, ["policy", "etag"], "")

# _sections are the top-level keys whose values differ between the two policies.
_sections contains key if {
	some key in (object.keys(input.change.policy.before) | object.keys(input.change.policy.after))
	object.get(input.change.policy.before, key, null) != object.get(input.change.policy.after, key, null)
}

_access := {
	"added": count(object.get(input.change.policy, ["access", "added"], [])),
	"removed": count(object.get(input.change.policy, ["access", "removed"], [])),
}

alert contains result if {
	input.change.policy
	count(_sections) > 0
	result := {
		"msg": sprintf("the policy changed in %s: %d access entries added, %d removed", [concat(", ", sort(_sections)), _access.added, _access.removed]),
		"dedup": concat("|", [_etag(input.change.before), _etag(input.change.after)]),
		"evidence": {
			"sections": sort(_sections),
			"access": object.get(input.change.policy, "access", {}),
			"etagBefore": _etag(input.change.before),
			"etagAfter": _etag(input.change.after),
		},
	}
}

alert contains result if {
	input.change.policy
	count(_sections) == 0
	result := {
		"msg": "the policy file changed in comments or layout only",
		"severity": "low",
		"dedup": concat("|", [_etag(input.change.before), _etag(input.change.after)]),
		"evidence": {"etagBefore": _etag(input.change.before), "etagAfter": _etag(input.change.after)},
	}
}

# Without the parsed policies (one is missing from a snapshot, or does not parse), the texts
# still tell that it changed.
alert contains result if {
	not input.change.policy
	_before != ""
	_after != ""
	_before != _after
	result := {
		"msg": sprintf("the policy file changed (etag %s to %s); one of the two does not parse, so the changed sections are unknown", [_etag(input.change.before), _etag(input.change.after)]),
		"dedup": concat("|", [_etag(input.change.before), _etag(input.change.after)]),
		"evidence": {"etagBefore": _etag(input.change.before), "etagAfter": _etag(input.change.after)},
	}
}
