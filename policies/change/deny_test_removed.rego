# METADATA
# title: Deny assertion removed from the tests
# description: >-
#   The change drops an assertion that a source may not reach a destination
#   (a "deny" entry of tests, or of sshTests), with no test of the changed
#   policy asserting it again. Tailscale refuses a policy whose tests fail, so
#   removing a deny test is how access that was meant to stay closed gets
#   opened without anyone noticing.
# custom:
#   id: TA-CHG-004
#   severity: medium
#   remediation: >-
#     Keep the deny assertion, or say in the review why the access it guarded
#     is now intended.
package tailaudit.change.deny_test_removed

import data.tailaudit.lib.change

# denials(doc) holds [section, src, target] for every deny assertion of doc.
denials(doc) := {[section, test.src, target] |
	some section in ["tests", "sshTests"]
	some test in change.section(doc, section)
	some target in change.list(object.get(test, "deny", []))
}

old := denials(change.before)

new := denials(change.after)

deny contains result if {
	some [section, src, target] in old
	not [section, src, target] in new
	result := {
		"msg": sprintf("%s no longer asserts that %s is denied %s", [section, src, target]),
		"path": where(section),
		"evidence": {"src": src, "deny": target},
	}
}

# where points at the section in the changed policy, or at the policy when the
# section is gone.
where(section) := ["change", "after", section] if section in object.keys(change.after)

where(section) := ["change", "after"] if not section in object.keys(change.after)
