# METADATA
# title: Duplicate ACL, grant or SSH rule
# description: >-
#   An entry in acls, grants or ssh repeats an earlier entry in the same
#   section (the order of sources, destinations and users is ignored). The
#   copy adds nothing, and when someone later narrows one of the two, the
#   other keeps the old access open.
# custom:
#   id: TA-DUP-001
#   severity: low
#   remediation: >-
#     Delete the later copy.
package tailaudit.policy.duplicate_entry

sections := ["acls", "grants", "ssh"]

# tailscale.duplicates gives [k, first] for every entry k that repeats the entry
# at first, comparing entries with every list in them taken as a set (see
# policies/README.md).
deny contains result if {
	some section in sections
	entries := input.policy[section]
	is_array(entries)
	some [k, earlier] in tailscale.duplicates(entries)
	result := {
		"msg": sprintf("%s[%d] repeats %s[%d]", [section, k, section, earlier]),
		"path": ["policy", section, k],
		"evidence": {"duplicateOf": ["policy", section, earlier]},
	}
}
