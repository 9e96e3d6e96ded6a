# METADATA
# title: Tests never assert a denial
# description: >-
#   The policy has tests, but none of them lists a "deny" destination. Tests
#   that only check what is allowed do not catch a change that opens access
#   too widely, which is the more dangerous kind of mistake.
# custom:
#   id: TA-TEST-002
#   severity: low
#   remediation: >-
#     Add "deny" entries for what each source must not reach, such as
#     contractors to production databases.
package tailaudit.policy.tests_without_deny

deny contains result if {
	tests := input.policy.tests
	is_array(tests)
	count(tests) > 0
	denying := [i | some i, test in tests; count(object.get(test, "deny", [])) > 0]
	count(denying) == 0
	result := {
		"msg": "no entry in tests asserts a deny, so a change that opens access too widely would still pass",
		"path": ["policy", "tests"],
		"evidence": {"tests": count(tests), "withDeny": 0},
	}
}
