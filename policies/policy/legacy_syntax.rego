# METADATA
# title: Legacy policy syntax
# description: >-
#   The policy file uses an older spelling that Tailscale still accepts, such
#   as "users" and "ports" in ACLs, "user" in tests, "allow" as an action or
#   autogroup:members. Mixed spellings make reviews harder and tools that read
#   the file may not understand the old forms.
# custom:
#   id: TA-SYNTAX-001
#   severity: low
#   remediation: >-
#     Rename the field or value to its current spelling; the meaning does not
#     change.
package tailaudit.policy.legacy_syntax

import data.tailaudit.lib.refs

warn contains result if {
	some entry in input.policy_meta.legacy
	result := {
		"msg": sprintf("%s uses the legacy spelling %q where Tailscale now writes %q", [refs.label(subject(entry)), entry.was, entry.now]),
		"path": entry.path,
		"evidence": {"was": entry.was, "now": entry.now},
	}
}

# subject is what the legacy spelling belongs to: the enclosing entry for a
# renamed key, the value itself for a renamed value.
subject(entry) := array.slice(entry.path, 0, count(entry.path) - 1) if {
	entry.path[count(entry.path) - 1] == entry.was
}

subject(entry) := entry.path if {
	entry.path[count(entry.path) - 1] != entry.was
}
