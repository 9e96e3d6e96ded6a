# METADATA
# title: Policy has no tests
# description: >-
#   The policy file has neither "tests" nor "sshTests". Tailscale runs these
#   assertions on every save and rejects a change that breaks them; without
#   them an edit can silently open or close access.
# custom:
#   id: TA-TEST-001
#   severity: medium
#   remediation: >-
#     Add "tests" that assert who must and must not reach the important
#     services, and "sshTests" for SSH access.
package tailaudit.policy.no_tests

deny contains result if {
	is_object(input.policy)
	not has_entries("tests")
	not has_entries("sshTests")
	result := {
		"msg": "the policy has no tests or sshTests, so nothing checks that an edit keeps access as intended",
		"path": ["policy"],
		"evidence": {"tests": count_of("tests"), "sshTests": count_of("sshTests")},
	}
}

has_entries(section) if count_of(section) > 0

count_of(section) := count(input.policy[section]) if is_array(input.policy[section])

count_of(section) := 0 if not is_array(object.get(input.policy, section, null))
