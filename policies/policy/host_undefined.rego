# METADATA
# title: Host name used but not defined
# description: >-
#   A bare name in a source, destination, test or node attribute target does
#   not match any entry under hosts. Tailscale rejects the policy, and a
#   misspelled host name leaves the intended address unprotected by the rule.
# custom:
#   id: TA-HOST-001
#   severity: medium
#   remediation: >-
#     Add the name to "hosts" with its address or CIDR, or correct the spelling.
package tailaudit.policy.host_undefined

import data.tailaudit.lib.alias
import data.tailaudit.lib.refs

defined := object.keys(object.get(input.policy, "hosts", {}))

sections := {"acls", "grants", "tests", "nodeAttrs"}

deny contains result if {
	some name in {name | some section in sections; some name in refs.named[section]}
	alias.is_host_name(name)
	not name in defined
	some ref in refs.at(name)
	ref.path[1] in sections
	result := {
		"msg": sprintf("%s uses %q, which is not defined in hosts", [refs.label(ref.path), ref.alias]),
		"path": ref.path,
		"evidence": {"host": ref.alias},
	}
}
