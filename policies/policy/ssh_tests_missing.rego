# METADATA
# title: SSH rules without sshTests
# description: >-
#   The policy has SSH rules and network tests, but no "sshTests", so nothing
#   checks who can log in as which account. (A policy with no tests at all is
#   reported by TA-TEST-001 instead.)
# custom:
#   id: TA-TEST-003
#   severity: low
#   remediation: >-
#     Add "sshTests" that accept the expected logins and deny root or
#     production access where it must stay closed.
package tailaudit.policy.ssh_tests_missing

deny contains result if {
	count(entries("ssh")) > 0
	count(entries("tests")) > 0
	count(entries("sshTests")) == 0
	result := {
		"msg": "the policy has ssh rules but no sshTests to check who can log in as whom",
		"path": ["policy", "ssh"],
		"evidence": {"ssh": count(entries("ssh")), "sshTests": 0},
	}
}

entries(section) := input.policy[section] if is_array(input.policy[section])

entries(section) := [] if not is_array(object.get(input.policy, section, null))
