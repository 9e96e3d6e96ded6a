# METADATA
# title: Policy test fails
# description: >-
#   An assertion in the policy's own "tests" or "sshTests" does not hold: the policy allows what the
#   test says must be denied, or denies what it says must be allowed. Tailscale refuses to save a
#   policy whose tests fail. The assertions are evaluated offline, at the level of identities, the
#   way Tailscale evaluates them when the policy is saved. They are run even when the file has other
#   errors (TA-VALID-001), so that one mistake does not hide another.
# custom:
#   id: TA-TEST-004
#   severity: high
#   remediation: >-
#     Decide which is right. If the test states the intended access, change the rules; if the
#     access is intended, change the test. Either way, the test and the rules must agree.
package tailaudit.policy.test_assertion_fails

deny contains result if {
	some r in tailscale.test_results(input.policy)
	not r.passed
	result := {
		"msg": sprintf("policy test fails: %s", [r.message]),
		"path": r.path,
		"evidence": {"src": r.src, "dst": r.dst, "want": r.want, "got": r.got},
	}
}
