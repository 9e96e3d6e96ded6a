# METADATA
# title: Host alias names a very wide range
# description: >-
#   An entry under hosts stands for a CIDR whose prefix is no longer than the
#   wideCidrPrefix parameter (default 8), such as 10.0.0.0/8 or 0.0.0.0/0. Any
#   rule that uses the name reaches far more addresses than a single network
#   or service, often including the whole internet or every private network.
# custom:
#   id: TA-HOST-002
#   severity: medium
#   remediation: >-
#     Point the host alias at the subnet or address the rules are meant for,
#     and use autogroup:internet for exit-node access.
#   params:
#     wideCidrPrefix: {type: integer, minimum: 0, maximum: 128}
package tailaudit.policy.host_wide_cidr

import data.tailaudit.lib.params

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"wideCidrPrefix": 8})

deny contains result if {
	some name, value in input.policy.hosts
	is_string(value)
	parts := split(value, "/")
	count(parts) == 2
	regex.match(`^[0-9]{1,3}$`, parts[1])
	prefix := to_number(parts[1])
	prefix <= parameters.wideCidrPrefix
	result := {
		"msg": sprintf("host %q is %s, a /%d range wide enough to reach far beyond one network", [name, value, prefix]),
		"path": ["policy", "hosts", name],
		"evidence": {"host": name, "cidr": value, "wideCidrPrefix": parameters.wideCidrPrefix},
	}
}
