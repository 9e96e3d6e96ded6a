# METADATA
# title: autogroup:danger-all in use
# description: >-
#   autogroup:danger-all matches every possible source, including users and
#   devices shared into the tailnet from outside it. Anything granted to it is
#   granted to people the organisation does not manage.
# custom:
#   id: TA-ACL-003
#   severity: high
#   remediation: >-
#     Use autogroup:member for the organisation's own users, or name the groups
#     and tags that need access.
package tailaudit.policy.danger_all

import data.tailaudit.lib.refs

deny contains result if {
	# Searching the policy's text first is much cheaper than walking every value, and a policy
	# that names autogroup:danger-all anywhere has it in its text.
	contains(json.marshal(input.policy), "autogroup:danger-all")
	walk(input.policy, [path, value])
	value == "autogroup:danger-all"
	full := array.concat(["policy"], path)
	result := {
		"msg": sprintf("%s uses autogroup:danger-all, which also matches users and devices from outside the tailnet", [refs.label(full)]),
		"path": full,
		"evidence": {"value": value},
	}
}
